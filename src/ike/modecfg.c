/* Mode Config (draft-ietf-ipsec-isakmp-mode-cfg-05) with the Cisco Unity
 * attributes vpnc and iOS ask for.
 *
 * Server: pull (the client's REQUEST gets a REPLY) or push (our SET, the
 * client's ACK), per conn.ra.modecfg_pull; a REQUEST is answered either
 * way.  The address comes from the connection's pool (ike/lease.h), by
 * identity: the XAUTH user, else the peer's phase-1 ID.  Attributes the
 * client asks for and we do not know are left out of the REPLY.
 *
 * Client: pull (our REQUEST with empty values) or wait for the SET; the
 * address taken becomes our side of the Quick Mode (ra_conn_ts), and with
 * dataplane=kernel it is put on lo with routes to the remote subnets
 * (kernel/vip.h), removed when the SA goes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/child_internal.h"
#include "ike/id.h"
#include "ike/lease.h"
#include "ike/ra.h"
#include "ike/ra_hold.h"
#include "kernel/vip.h"
#include "util/log.h"
#include "wire/attr.h"
#include "wire/payload.h"

#define MC_MAX_ATTRS 24
#define MC_MAX_SPLIT 16

/* What the server hands out, with the storage the attribute specs point to. */
struct mc_out {
	struct wire_cfg_attr_spec a[MC_MAX_ATTRS];
	unsigned n;
	struct in_addr addr, mask, dns[CONF_MAX_DNS];
	uint8_t split[MC_MAX_SPLIT * WIRE_UNITY_NET_LEN];
	size_t split_len;
};

/* The ipv4 attribute of type t with value v. */
static void mc_ip4(struct mc_out *o, uint16_t t, const struct in_addr *v)
{
	if (o->n < MC_MAX_ATTRS)
		o->a[o->n++] = (struct wire_cfg_attr_spec){
			.type = t, .data = (const uint8_t *)v, .len = 4};
}

static void mc_str(struct mc_out *o, uint16_t t, const char *s)
{
	if (s && o->n < MC_MAX_ATTRS)
		o->a[o->n++] = (struct wire_cfg_attr_spec){
			.type = t, .data = (const uint8_t *)s, .len = strlen(s)};
}

static struct in_addr prefix_mask(uint8_t plen)
{
	struct in_addr m;

	m.s_addr = htonl(plen ? 0xffffffffu << (32 - plen) : 0);
	return m;
}

/* One IPv4 local subnet as a split include entry, once. */
static void mc_split_add(struct mc_out *o, const struct conn *c)
{
	struct wire_unity_net net;
	uint8_t entry[WIRE_UNITY_NET_LEN];
	size_t i;

	if (!c->local.has_subnet || c->local.subnet.addr.family != AF_INET ||
	    o->split_len + WIRE_UNITY_NET_LEN > sizeof(o->split))
		return;
	net.addr = c->local.subnet.addr.a.v4;
	net.mask = prefix_mask(c->local.subnet.prefixlen);
	wire_unity_net_put(entry, &net);
	for (i = 0; i < o->split_len; i += WIRE_UNITY_NET_LEN)
		if (!memcmp(o->split + i, entry, WIRE_UNITY_NET_LEN))
			return;
	memcpy(o->split + o->split_len, entry, WIRE_UNITY_NET_LEN);
	o->split_len += WIRE_UNITY_NET_LEN;
}

/* The connection's leftsubnet(s): its own, or its group's (leftsubnet=
 * lists make one conn per pair, conf/subnets.c). */
static void mc_split(struct mc_out *o, const struct ike_sa *sa)
{
	const struct conn *c = sa->conn, *g;
	char name[sizeof(c->name)];
	unsigned n, i;

	if (!conf_group_name(c, name, sizeof(name)) && (g = conf_group(sa->d->conf, name, &n)))
		for (i = 0; i < n; i++)
			mc_split_add(o, &g[i]);
	else
		mc_split_add(o, c);
	if (o->split_len && o->n < MC_MAX_ATTRS)
		o->a[o->n++] = (struct wire_cfg_attr_spec){
			.type = CFG_UNITY_SPLIT_INCLUDE, .data = o->split, .len = o->split_len};
}

