/* Child SAs: KEYMAT for each direction (RFC 2409 5.5), the two ESP SAs and
 * their policies in the kernel, and their removal.  With dataplane=none
 * the negotiation result is only recorded. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/keying.h"
#include "crypto/rand.h"
#include "ike/by_conn.h"
#include "ike/child.h"
#include "ike/ra_hold.h"
#include "ike/child_internal.h"
#include "ike/id.h"
#include "ike/informational.h"
#include "ike/natt.h"
#include "ike/rekey.h"
#include "ike/tap.h"
#include "kernel/xfrm.h"
#include "net/sockaddr.h"
#include "util/log.h"
#include "wire/isakmp.h"

#define KEYMAT_MAX 128

void addr_from_sa(struct xfrm_addr *a, const struct sockaddr *sa)
{
	size_t len = 0;
	const void *p = sockaddr_addr(sa, &len);

	memset(a, 0, sizeof(*a));
	a->family = sa->sa_family;
	if (p)
		memcpy(a->b, p, len);
}

static void sel_from_ts(struct xfrm_sel *sel, const struct conf_ts *src, const struct conf_ts *dst)
{
	memset(sel, 0, sizeof(*sel));
	sel->src.family = src->addr.family;
	memcpy(sel->src.b, src->addr.a.b, 16);
	sel->dst.family = dst->addr.family;
	memcpy(sel->dst.b, dst->addr.a.b, 16);
	sel->src_plen = src->prefixlen;
	sel->dst_plen = dst->prefixlen;
	/* One protocol for the flow: either side may name it. */
	sel->proto = src->proto ? src->proto : dst->proto;
	sel->sport = src->port;
	sel->dport = dst->port;
}

int child_alloc_spi(struct ike_daemon *d, struct quick *q, char *why, size_t whylen)
{
	struct conf_ts l = q->x->ts_local, r = q->x->ts_remote;
	struct xfrm_addr src, dst;
	int err;

	/* a successor keeps its predecessor's reqid: the policies stay; found
	 * by the selectors the child will have (natt_child_set), not the IDs */
	if (!q->x->tunnel) {
		natt_transport_ts_local(q->sa, &l);
		natt_transport_ts(q->sa, &r);
	}
	q->x->reqid = rekey_child_reqid(d, &l, &r, (const struct sockaddr *)&q->sa->ep.remote.sa);
	if (!d->xfrm) {
		do {
			err = crypto_random(&q->x->spi_in, sizeof(q->x->spi_in));
		} while (!err && q->x->spi_in < XFRM_SPI_MIN);
		return err;
	}
	addr_from_sa(&src, (const struct sockaddr *)&q->sa->ep.remote.sa);
	addr_from_sa(&dst, (const struct sockaddr *)&q->sa->ep.local.sa);
	err = xfrm_alloc_spi(d->xfrm, &src, &dst, IPPROTO_ESP, q->x->reqid, &q->x->spi_in);
	if (err)
		snprintf(why, whylen, "the kernel gave no SPI: %s", xfrm_strerror(err));
	return err;
}

/* KEYMAT for the SA with this SPI: the cipher key (with its salt) first,
 * then the integrity key. */
int child_keymat(const struct quick *q, uint32_t spi, const uint8_t *gxy, size_t gxy_len,
		 uint8_t *out, size_t len)
{
	const struct ike_sa *sa = q->sa;

	return ike_keymat(sa->hash->openssl, sa->skeyid_d, sa->prf_len, gxy, gxy_len,
			  PROTO_IPSEC_ESP, spi, q->x->ni.data, q->x->ni.len, q->x->nr.data,
			  q->x->nr.len, out, len);
}

void child_sa_params(const struct child_sa *c, bool inbound, const uint8_t *keymat,
		     struct xfrm_sa *x)
{
	const struct proposal *p = &c->prop;
	unsigned enc_len = p->encr->key_bits / 8 + p->encr->salt_bytes;

