/* The kernel's side of make before break: a Quick Mode's inbound SA put
 * in before our QM2 (QM3) goes, an outbound SA added later or taken out
 * alone, and the inbound counters that say the peer has switched. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ike/child_internal.h"
#include "ike/rekey.h"
#include "kernel/xfrm.h"
#include "net/sockaddr.h"

#define KEYMAT_MAX 128

static size_t keymat_len(const struct proposal *p)
{
	return p->encr->key_bits / 8 + p->encr->salt_bytes +
	       (p->integ ? alg_auth_key_bytes(p->integ) : 0);
}

int child_install_inbound(struct quick *q)
{
	struct ike_daemon *d = q->sa->d;
	struct exchange *x = q->x;
	uint8_t key[KEYMAT_MAX];
	struct child_sa c;
	struct xfrm_sa xs;
	size_t len;
	int err;

	if (!d->xfrm || !x || !x->chosen.encr || !q->conn)
		return 0;
	len = keymat_len(&x->chosen);
	memset(&c, 0, sizeof(c));
	child_set_from_quick(&c, q); /* the encapsulation too: it cannot change later */
	c.lifebytes = 0;
	/* until QM3 (or the install) gives it its real lifetime: a Quick
	 * Mode that never ends leaves nothing behind for long */
	c.lifetime_s = (uint32_t)(xmit_span_ms(d) / 1000) + 30;
	if (c.lifetime_s > x->lifetime_s && x->lifetime_s)
		c.lifetime_s = x->lifetime_s;
	err = child_keymat(q, x->spi_in, x->dhj.secret_len ? x->dhj.secret : NULL,
			   x->dhj.secret_len, key, len);
	if (!err) {
		child_sa_params(&c, true, key, &xs);
		xs.soft_secs = 0;
		xs.soft_bytes = xs.hard_bytes = 0;
		err = xfrm_update_sa(d->xfrm, &xs);
		OPENSSL_cleanse(&xs, sizeof(xs));
	}
	OPENSSL_cleanse(key, sizeof(key));
	return err;
}

int child_install_outbound(struct child_sa *c, const uint8_t *key)
{
	struct xfrm_sa xs;
	int err;

	if (!c->d->xfrm || !key)
		return 0;
	child_sa_params(c, false, key, &xs);
	err = xfrm_add_sa(c->d->xfrm, &xs);
	OPENSSL_cleanse(&xs, sizeof(xs));
	return err;
}

void child_remove_outbound(struct child_sa *c)
{
	struct xfrm_addr a;

	if (!c->d->xfrm || !c->installed)
		return;
	addr_from_sa(&a, &c->remote.sa);
	xfrm_del_sa(c->d->xfrm, &a, c->spi_out, IPPROTO_ESP); /* gone already: fine */
}

int child_in_packets(const struct child_sa *c, uint64_t *packets)
{
	struct xfrm_sa_stats st;
	struct xfrm_addr a;
	int err;

	if (!c->d->xfrm || !c->installed)
		return -ENODEV;
	addr_from_sa(&a, &c->local.sa);
	err = xfrm_get_sa_stats(c->d->xfrm, &a, c->spi_in, IPPROTO_ESP, &st);
	if (!err)
		*packets = st.packets;
	return err;
}