/* One attribute type the server answers, if it has a value for it. */
static void mc_attr(struct mc_out *o, const struct ike_sa *sa, uint16_t type)
{
	const struct conn_ra *ra = &sa->conn->ra;
	unsigned i, k = 0;

	switch (type) {
	case CFG_INTERNAL_IP4_ADDRESS:
		mc_ip4(o, type, &o->addr);
		break;
	case CFG_INTERNAL_IP4_NETMASK:
		mc_ip4(o, type, &o->mask);
		break;
	case CFG_INTERNAL_IP4_DNS:
		for (i = 0; i < ra->ndns && i < CONF_MAX_DNS; i++)
			if (ra->dns[i].family == AF_INET) {
				o->dns[k] = ra->dns[i].a.v4;
				mc_ip4(o, type, &o->dns[k++]);
			}
		break;
	case CFG_UNITY_BANNER:
		mc_str(o, type, ra->banner);
		break;
	case CFG_UNITY_DEF_DOMAIN:
		mc_str(o, type, ra->domain);
		break;
	case CFG_UNITY_SPLIT_INCLUDE:
		mc_split(o, sa);
		break;
	case CFG_UNITY_PFS: /* vpnc's "Perfect Forward Secrecy server": ours */
		if (o->n < MC_MAX_ATTRS)
			o->a[o->n++] = (struct wire_cfg_attr_spec){
				.type = type, .tv = true, .value = sa->conn->esp.p[0].dh != NULL};
		break;
	default:
		break; /* unknown or nothing to say: left out */
	}
}

/* The address for the peer, leased once per SA (ra_hold.h).  0, or it
 * failed the SA. */
static int mc_lease(struct ra_sa *r)
{
	char why[320];
	int err;

	if (r->have_vip)
		return 0;
	err = ra_hold_lease(r, why, sizeof(why));
	if (err) {
		ra_fail(r, why);
		return err;
	}
	r->have_vip = true;
	return 0;
}

/* The answer (or the SET) for the asked types (all we have when push). */
static int mc_fill(struct ra_sa *r, struct mc_out *o, const struct wire_cfg *cfg)
{
	static const uint16_t push[] = {
		CFG_INTERNAL_IP4_ADDRESS, CFG_INTERNAL_IP4_NETMASK, CFG_INTERNAL_IP4_DNS,
		CFG_UNITY_BANNER,	  CFG_UNITY_DEF_DOMAIN,	    CFG_UNITY_SPLIT_INCLUDE,
	};
	struct wire_attr a;
	struct cursor c;
	unsigned i;
	int err = mc_lease(r);

	if (err)
		return err;
	memset(o, 0, sizeof(*o));
	o->addr = r->vip.a.v4;
	o->mask = prefix_mask(32);
	if (!cfg) {
		for (i = 0; i < sizeof(push) / sizeof(push[0]); i++)
			mc_attr(o, r->sa, push[i]);
		return 0;
	}
	c = cfg->attrs;
	while (c.len && !wire_attr_next(&c, &a)) {
		for (i = 0; i < o->n; i++)
			if (o->a[i].type == a.type)
				break;
		if (i == o->n) /* asked twice: answered once */
			mc_attr(o, r->sa, a.type);
	}
	return 0;
}

static void mc_handed_out(struct ra_sa *r, const char *how)
{
	char addr[CONF_ADDR_STRLEN];

	conf_addr_str(&r->vip, addr, sizeof(addr));
	r->mc = RA_MC_DONE;
	ra_log(r, LOG_LVL_INFO, "Mode Config: %s %s to '%s' (pool %s)", how, addr,
	       ra_lease_user(r->lease_id),
	       r->hold && r->hold->pool ? lease_pool_name(ra_pool_lease_pool(r->hold->pool)) : "?");
}

void modecfg_server_request(struct ra_sa *r, const struct wire_cfg *cfg)
{
	const struct conn *conn = r->sa->conn;
	struct mc_out o;
	char why[128];
	int err;

	if (!conn->ra.modecfg_server) {
		ra_log(r, LOG_LVL_WARN,
		       "ignored a Mode Config request: connection %s hands out no addresses",
		       conn->name);
		return;
	}
	if (conn->ra.xauth == CONN_XAUTH_SERVER && r->xauth != RA_XAUTH_OK) {
		ra_log(r, LOG_LVL_WARN, "ignored a Mode Config request before XAUTH passed");
		return;
	}
	if (mc_fill(r, &o, cfg))
		return; /* it failed the SA */
	err = ra_txn_answer(r, ISAKMP_CFG_REPLY, cfg->id, o.a, o.n);
	if (err) {
		snprintf(why, sizeof(why), "cannot send the Mode Config reply: %s", strerror(-err));
		ra_fail(r, why);
		return;
	}
	r->mc_started = true;
	mc_handed_out(r, "handed out");
}

void modecfg_server_ack(struct ra_sa *r)
{
	if (r->mc != RA_MC_DONE)
		mc_handed_out(r, "set");
}