	memset(x, 0, sizeof(*x));
	addr_from_sa(&x->src, inbound ? &c->remote.sa : &c->local.sa);
	addr_from_sa(&x->dst, inbound ? &c->local.sa : &c->remote.sa);
	x->spi = inbound ? c->spi_in : c->spi_out;
	x->proto = IPPROTO_ESP;
	x->tunnel = c->tunnel;
	x->reqid = c->reqid;
	x->aead = p->encr->aead;
	x->enc = (struct xfrm_alg_key){p->encr->xfrm, keymat, enc_len, p->encr->icv_bits};
	if (p->integ)
		x->auth = (struct xfrm_alg_key){p->integ->xfrm, keymat + enc_len,
						alg_auth_key_bytes(p->integ), p->integ->icv_bits};
	natt_xfrm_encap(c, inbound, x);
	x->hard_secs = c->lifetime_s;
	/* The soft limit comes after the rekey timers (rekey.h), before the end. */
	x->soft_secs = c->d ? rekey_child_soft_s(c) : c->lifetime_s - c->lifetime_s / 10;
	if (c->lifebytes) {
		x->hard_bytes = c->lifebytes;
		x->soft_bytes = c->lifebytes - c->lifebytes / 10;
	}
	if (!c->tunnel) {
		if (inbound)
			sel_from_ts(&x->sel, &c->ts_remote, &c->ts_local);
		else
			sel_from_ts(&x->sel, &c->ts_local, &c->ts_remote);
	}
}

static void child_policy(const struct child_sa *c, uint8_t dir, struct xfrm_pol *p)
{
	bool out = dir == XFRM_POLICY_OUT;

	memset(p, 0, sizeof(*p));
	if (out)
		sel_from_ts(&p->sel, &c->ts_local, &c->ts_remote);
	else
		sel_from_ts(&p->sel, &c->ts_remote, &c->ts_local);
	p->dir = dir;
	/* More specific selectors win: lower numbers are tried first. */
	p->priority = 2000u - p->sel.src_plen - p->sel.dst_plen - (p->sel.proto ? 1 : 0);
	p->proto = IPPROTO_ESP;
	p->tunnel = c->tunnel;
	p->reqid = c->reqid;
	if (c->tunnel) {
		addr_from_sa(&p->tmpl_src, out ? &c->local.sa : &c->remote.sa);
		addr_from_sa(&p->tmpl_dst, out ? &c->remote.sa : &c->local.sa);
	}
}

/* Another installed SA whose policies have c's selectors, or NULL: among
 * the children filed under the same selector pair (by_conn.c), not all.
 * Looked up by c's selectors: c itself may be filed or not (a successor
 * being installed, or one already taken out of the tables). */
static const struct child_sa *child_policies_shared(const struct child_sa *c)
{
	const struct child_sa *first = child_first_by_ts(c->d, &c->ts_local, &c->ts_remote), *o;

	for (o = first; o; o = child_next_same_ts(first, o))
		if (o != c && o->installed)
			return o;
	return NULL;
}

static const uint8_t child_dirs[] = {XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD};

/* What of a child is in the kernel because we put it there.  The inbound
 * SA always is: its SPI was allocated for this child (a larval SA until
 * it is completed). */
struct child_owned {
	bool sa_out;
	bool pol[3]; /* by child_dirs[] */
};

/* Queues in the open batch the removal of what c put in the kernel,
 * nothing else: an SA or a policy it failed to add may be another's (the
 * peer chose the outbound SPI).  What is already gone fails harmlessly.
 * Its policies stay when a successor with the same selectors owns them
 * now (keep_shared; not when every child goes). */
static void child_kernel_queue_removal(struct child_sa *c, const struct child_owned *own,
				       bool keep_shared)
{
	struct ike_daemon *d = c->d;
	bool shared = keep_shared && child_policies_shared(c) != NULL;
	struct xfrm_addr a;
	struct xfrm_pol p;
	unsigned i;

	for (i = 0; i < 3 && !shared; i++) {
		if (!own->pol[i])
			continue;
		child_policy(c, child_dirs[i], &p);
		xfrm_batch_del_policy(d->xfrm, &p.sel, child_dirs[i]);
	}
	addr_from_sa(&a, &c->local.sa);
	xfrm_batch_del_sa(d->xfrm, &a, c->spi_in, IPPROTO_ESP);
	if (own->sa_out) {
		addr_from_sa(&a, &c->remote.sa);
		xfrm_batch_del_sa(d->xfrm, &a, c->spi_out, IPPROTO_ESP);
	}
}

