/* NAT traversal in phase 2 (natt.h): the UDP-encapsulated modes, NAT-OA,
 * the kernel's encapsulation template, and moving it when the peer's NAT
 * mapping changes (XFRM_MSG_MAPPING, or IKE from a new port). */
#include <errno.h>
#include <string.h>

#include "ike/exchange.h"
#include "ike/id.h"
#include "ike/ike.h"
#include "ike/natt.h"
#include "ike/quick.h"
#include "ike/rekey.h"
#include "kernel/xfrm.h"
#include "util/log.h"
#include "wire/payload.h"

uint16_t natt_encap_mode(const struct ike_sa *sa, bool tunnel)
{
	if (!natt_active(sa))
		return tunnel ? IPSEC_ENCAP_TUNNEL : IPSEC_ENCAP_TRANSPORT;
	return tunnel ? natt_encap_tunnel(sa->peer_vendor.natt)
		      : natt_encap_transport(sa->peer_vendor.natt);
}

uint16_t natt_encap_plain(uint16_t encap)
{
	switch (encap) {
	case IPSEC_ENCAP_UDP_TUNNEL:
	case IPSEC_ENCAP_UDP_TUNNEL_DRAFT:
		return IPSEC_ENCAP_TUNNEL;
	case IPSEC_ENCAP_UDP_TRANSPORT:
	case IPSEC_ENCAP_UDP_TRANSPORT_DRAFT:
		return IPSEC_ENCAP_TRANSPORT;
	}
	return encap;
}

static int add_oa(struct wire_builder *w, uint8_t type, const struct sockaddr *a)
{
	size_t len = 0;
	const void *p = sockaddr_addr(a, &len);

	if (!p)
		return -EINVAL;
	return wire_add_nat_oa(w, type, a->sa_family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR, p,
			       len);
}

/* RFC 3947 5.2: NAT-OAi (the initiator's address), then NAT-OAr (the
 * responder's), each as its sender knows it. */
int natt_add_nat_oa(void *state, struct wire_builder *w)
{
	struct quick *q = state;
	struct ike_sa *sa = q->sa;
	uint8_t type = natt_pl_nat_oa(sa->peer_vendor.natt);
	const struct sockaddr *i = q->initiator ? &sa->ep.local.sa : &sa->ep.remote.sa;
	const struct sockaddr *r = q->initiator ? &sa->ep.remote.sa : &sa->ep.local.sa;
	int err;

	if (!natt_active(sa) || !q->x || q->x->tunnel)
		return 0;
	err = add_oa(w, type, i);
	return err ? err : add_oa(w, type, r);
}

void natt_take_nat_oa(struct quick *q, const struct ike_msg *m)
{
	uint8_t type = natt_pl_nat_oa(q->sa->peer_vendor.natt);
	unsigned i, n = 0, want = q->initiator ? 1 : 0; /* the peer's own: OAr, or OAi */
	struct wire_nat_oa oa;

	if (!q->sa->peer_vendor.natt || !q->x)
		return;
	for (i = 0; i < m->pl.n; i++) {
		const struct wire_payload *p = &m->pl.p[i];
		union sockaddr_inet *u = &q->x->natt_oa;

		if (p->type != type || wire_parse_nat_oa(p->body, &oa))
			continue;
		if (n++ != want && !(n == 1 && !u->sa.sa_family))
			continue;
		memset(u, 0, sizeof(*u));
		if (oa.id_type == ID_IPV4_ADDR) {
			u->in.sin_family = AF_INET;
			memcpy(&u->in.sin_addr, oa.addr.p, 4);
		} else {
			u->in6.sin6_family = AF_INET6;
			memcpy(&u->in6.sin6_addr, oa.addr.p, 16);
		}
	}
	if (q->x->natt_oa.sa.sa_family) {
		char a[SOCKADDR_STRLEN];

		sockaddr_addr_str(&q->x->natt_oa.sa, a, sizeof(a));
		quick_log(q, LOG_LVL_INFO, "NAT-T: the peer's original address (NAT-OA) is %s", a);
	}
}