/* The client's REQUEST (pull): empty values ask. */
static void mc_client_ask(struct ra_sa *r)
{
	static const uint16_t ask[] = {CFG_INTERNAL_IP4_ADDRESS, CFG_INTERNAL_IP4_NETMASK,
				       CFG_INTERNAL_IP4_DNS, CFG_UNITY_SPLIT_INCLUDE};
	struct wire_cfg_attr_spec a[4];
	char why[128];
	unsigned i, n = r->sa->conn->ra.unity ? 4 : 3;
	int err;

	for (i = 0; i < n; i++)
		a[i] = (struct wire_cfg_attr_spec){.type = ask[i]};
	err = ra_txn_send(r, RA_MC_ASK, ISAKMP_CFG_REQUEST, a, n);
	if (err) {
		snprintf(why, sizeof(why), "cannot send the Mode Config request: %s",
			 strerror(-err));
		ra_fail(r, why);
	}
}

void modecfg_start(struct ra_sa *r)
{
	const struct conn *conn = r->sa->conn;
	struct mc_out o;
	char why[128];
	int err;

	if (r->mc_started)
		return;
	r->mc_started = true;
	if (conn->ra.modecfg_client) {
		if (conn->ra.modecfg_pull)
			mc_client_ask(r);
		else
			ra_log(r, LOG_LVL_INFO, "waiting for the server's Mode Config SET");
		return;
	}
	if (!conn->ra.modecfg_server)
		return;
	/* The address is the peer's from now, asked for or not: vpnc's
	 * phase-1 rekey does XAUTH and no Mode Config, then its Quick Mode
	 * proposes the address it has (the same lease, held twice). */
	if (mc_lease(r) || conn->ra.modecfg_pull)
		return; /* failed the SA; or the client asks */
	if (mc_fill(r, &o, NULL))
		return;
	err = ra_txn_send(r, RA_MC_PUSH, ISAKMP_CFG_SET, o.a, o.n);
	if (err) {
		snprintf(why, sizeof(why), "cannot send the Mode Config SET: %s", strerror(-err));
		ra_fail(r, why);
	}
}

/* A hostile server must not give us an address that is not a host's
 * (0/8, loopback, multicast and above) or one of the two IKE endpoints
 * (taking the peer's would send our IKE into the tunnel). */
static bool mc_vip_usable(const struct ra_sa *r)
{
	uint32_t a = ntohl(r->vip.a.v4.s_addr);
	const struct sockaddr *ends[2] = {&r->sa->ep.remote.sa, &r->sa->ep.local.sa};
	unsigned i;

	if ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 14)
		return false;
	for (i = 0; i < 2; i++)
		if (ends[i]->sa_family == AF_INET &&
		    ((const struct sockaddr_in *)ends[i])->sin_addr.s_addr == r->vip.a.v4.s_addr)
			return false;
	return true;
}

/* A route from the virtual IP only where our policy sends traffic into
 * the tunnel (within the connection's remote side), and never one that
 * would take the peer's own address (our IKE would follow it). */
static bool mc_route_ok(const struct ra_sa *r, const struct conf_ts *ts)
{
	const struct conn *c = r->sa->conn;
	struct conf_ts local = c->local.subnet, remote = c->remote.subnet, peer;

	ra_conn_ts(c, r->sa, &local, &remote);
	ts_host(&peer, &r->sa->ep.remote.sa);
	return ts_covers(&remote, ts) && !ts_covers(ts, &peer);
}

/* Client, dataplane=kernel: the address on lo, routes to the remote
 * subnets from it. */
static void mc_install(struct ra_sa *r)
{
	struct ike_daemon *d = r->sa->d;
	struct xfrm_addr vip = {.family = AF_INET}, dst = {.family = AF_INET}, peer = {0};
	const struct sockaddr *ps = &r->sa->ep.remote.sa;
	struct vip_nl *v;
	unsigned i;
	int err;

	if (!d->xfrm || !r->have_vip)
		return;
	err = ra_vip_nl(d, &v);
	memcpy(vip.b, &r->vip.a.v4, 4);
	if (!err)
		err = vip_addr_add(v, &vip, NULL);
	if (err) {
		ra_log(r, LOG_LVL_ERR, "cannot put the virtual IP on lo: %s", strerror(-err));
		return;
	}
	r->vip_installed = true;
	if (ra_hold_installed(r))
		ra_log(r, LOG_LVL_WARN,
		       "out of memory: the virtual IP goes with this ISAKMP SA, not its IPsec SAs");
	addr_from_sa(&peer, ps);
	for (i = 0; i < r->nvip_routes; i++) {
		if (!mc_route_ok(r, &r->vip_routes[i])) {
			char ts[64];

			ts_str(&r->vip_routes[i], ts, sizeof(ts));
			ra_log(r, LOG_LVL_WARN,
			       "no route to %s from the virtual IP: outside the tunnel's remote "
			       "side, or it holds the peer",
			       ts);
			continue;
		}
		memcpy(dst.b, &r->vip_routes[i].addr.a.v4, 4);
		err = vip_route_add(v, &dst, r->vip_routes[i].prefixlen, &peer, &vip);
		if (err)
			ra_log(r, LOG_LVL_WARN, "cannot add a route from the virtual IP: %s",
			       strerror(-err));
	}
}