static const struct child_owned child_owns_all = {true, {true, true, true}};

/* What c put in the kernel, as one batch. */
static void child_kernel_take_back(struct child_sa *c, const struct child_owned *own)
{
	xfrm_batch_begin(c->d->xfrm);
	child_kernel_queue_removal(c, own, true);
	xfrm_batch_end(c->d->xfrm, NULL);
}

static void child_kernel_remove(struct child_sa *c)
{
	if (c->d->xfrm)
		child_kernel_take_back(c, &child_owns_all);
}

/* A policy batch that failed part-way may have replaced the policies of the
 * installed SA with the same selectors (the one being rekeyed): they are
 * given back to it. */
static void child_policies_restore(const struct child_sa *c)
{
	const struct child_sa *o = child_policies_shared(c);
	struct xfrm_pol p;
	unsigned i;
	int err;

	for (i = 0; o && i < 3; i++) {
		if (child_dirs[i] == XFRM_POLICY_FWD && !o->tunnel)
			continue;
		child_policy(o, child_dirs[i], &p);
		err = xfrm_update_policy(c->d->xfrm, &p);
		if (err)
			log_warn("#%u %s: giving IPsec SA %08x its policy back failed: %s",
				 o->serial, o->conn_name, o->spi_in, xfrm_strerror(err));
	}
}

/* The two SAs as one batch, then the policies as another, sent only when
 * both SAs are in: the kernel carries out every request of a batch, and a
 * policy pointing at an SA that failed (on a rekey, the policy the running
 * SA uses) would drop its traffic until it is put back. */
static int child_kernel_install(struct child_sa *c, const uint8_t *key_in, const uint8_t *key_out,
				bool with_out, char *why, size_t whylen)
{
	struct ike_daemon *d = c->d;
	static const char *const whats[] = {"inbound SA", "outbound SA"};
	const char *what = "policy";
	struct child_owned own = {0};
	struct xfrm_sa x;
	struct xfrm_pol p;
	int out, pol[3] = {-1, -1, -1}, err;
	unsigned i, failed = 0;

	xfrm_batch_begin(d->xfrm);
	child_sa_params(c, true, key_in, &x);
	xfrm_batch_update_sa(d->xfrm, &x);
	child_sa_params(c, false, key_out, &x);
	out = with_out ? xfrm_batch_add_sa(d->xfrm, &x) : -1; /* held back: rekey.c */
	OPENSSL_cleanse(&x, sizeof(x));
	err = xfrm_batch_end(d->xfrm, &failed);
	own.sa_out = out >= 0 && xfrm_batch_result(d->xfrm, (unsigned)out) == 0;
	if (err) {
		what = whats[failed < 2 ? failed : 1];
	} else {
		xfrm_batch_begin(d->xfrm);
		for (i = 0; i < 3; i++) {
			if (child_dirs[i] == XFRM_POLICY_FWD && !c->tunnel)
				continue;
			child_policy(c, child_dirs[i], &p);
			pol[i] = xfrm_batch_update_policy(d->xfrm, &p);
		}
		err = xfrm_batch_end(d->xfrm, &failed);
		for (i = 0; i < 3; i++)
			own.pol[i] =
				pol[i] >= 0 && xfrm_batch_result(d->xfrm, (unsigned)pol[i]) == 0;
	}
	if (!err)
		return 0;
	snprintf(why, whylen, "installing the %s in the kernel failed: %s%s%s", what,
		 xfrm_strerror(err), xfrm_kernel_msg(d->xfrm)[0] ? ": " : "",
		 xfrm_kernel_msg(d->xfrm));
	if (err == -EPROTONOSUPPORT && !d->kernel_esp_warned) {
		d->kernel_esp_warned = true;
		log_err("this kernel has no ESP support: IPsec SAs cannot be installed (use "
			"dataplane=none to negotiate without installing)");
	}
	if (own.pol[0] || own.pol[1] || own.pol[2])
		child_policies_restore(c);
	child_kernel_take_back(c, &own);
	return err;
}