/* A host selector of one side (NATT_REMOTE: the peer's; NATT_LOCAL: ours)
 * becomes that side's address on this SA, when that side is behind a NAT. */
static void transport_ts(const struct ike_sa *sa, unsigned side, struct conf_ts *ts)
{
	const struct sockaddr *at = side == NATT_LOCAL ? &sa->ep.local.sa : &sa->ep.remote.sa;
	uint8_t proto = ts->proto;
	uint16_t port = ts->port;
	bool host = ts->prefixlen == (ts->addr.family == AF_INET ? 32 : 128);

	if (!natt_active(sa) || !(sa->natt.behind & side) || !host ||
	    ts->addr.family != at->sa_family)
		return;
	ts_host(ts, at);
	ts->proto = proto;
	ts->port = port;
}

void natt_transport_ts(const struct ike_sa *sa, struct conf_ts *ts)
{
	transport_ts(sa, NATT_REMOTE, ts);
}

void natt_transport_ts_local(const struct ike_sa *sa, struct conf_ts *ts)
{
	transport_ts(sa, NATT_LOCAL, ts);
}

void natt_child_set(struct child_sa *c, const struct quick *q)
{
	const struct ike_sa *sa = q->sa;

	c->natt.encap = natt_active(sa) && natt_sock_is(sa->d, sa->ep.fd);
	if (q->x)
		c->natt.oa = q->x->natt_oa;
	if (!c->tunnel) {
		natt_transport_ts(sa, &c->ts_remote);
		natt_transport_ts_local(sa, &c->ts_local);
	}
}

static void addr_of(struct xfrm_addr *a, const struct sockaddr *sa)
{
	size_t len = 0;
	const void *p = sockaddr_addr(sa, &len);

	memset(a, 0, sizeof(*a));
	if (!p)
		return;
	a->family = sa->sa_family;
	memcpy(a->b, p, len);
}

void natt_xfrm_encap(const struct child_sa *c, bool inbound, struct xfrm_sa *x)
{
	uint16_t lport = sockaddr_port(&c->local.sa), rport = sockaddr_port(&c->remote.sa);

	if (!c->natt.encap)
		return;
	x->encap_sport = inbound ? rport : lport;
	x->encap_dport = inbound ? lport : rport;
	if (!c->tunnel && c->natt.oa.sa.sa_family)
		addr_of(&x->encap_oa, &c->natt.oa.sa);
}

/* Reads the SA back (its keys too: UPDSA carries a whole SA, of which the
 * kernel takes the encapsulation), with the new ports. */
static int natt_update_sa(struct xfrm *xf, const struct xfrm_addr *dst, uint32_t spi,
			  uint16_t sport, uint16_t dport)
{
	struct xfrm_sa_info si;
	struct xfrm_sa sa;
	int err = xfrm_get_sa(xf, dst, spi, IPPROTO_ESP, &si);

	if (err)
		return err;
	memset(&sa, 0, sizeof(sa));
	sa.src = si.src;
	sa.dst = si.dst;
	sa.spi = si.spi;
	sa.proto = si.proto;
	sa.tunnel = si.tunnel;
	sa.reqid = si.reqid;
	sa.aead = si.aead;
	sa.enc = (struct xfrm_alg_key){si.enc.name[0] ? si.enc.name : NULL, si.enc.key,
				       si.enc.key_len, si.enc.trunc_bits};
	sa.auth = (struct xfrm_alg_key){si.auth.name[0] ? si.auth.name : NULL, si.auth.key,
					si.auth.key_len, si.auth.trunc_bits};
	sa.soft_bytes = si.soft_bytes;
	sa.hard_bytes = si.hard_bytes;
	sa.soft_secs = si.soft_secs;
	sa.hard_secs = si.hard_secs;
	sa.sel = si.sel;
	sa.replay_window = si.replay_window;
	sa.encap_sport = sport;
	sa.encap_dport = dport;
	err = xfrm_update_sa(xf, &sa);
	xfrm_sa_info_wipe(&si);
	return err;
}

