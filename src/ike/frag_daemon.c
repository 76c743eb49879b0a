/* IKEv1 fragments in the daemon (frag.h): which fragments are taken in,
 * the table's timer, and sending a message as fragments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/exchange.h"
#include "ike/frag.h"
#include "ike/halfopen.h"
#include "ike/ike.h"
#include "util/log.h"

#define NON_ESP_MARKER 4 /* port 4500 (RFC 3948 2.2) */

static void frag_timer(void *arg)
{
	struct ike_daemon *d = arg;
	struct frag_table *t = d->frag;
	uint64_t due;

	frag_expire(t, loop_now_ms());
	due = frag_next_due(t);
	if (due)
		timer_arm(t->loop, &t->timer, due > loop_now_ms() ? due - loop_now_ms() : 0);
}

int frag_daemon_init(struct ike_daemon *d)
{
	struct frag_table *t = malloc(sizeof(*t));

	if (!t)
		return -ENOMEM;
	/* a set lives as long as the peer waits before it resends them all */
	frag_table_init(t, d->retransmit_base_ms);
	t->loop = d->loop;
	timer_init(&t->timer, frag_timer, d);
	d->frag = t;
	return 0;
}

void frag_daemon_free(struct ike_daemon *d)
{
	if (!d->frag)
		return;
	timer_cancel(d->loop, &d->frag->timer);
	frag_table_clear(d->frag);
	free(d->frag);
	d->frag = NULL;
}

static bool conn_takes_frags(const struct conn *c)
{
	return c && c->fragmentation != CONN_FRAG_NO;
}

/* Fragments are taken only for an exchange we expect from that address:
 * an ISAKMP SA's (by its cookies), a half-open Main Mode's, or a first
 * message from a peer some connection that takes fragments names. */
static bool frag_expected(struct ike_daemon *d, const struct ike_msg *m)
{
	static const uint8_t zero[8];
	const struct sockaddr *from = (const struct sockaddr *)&m->from;
	const struct ike_sa *sa = ike_sa_find(d, m->hdr.icookie, m->hdr.rcookie);
	const struct mm_halfopen *h;
	const struct conn *c = NULL;

	if (sa)
		return sockaddr_addr_equal(&sa->ep.remote.sa, from) && conn_takes_frags(sa->conn);
	h = halfopen_mm_find(d, m->hdr.icookie, m->hdr.rcookie, from);
	if (h)
		return conn_takes_frags(conf_conn(d->conf, h->conn));
	if (memcmp(m->hdr.rcookie, zero, 8))
		return false;
	while ((c = conn_next_for_peer(d, (const struct sockaddr *)&m->local, from, c)))
		if (conn_takes_frags(c))
			return true;
	return false;
}

static void frag_drop(struct ike_daemon *d, const struct ike_msg *m, const char *why)
{
	char peer[64];

	sockaddr_str((const struct sockaddr *)&m->from, peer, sizeof(peer));
	log_debug("%s: dropped an IKE fragment: %s", peer, why);
}

void frag_input(struct ike_daemon *d, struct ike_msg *m,
		void (*deliver)(struct ike_daemon *d, struct ike_msg *m))
{
	struct frag_table *t = d->frag;
	struct wire_frag f;
	struct ike_msg w;
	struct buf whole;
	int ret;

	if (wire_parse_frag(m->raw, m->len, &f)) {
		frag_drop(d, m, "malformed");
		return;
	}
	if (!frag_expected(d, m)) {
		t->dropped++;
		frag_drop(d, m, "not of an exchange that takes fragments");
		return;
	}
	buf_init(&whole);
	ret = frag_add(t, loop_now_ms(), (const struct sockaddr *)&m->from, &m->hdr, &f, &whole);
	if (t->nsets && !timer_armed(&t->timer))
		timer_arm(d->loop, &t->timer, t->timeout_ms);
	if (ret < 0)
		frag_drop(d, m,
			  ret == -ENOSPC     ? "too many unfinished sets"
			  : ret == -E2BIG    ? "more than 16 fragments"
			  : ret == -EMSGSIZE ? "the message is too large"
					     : strerror(-ret));
	if (ret != 1) {
		buf_free(&whole);
		return;
	}
	/* The message is of the exchange its fragments were taken for. */
	if (whole.len < ISAKMP_HDR_LEN || whole.data[16] == ISAKMP_PL_FRAG ||
	    memcmp(whole.data, m->hdr.icookie, 8) || memcmp(whole.data + 8, m->hdr.rcookie, 8)) {
		frag_drop(d, m, "the reassembled message is not a message");
		buf_free(&whole);
		return;
	}
	memset(&w, 0, sizeof(w));
	w.raw = whole.data;
	w.len = whole.len;
	w.fd = m->fd;
	w.from = m->from;
	w.local = m->local;
	log_debug("reassembled a %zu-byte message from fragments", whole.len);
	deliver(d, &w);
	buf_free(&whole);
}

bool frag_negotiated(const struct ike_sa *sa)
{
	return sa->peer_vendor.frag && conn_takes_frags(sa->conn);
}

struct frag_out {
	struct ike_daemon *d;
	const struct ike_endpoint *ep;
	unsigned n;
};

static void frag_out(void *arg, const uint8_t *frag, size_t len)
{
	struct frag_out *o = arg;

	ike_send(o->d, o->ep, frag, len);
	o->n++;
}

unsigned frag_send_to(struct ike_daemon *d, const struct ike_endpoint *ep, const struct conn *c,
		      bool peer_frag, uint8_t exchange, const uint8_t *msg, size_t len)
{
	/* fragment_size is the IP datagram, as strongSwan's: 1280 fits the
	 * smallest IPv6 MTU. */
	size_t size = d->conf->setup.fragment_size ?: CONF_FRAGMENT_SIZE_DEFAULT;
	size_t ip_udp = (ep->remote.sa.sa_family == AF_INET6 ? 40 : 20) + 8;
	size_t room = size - ip_udp - (natt_sock_is(d, ep->fd) ? NON_ESP_MARKER : 0);
	struct frag_out o = {d, ep, 0};
	bool want;

	want = c && (c->fragmentation == CONN_FRAG_FORCE ||
		     (c->fragmentation == CONN_FRAG_YES && peer_frag));
	if (want && len > room && !frag_split(msg, len, exchange, room, frag_out, &o))
		return o.n;
	if (want && len > room)
		log_warn("%s: cannot fragment a %zu-byte message: sent whole", c->name, len);
	ike_send(d, ep, msg, len);
	return 0;
}

void frag_send(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	unsigned n = frag_send_to(sa->d, &sa->ep, sa->conn, sa->peer_vendor.frag,
				  sa->exchange ?: ISAKMP_XCHG_ID_PROT, msg, len);

	if (n)
		ike_sa_log(sa, LOG_LVL_DEBUG, "sent a %zu-byte message as %u fragments", len, n);
}