static void child_log_up(const struct child_sa *c, const struct ike_sa *sa)
{
	char l[128], r[128];

	ts_str(&c->ts_local, l, sizeof(l));
	ts_str(&c->ts_remote, r, sizeof(r));
	/* Named by its own connection: many may share one ISAKMP SA. */
	log_info("#%u %s: IPsec SA established: ESP %s %s === %s, SPIs in %08x out %08x, %s%s%s, "
		 "lifetime %u s%s",
		 sa->serial, c->conn_name, c->tunnel ? "tunnel" : "transport", l, r, c->spi_in,
		 c->spi_out, c->prop.encr->display, c->prop.integ ? "/" : "",
		 c->prop.integ ? c->prop.integ->display : "", c->lifetime_s,
		 c->installed ? "" : " (not installed: dataplane=none)");
}

static void child_expire(void *arg)
{
	struct child_sa *c = arg;
	uint64_t age_s = (loop_now_ms() - c->established_ms) / 1000;

	if (rekey_child_may(c) && !c->rekeyed && !c->rk.succ_seq && age_s < c->lifetime_s) {
		c->rekeyed = true;
		log_info("#%u %s: IPsec SA %08x reaches its soft lifetime, rekeying", c->serial,
			 c->conn_name, c->spi_in);
		timer_arm(c->d->loop, &c->expire, (c->lifetime_s - age_s) * 1000);
		ike_rekey(c->d, c->conn_name);
		return;
	}
	log_info("#%u %s: IPsec SA %08x reached its lifetime of %u s", c->serial, c->conn_name,
		 c->spi_in, c->lifetime_s);
	child_remove(c, true);
}

/* The child with this SPI, inbound or outbound. */
static struct child_sa *child_find_spi(struct ike_daemon *d, uint32_t spi,
				       bool (*ok)(const struct child_sa *, const struct ike_sa *),
				       const struct ike_sa *sa)
{
	uint64_t h = htable_hash(&d->child_by_spi, &spi, sizeof(spi));
	struct hnode *n;

	for (n = htable_first(&d->child_by_spi, h); n; n = htable_next(n, h)) {
		struct child_sa *c = container_of(n, struct child_spi_node, node)->child;

		if ((c->spi_in == spi || c->spi_out == spi) && (!ok || ok(c, sa)))
			return c;
	}
	return NULL;
}

/* May a Delete that arrived under sa end child c?  If sa made it (both
 * cookies); or if the ISAKMP SA that made it is gone and sa is with the
 * same peer and would have been accepted by c's connection (the peer
 * deletes an old child under a new ISAKMP SA).  Never another live SA's. */
static bool child_deletable_by(const struct child_sa *c, const struct ike_sa *sa)
{
	const struct conn *conn;
	const struct ike_sa *made;

	if (!memcmp(c->icookie, sa->icookie, 8) && !memcmp(c->rcookie, sa->rcookie, 8))
		return true;
	/* its peer: the address, and the port behind a NAT (others share it) */
	if (!ic_same_endpoint(sa, &c->remote.sa))
		return false;
	/* its maker alive: only a newer SA of the same peer, its successor
	 * (a rekey) or one with the same authenticated ID */
	made = ike_sa_find(c->d, c->icookie, c->rcookie);
	if (made && (made->serial > sa->serial ||
		     (made->rk.replaced_by != sa->serial && !ic_same_identity(made, sa))))
		return false;
	conn = conf_conn(c->d->conf, c->conn_name);
	return conn && ike_sa_fits(sa, conn);
}

void child_kernel_expired(struct ike_daemon *d, uint32_t spi, bool hard)
{
	struct child_sa *c = child_find_spi(d, spi, NULL, NULL);

	if (!c)
		return;
	if (!hard) {
		/* a rekey that failed is tried again here */
		if (rekey_child_may(c) && !c->rk.succ_seq) {
			c->rekeyed = true;
			log_info("#%u %s: the kernel says IPsec SA %08x reached a soft limit, "
				 "rekeying",
				 c->serial, c->conn_name, spi);
			ike_rekey(d, c->conn_name);
		}
		return;
	}
	log_info("#%u %s: the kernel expired IPsec SA %08x (hard limit)", c->serial, c->conn_name,
		 spi);
	child_remove(c, true);
}

/* What the kernel is told of an IPsec SA, from its Quick Mode: the same
 * for the early inbound install (rekey_kernel.c) and the whole one, since
 * the kernel refuses an update that changes the encapsulation. */