void natt_child_move(struct child_sa *c, const struct sockaddr *remote)
{
	struct xfrm *xf = c->d->xfrm;
	uint16_t lport = sockaddr_port(&c->local.sa), rport = sockaddr_port(remote);
	struct xfrm_addr local, peer;
	int err = 0;

	if (!c->natt.encap || sockaddr_equal(&c->remote.sa, remote))
		return;
	if (!sockaddr_addr_equal(&c->remote.sa, remote)) {
		if (c->natt.addr_warned)
			return;
		c->natt.addr_warned = true;
		log_warn("#%u %s: the peer's address changed: its IPsec SA %08x keeps the old one "
			 "until it is rekeyed",
			 c->serial, c->conn_name, c->spi_out);
		return;
	}
	addr_of(&local, &c->local.sa);
	addr_of(&peer, &c->remote.sa);
	if (xf && c->installed) {
		err = natt_update_sa(xf, &local, c->spi_in, rport, lport);
		if (!err)
			err = natt_update_sa(xf, &peer, c->spi_out, lport, rport);
	}
	if (err) {
		log_warn("#%u %s: the kernel did not take the peer's new port %u: %s", c->serial,
			 c->conn_name, rport, xfrm_strerror(err));
		return;
	}
	sockaddr_set_port(&c->remote.sa, rport);
	log_info("#%u %s: IPsec SA %08x now encapsulated to port %u", c->serial, c->conn_name,
		 c->spi_out, rport);
}

/* The IPsec SAs of sa's peer, which was at old: made under sa, or under
 * the ISAKMP SA it rekeyed (they keep their maker's cookies), so also
 * those of sa's connection at the old address and port. */
void natt_children_move(struct ike_sa *sa, const struct sockaddr *old)
{
	struct child_sa *c;

	/* A NAT's new binding: rare, so a walk of the IPsec SAs is fine. */
	for (c = sa->d->children; c; c = c->next)
		if ((!memcmp(c->icookie, sa->icookie, 8) && !memcmp(c->rcookie, sa->rcookie, 8)) ||
		    (!strcmp(c->conn_name, sa->conn->name) && sockaddr_equal(&c->remote.sa, old)))
			natt_child_move(c, &sa->ep.remote.sa);
}

void natt_kernel_mapping(struct ike_daemon *d, const struct xfrm_mapping_ev *ev)
{
	uint64_t h = htable_hash(&d->child_by_spi, &ev->spi, sizeof(ev->spi));
	union sockaddr_inet now;
	struct child_sa *c;
	struct ike_sa *sa;
	struct hnode *n;

	for (c = NULL, n = htable_first(&d->child_by_spi, h); n && !c; n = htable_next(n, h)) {
		c = container_of(n, struct child_spi_node, node)->child;
		if (c->spi_in != ev->spi)
			c = NULL;
	}
	if (!c || !c->natt.encap)
		return;
	now = c->remote;
	if (now.sa.sa_family == AF_INET)
		memcpy(&now.in.sin_addr, ev->new_src.b, 4);
	else
		memcpy(&now.in6.sin6_addr, ev->new_src.b, 16);
	sockaddr_set_port(&now.sa, ev->new_sport);
	if (sockaddr_equal(&c->remote.sa, &now.sa))
		return; /* followed already */
	if (!sockaddr_addr_equal(&c->remote.sa, &now.sa)) {
		natt_child_move(c, &now.sa); /* logged once */
		return;
	}
	sa = rekey_sa_for_child(c); /* its maker, or the one that rekeyed it */
	log_info("#%u %s: the kernel saw ESP from the peer's new port %u", c->serial, c->conn_name,
		 ev->new_sport);
	if (sa && sockaddr_addr_equal(&sa->ep.remote.sa, &now.sa)) {
		union sockaddr_inet old = c->remote;

		/* IKE follows too: keepalives and DPD go to the new port. */
		sa->ep.remote = now;
		natt_children_move(sa, &old.sa);
		return;
	}
	natt_child_move(c, &now.sa);
}