void modecfg_release(struct ra_sa *r)
{
	/* the lease and the address on lo go with the last of the SA and its
	 * IPsec SAs */
	ra_hold_sa_gone(r);
	r->vip_installed = false;
}

static void mc_route(struct ra_sa *r, struct in_addr addr, struct in_addr mask)
{
	struct conf_ts *ts;
	uint32_t m = ntohl(mask.s_addr);
	uint8_t plen = 0;

	if (r->nvip_routes >= sizeof(r->vip_routes) / sizeof(r->vip_routes[0]))
		return;
	while (plen < 32 && (m & (0x80000000u >> plen)))
		plen++;
	ts = &r->vip_routes[r->nvip_routes++];
	memset(ts, 0, sizeof(*ts));
	ts->addr.family = AF_INET;
	ts->addr.a.v4 = addr;
	ts->prefixlen = plen;
}

void modecfg_client_attrs(struct ra_sa *r, const struct wire_cfg *cfg, bool set)
{
	const struct conn *conn = r->sa->conn;
	struct wire_cfg_attr_spec ack = {.type = CFG_INTERNAL_IP4_ADDRESS};
	struct cursor c = cfg->attrs;
	struct wire_unity_net net;
	struct wire_attr a;
	struct in_addr ip;
	char text[96];

	if (!conn->ra.modecfg_client) {
		ra_log(r, LOG_LVL_WARN, "ignored Mode Config %s: connection %s takes no address",
		       wire_cfg_name(cfg->type), conn->name);
		return;
	}
	if (r->mc == RA_MC_DONE) { /* else each SET would add an address and routes */
		ra_log(r, LOG_LVL_WARN,
		       "ignored Mode Config %s: the address is taken once per ISAKMP SA",
		       wire_cfg_name(cfg->type));
		if (set && ra_txn_answer(r, ISAKMP_CFG_ACK, cfg->id, NULL, 0))
			ra_log(r, LOG_LVL_WARN, "cannot send the Mode Config ACK");
		return;
	}
	r->nvip_routes = 0;
	if (conn->remote.has_subnet && conn->remote.subnet.addr.family == AF_INET)
		r->vip_routes[r->nvip_routes++] = conn->remote.subnet;
	while (c.len && !wire_attr_next(&c, &a)) {
		struct cursor v = a.value;

		if (a.type == CFG_INTERNAL_IP4_ADDRESS && wire_cfg_ip4(&a, &ip)) {
			r->vip = (struct conf_addr){.family = AF_INET};
			r->vip.a.v4 = ip;
			r->have_vip = true;
		} else if (a.type == CFG_UNITY_SPLIT_INCLUDE) {
			while (wire_unity_net_next(&v, &net))
				mc_route(r, net.addr, net.mask);
		}
		if (!wire_cfg_attr_str(&a, text, sizeof(text)))
			ra_log(r, LOG_LVL_DEBUG, "Mode Config: %s", text);
	}
	if (set && ra_txn_answer(r, ISAKMP_CFG_ACK, cfg->id, &ack, 1))
		ra_log(r, LOG_LVL_WARN, "cannot send the Mode Config ACK");
	if (!r->have_vip) {
		ra_fail(r, "peer's Mode Config gave us no address (INTERNAL_IP4_ADDRESS)");
		return;
	}
	conf_addr_str(&r->vip, text, sizeof(text));
	if (!mc_vip_usable(r)) {
		char why[200];

		r->have_vip = false;
		snprintf(why, sizeof(why),
			 "peer's Mode Config gave us %s, which is no address for a host of ours",
			 text);
		ra_fail(r, why);
		return;
	}
	ra_log(r, LOG_LVL_INFO, "Mode Config: peer gave us %s", text);
	r->mc = RA_MC_DONE;
	mc_install(r);
	ra_next(r);
}