void child_set_from_quick(struct child_sa *c, const struct quick *q)
{
	const struct ike_sa *sa = q->sa;

	c->d = sa->d;
	snprintf(c->conn_name, sizeof(c->conn_name), "%s", q->conn->name);
	sockaddr_inet_set(&c->local, (const struct sockaddr *)&sa->ep.local.sa);
	sockaddr_inet_set(&c->remote, (const struct sockaddr *)&sa->ep.remote.sa);
	c->ts_local = q->x->ts_local;
	c->ts_remote = q->x->ts_remote;
	c->tunnel = q->x->tunnel;
	c->prop = q->x->chosen;
	c->spi_in = q->x->spi_in;
	c->spi_out = q->x->spi_out;
	c->reqid = q->x->reqid;
	c->lifetime_s = q->x->lifetime_s;
	c->lifebytes = (uint64_t)q->x->life_kb * 1024;
	c->lifetime_from_responder = q->x->lifetime_from_responder;
	natt_child_set(c, q);
	memcpy(c->icookie, sa->icookie, 8);
	memcpy(c->rcookie, sa->rcookie, 8);
}

int child_install(struct quick *q, const uint8_t *gxy, size_t gxy_len, char *why, size_t whylen)
{
	struct ike_sa *sa = q->sa;
	struct ike_daemon *d = sa->d;
	uint8_t key_in[KEYMAT_MAX], key_out[KEYMAT_MAX];
	const struct proposal *p = &q->x->chosen;
	size_t len = p->encr->key_bits / 8 + p->encr->salt_bytes +
		     (p->integ ? alg_auth_key_bytes(p->integ) : 0);
	struct child_sa *c;
	bool hold;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	child_set_from_quick(c, q);
	c->serial = sa->serial;
	c->seq = ++d->next_child_seq;
	err = child_keymat(q, q->x->spi_in, gxy, gxy_len, key_in, len);
	if (!err)
		err = child_keymat(q, q->x->spi_out, gxy, gxy_len, key_out, len);
	if (err) {
		snprintf(why, whylen, "KEYMAT derivation failed");
		goto out;
	}
	c->initiator = q->initiator;
	hold = rekey_child_holds_out(c);
	if (d->xfrm) {
		err = child_kernel_install(c, key_in, key_out, !hold, why, whylen);
		if (err)
			goto out;
		c->installed = true;
	}
	tap_esp_keys(c, key_in, key_out);
	c->established_ms = loop_now_ms();
	timer_init(&c->expire, child_expire, c);
	rekey_child_init(c);
	/* The initiator rekeys in the margin before the end (rekey.h), the
	 * responder later, only if the initiator has not */
	timer_arm(d->loop, &c->expire, rekey_child_after_ms(c));
	c->by_spi[0].child = c->by_spi[1].child = c;
	htable_add(&d->child_by_spi, &c->by_spi[0].node,
		   htable_hash(&d->child_by_spi, &c->spi_in, sizeof(c->spi_in)));
	htable_add(&d->child_by_spi, &c->by_spi[1].node,
		   htable_hash(&d->child_by_spi, &c->spi_out, sizeof(c->spi_out)));
	c->next = d->children;
	if (d->children)
		d->children->prev = c;
	d->children = c;
	child_index(c);
	child_log_up(c, sa);
	ra_child_take(c, sa); /* the lease or VIP lives while c does */
	rekey_child_installed(c, hold ? key_out : NULL, len); /* the one it replaces */
	c = NULL;
out:
	OPENSSL_cleanse(key_in, sizeof(key_in));
	OPENSSL_cleanse(key_out, sizeof(key_out));
	free(c);
	return err;
}

/* Takes c out of the daemon's tables, its timer stopped, telling the peer
 * first when send_delete; the kernel and freeing c are the caller's. */
static void child_detach(struct child_sa *c, bool send_delete)
{
	struct ike_daemon *d = c->d;
	struct ike_sa *sa;

	if (send_delete && c->rk.state != CHILD_RK_DELETED) {
		sa = rekey_sa_for_child(c); /* its maker, or the newest after a rekey */
		if (sa)
			info_send_delete_esp(sa, c->spi_in);
	}
	rekey_child_free(c);
	child_unindex(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->children = c->next;
	if (c->next)
		c->next->prev = c->prev;
	timer_cancel(d->loop, &c->expire);
	htable_del(&d->child_by_spi, &c->by_spi[0].node);
	htable_del(&d->child_by_spi, &c->by_spi[1].node);
}

static void child_log_removed(const struct child_sa *c)
{
	log_info("#%u %s: IPsec SA with SPIs in %08x out %08x removed", c->serial, c->conn_name,
		 c->spi_in, c->spi_out);
}

void child_remove(struct child_sa *c, bool send_delete)
{
	child_detach(c, send_delete);
	child_kernel_remove(c);
	child_log_removed(c);
	ra_child_drop(c);
	free(c);
}

static const struct child_owned child_owns_sas = {true, {false, false, false}};

void child_hold(struct child_sa *c)
{
	child_detach(c, false);
	if (c->d->xfrm)
		child_kernel_take_back(c, &child_owns_sas);
	log_info("#%u %s: IPsec SA with SPIs in %08x out %08x removed, its policies kept "
		 "(traffic is dropped)",
		 c->serial, c->conn_name, c->spi_in, c->spi_out);
}

void child_held_release(struct child_sa *c)
{
	struct xfrm_pol p;
	unsigned i;

	if (c->d->xfrm) {
		/* Filed again for a moment: a successor with the same
		 * selectors may own the policies now. */
		child_index(c);
		xfrm_batch_begin(c->d->xfrm);
		for (i = 0; i < 3 && !child_policies_shared(c); i++) {
			child_policy(c, child_dirs[i], &p);
			xfrm_batch_del_policy(c->d->xfrm, &p.sel, child_dirs[i]);
		}
		xfrm_batch_end(c->d->xfrm, NULL);
		child_unindex(c);
	}
	ra_child_drop(c);
	free(c);
}

void child_peer_deleted(struct ike_sa *sa, uint32_t spi)
{
	/* Peers differ on which SPI of the pair a Delete names (strongSwan
	 * names ours): either one ends the pair. */
	struct child_sa *c = child_find_spi(sa->d, spi, child_deletable_by, sa);

	if (!c) {
		ike_sa_log(sa, LOG_LVL_INFO,
			   "ignored the peer's Delete of IPsec SA %08x: no IPsec SA of this ISAKMP "
			   "SA has that SPI",
			   spi);
		return;
	}
	ike_sa_log(sa, LOG_LVL_INFO, "peer deleted IPsec SA %08x", spi);
	child_remove(c, false);
}

void child_remove_conn(struct ike_daemon *d, const char *name, bool send_delete)
{
	struct child_sa *c, *next;

	if (name) { /* one connection's: through its chain, not every SA */
		while ((c = child_find_conn(d, name)))
			child_remove(c, send_delete);
		return;
	}
	/* Every one (shutdown): their kernel state as one batch, sent a window
	 * at a time, and no successor to look for; not a netlink round trip
	 * and a walk of every child per child (10,000 tunnels took 207 s to
	 * stop in the VM). */
	if (d->xfrm)
		xfrm_batch_begin(d->xfrm);
	for (c = d->children; c; c = next) {
		next = c->next;
		child_detach(c, send_delete);
		if (d->xfrm)
			child_kernel_queue_removal(c, &child_owns_all, false);
		child_log_removed(c);
		ra_child_drop(c);
		free(c);
	}
	if (d->xfrm)
		xfrm_batch_end(d->xfrm, NULL);
}

bool child_conn_up(struct ike_daemon *d, const char *name)
{
	return child_find_conn(d, name) != NULL;
}

int child_stats(const struct child_sa *c, struct xfrm_sa_stats *in, struct xfrm_sa_stats *out)
{
	struct xfrm_addr a;
	int err;

	if (!c->d->xfrm || !c->installed)
		return -ENODEV;
	addr_from_sa(&a, &c->local.sa);
	err = xfrm_get_sa_stats(c->d->xfrm, &a, c->spi_in, IPPROTO_ESP, in);
	if (err)
		return err;
	addr_from_sa(&a, &c->remote.sa);
	return xfrm_get_sa_stats(c->d->xfrm, &a, c->spi_out, IPPROTO_ESP, out);
}
