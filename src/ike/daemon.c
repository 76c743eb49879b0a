/* The daemon: its sockets, the way of one received packet to the exchange
 * it belongs to, and the operator's up and down. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike/aggressive_mode.h"
#include "ike/subnets.h"
#include "ike/by_conn.h"
#include "ike/child.h"
#include "ike/conn_index.h"
#include "ike/creds.h"
#include "ike/dispatch.h"
#include "ike/dpd.h"
#include "ike/exchange.h"
#include "ike/frag.h"
#include "ike/halfopen.h"
#include "ike/id.h"
#include "ike/informational.h"
#include "ike/main_mode.h"
#include "ike/pacing.h"
#include "ike/phase1.h"
#include "ike/quick.h"
#include "ike/ra.h"
#include "ike/xauth_throttle.h"
#include "ike/tap.h"
#include "capture/keys.h"
#include "kernel/xfrm.h"
#include "net/udp.h"
#include "util/log.h"
#include "wire/payload.h"

#define RETRANSMIT_BASE_MS 2000
#define RETRANSMIT_TRIES   4
#define HALFOPEN_MS	   60000
#define HALFOPEN_MAX	   4096 /* responder SAs; see halfopen.c for the other limits */

static void ike_sock_input(int fd, uint32_t events, void *arg);
static void conn_index_update(struct ike_daemon *d);

static int ike_open_socks(struct ike_daemon *d)
{
	static const int families[] = {AF_INET, AF_INET6};
	unsigned i;
	int fd, err;

	for (i = 0; i < 2; i++) {
		fd = udp_open(families[i], NULL, d->port);
		if (fd < 0) {
			log_err("cannot listen on UDP port %u (%s): %s", d->port,
				families[i] == AF_INET ? "IPv4" : "IPv6", strerror(-fd));
			return fd;
		}
		/* udp_open made the socket bypass IPsec policy: IKE keeps
		 * flowing under a tunnel that covers the gateways. */
		d->socks[d->nsocks].fd = fd;
		d->socks[d->nsocks].family = families[i];
		d->nsocks++;
		err = loop_add_fd(d->loop, fd, EPOLLIN, ike_sock_input, d);
		if (err)
			return err;
	}
	return natt_open_socks(d);
}

static void ike_kernel_event(const struct xfrm_event *ev, void *arg)
{
	if (ev->kind == XFRM_EVENT_EXPIRE && ev->expire.proto == IPPROTO_ESP)
		child_kernel_expired(arg, ev->expire.spi, ev->expire.hard);
	else if (ev->kind == XFRM_EVENT_MAPPING && ev->mapping.proto == IPPROTO_ESP)
		natt_kernel_mapping(arg, &ev->mapping);
}

static void ike_kernel_input(int fd, uint32_t events, void *arg)
{
	int n = xfrm_events_read(fd, ike_kernel_event, arg);

	if (n == -ENOBUFS)
		log_warn("kernel expire notices were lost (socket overrun)");
}

static int ike_open_kernel(struct ike_daemon *d)
{
	int err = xfrm_open(&d->xfrm);

	if (err) {
		log_err("cannot open the kernel's XFRM interface: %s", xfrm_strerror(err));
		return err;
	}
	d->xfrm_events = xfrm_events_open();
	if (d->xfrm_events < 0) {
		err = d->xfrm_events;
		log_err("cannot listen to the kernel's XFRM events: %s", strerror(-err));
		return err;
	}
	ra_kernel_open(d); /* a Mode Config client's addresses: now, as root */
	return loop_add_fd(d->loop, d->xfrm_events, EPOLLIN, ike_kernel_input, d);
}

int ike_sock_for(struct ike_daemon *d, int family)
{
	unsigned i;

	for (i = 0; i < d->nsocks; i++)
		if (d->socks[i].family == family && !d->socks[i].natt)
			return d->socks[i].fd;
	return -1;
}

/* The credential store of conf (creds.h); a daemon starts with none when
 * it fails (conf_load has checked that the files parse). */
static int ike_daemon_creds(struct ike_daemon *d, const struct conf *conf)
{
	char why[256];
	int err = ike_creds_build(conf, &d->creds, why, sizeof(why));

	if (err == -EINVAL)
		log_err("certificates: %s", why);
	return err == -ENOMEM ? err : 0;
}

#define FAILURES_KEPT 64

void ike_note_failure(struct ike_daemon *d, const char *conn, const char *why)
{
	struct ike_failure **pp, *f = NULL;
	unsigned n = 0;

	for (pp = &d->failures; *pp; pp = &(*pp)->next, n++)
		if (!strcmp((*pp)->conn, conn)) {
			f = *pp;
			*pp = f->next;
			break;
		}
	if (!f && n >= FAILURES_KEPT) {
		/* Drop the oldest: the list is bounded whatever peers do. */
		for (pp = &d->failures; (*pp)->next; pp = &(*pp)->next)
			;
		f = *pp;
		*pp = NULL;
	}
	if (!f && !(f = calloc(1, sizeof(*f))))
		return;
	snprintf(f->conn, sizeof(f->conn), "%s", conn);
	snprintf(f->why, sizeof(f->why), "%s", why);
	f->when_ms = loop_now_ms();
	f->next = d->failures;
	d->failures = f;
}

static int ike_daemon_alloc(struct loop *loop, struct conf *conf, uint16_t port,
			    struct ike_daemon **out)
{
	struct ike_daemon *d = calloc(1, sizeof(*d));
	int err;

	*out = d;
	if (!d)
		return -ENOMEM;
	d->loop = loop;
	d->conf = conf;
	d->port = port;
	d->retransmit_base_ms = conf->setup.retransmit_timeout_ms ?: RETRANSMIT_BASE_MS;
	d->retransmit_tries = conf->setup.retransmit_tries ?: RETRANSMIT_TRIES;
	d->retransmit_limit_ms = conf->setup.retransmit_limit_ms;
	d->halfopen_timeout_ms = HALFOPEN_MS;
	d->halfopen_max = HALFOPEN_MAX;
	d->xfrm_events = -1;
	timer_init(&d->reap, exchange_reap, d);
	err = ike_daemon_creds(d, conf);
	if (!err)
		err = htable_init(&d->sa_by_icookie);
	if (!err)
		err = halfopen_init(d);
	if (!err)
		err = htable_init(&d->quick_by_msgid);
	if (!err)
		err = htable_init(&d->child_by_spi);
	if (!err)
		conn_index_update(d);
	if (!err)
		err = pacing_new(d, conf->setup.max_inflight, &d->pacing);
	if (!err)
		err = by_conn_init(d);
	if (!err)
		err = frag_daemon_init(d);
	return err;
}

int ike_daemon_new(struct loop *loop, struct conf *conf, uint16_t port, struct ike_daemon **out)
{
	struct ike_daemon *d;
	int err = ike_daemon_alloc(loop, conf, port, &d);

	if (!err && conf->setup.dataplane == DATAPLANE_KERNEL)
		err = ike_open_kernel(d);
	if (!err)
		err = ike_open_socks(d);
	if (err) {
		if (d)
			ike_daemon_free(d);
		return err;
	}
	*out = d;
	return 0;
}

int ike_daemon_new_inproc(struct loop *loop, struct conf *conf, ike_send_fn send, void *arg,
			  struct ike_daemon **out)
{
	struct ike_daemon *d;
	int err;

	if (conf->setup.dataplane == DATAPLANE_KERNEL)
		return -EINVAL; /* the kernel's SAs would be real */
	err = ike_daemon_alloc(loop, conf, ISAKMP_PORT, &d);
	if (err) {
		if (d)
			ike_daemon_free(d);
		return err;
	}
	d->send = send;
	d->send_arg = arg;
	*out = d;
	return 0;
}

void ike_daemon_free(struct ike_daemon *d)
{
	unsigned i;

	dpd_conn_down(d, NULL);
	pacing_free(d->pacing, "oakleyd is shutting down");
	d->pacing = NULL;
	child_remove_conn(d, NULL, true);
	while (d->sas) {
		if (d->sas->state == IKE_SA_ESTABLISHED)
			info_send_delete_isakmp(d->sas);
		ike_sa_free(d->sas);
	}
	ra_daemon_free(d); /* the pools, after the SAs released their leases */
	xthr_free(d->xthr);
	timer_cancel(d->loop, &d->reap);
	exchange_reap(d);
	conn_refs_free(d);
	ike_creds_put(d->creds);
	ike_creds_put(d->next_creds);
	for (i = 0; i < d->nsocks; i++) {
		loop_del_fd(d->loop, d->socks[i].fd);
		close(d->socks[i].fd);
	}
	ike_capture_off(d);
	if (d->keys)
		keys_close(d->keys);
	if (d->xfrm_events >= 0) {
		loop_del_fd(d->loop, d->xfrm_events);
		close(d->xfrm_events);
	}
	if (d->xfrm)
		xfrm_close(d->xfrm);
	htable_free(&d->sa_by_icookie);
	htable_free(&d->quick_by_msgid);
	htable_free(&d->child_by_spi);
	conn_index_free(d->conn_index);
	by_conn_free(d);
	halfopen_free(d);
	frag_daemon_free(d);
	while (d->failures) {
		struct ike_failure *f = d->failures;

		d->failures = f->next;
		free(f);
	}
	free(d);
}

int ike_daemon_reload_check(struct ike_daemon *d, const struct conf *conf, char *why, size_t whylen)
{
	struct ike_creds *cr;
	int err = ike_creds_build(conf, &cr, why, whylen);

	if (err)
		return err;
	ike_creds_put(d->next_creds);
	d->next_creds = cr;
	return 0;
}

int ike_daemon_reload(struct ike_daemon *d, struct conf *conf)
{
	/* Running SAs keep the connection they were made for (their
	 * references get copies of it) and their credentials (a reference);
	 * new ones use the new configuration. */
	int err = conn_refs_detach(d);
	char why[256];

	if (!d->next_creds && ike_daemon_reload_check(d, conf, why, sizeof(why)))
		log_err("reload: %s: no certificates, keys or CAs in use until the next", why);
	ike_creds_put(d->creds);
	d->creds = d->next_creds;
	d->next_creds = NULL;
	d->conf = conf;
	conn_index_update(d);
	if (d->pacing)
		pacing_set_max(d->pacing, conf->setup.max_inflight);
	return err;
}

static void ss_from_conf(union sockaddr_inet *u, const struct conf_addr *a, uint16_t port)
{
	memset(u, 0, sizeof(*u));
	u->sa.sa_family = (sa_family_t)a->family;
	if (a->family == AF_INET) {
		u->in.sin_addr = a->a.v4;
		u->in.sin_port = htons(port);
	} else {
		u->in6.sin6_addr = a->a.v6;
		u->in6.sin6_port = htons(port);
	}
}

int ike_sa_addresses(struct ike_sa *sa)
{
	if (sa->conn->remote.addr.family == AF_UNSPEC) {
		ike_sa_fail(sa, "cannot initiate: right=%%any names no peer");
		return -EINVAL;
	}
	ss_from_conf(&sa->ep.remote, &sa->conn->remote.addr, sa->d->port);
	ss_from_conf(&sa->ep.local, &sa->conn->local.addr, sa->d->port);
	sa->ep.fd = ike_sock_for(sa->d, sa->conn->remote.addr.family);
	if (sa->ep.fd < 0 && !sa->d->send) {
		ike_sa_fail(sa, "no socket for the peer's address family");
		return -EAFNOSUPPORT;
	}
	return 0;
}

bool conf_addr_is(const struct conf_addr *a, const struct sockaddr *ss)
{
	union sockaddr_inet x;

	if (a->family != ss->sa_family)
		return false;
	ss_from_conf(&x, a, 0);
	return sockaddr_addr_equal(&x.sa, ss);
}

/* The index of d->conf, or NULL while there is none for it (out of
 * memory, or a test that set d->conf itself): then the scan. */
static const struct conn_index *conn_index_of(struct ike_daemon *d)
{
	return d->conn_index && conn_index_conf(d->conn_index) == d->conf ? d->conn_index : NULL;
}

static void conn_index_update(struct ike_daemon *d)
{
	conn_index_free(d->conn_index);
	d->conn_index = NULL;
	if (conn_index_build(d->conf, &d->conn_index))
		log_warn("out of memory indexing the connections: peers are matched by a scan");
}

/* Connections whose local address is ours and whose remote is the peer's,
 * exact ones first, then those with right=%any. */
const struct conn *conn_next_for_peer(struct ike_daemon *d, const struct sockaddr *local,
				      const struct sockaddr *remote, const struct conn *prev)
{
	const struct conn_index *ix = conn_index_of(d);

	if (ix)
		return conn_index_next(ix, local, remote, prev);
	return conn_scan_next_for_peer(d->conf, local, remote, prev);
}

const struct conn *conn_next_for_peer_id(struct ike_daemon *d, const struct sockaddr *local,
					 const struct sockaddr *remote, const struct wire_id *id,
					 const struct conn *prev)
{
	const struct conn_index *ix = conn_index_of(d);

	/* DN IDs are filed as %any (patterns): their match is checked here. */
	while (ix && (prev = conn_index_next_id(ix, local, remote, id, prev)))
		if (id_phase1_matches(&prev->remote.id, id))
			return prev;
	if (ix)
		return NULL;
	while ((prev = conn_scan_next_for_peer(d->conf, local, remote, prev)))
		if (id_phase1_matches(&prev->remote.id, id))
			return prev;
	return NULL;
}

/* Counts a first message dropped before any state, and says so at most
 * once a second: a flood must not become a flood of log lines. */
static void first_dropped(struct ike_daemon *d, const struct ike_msg *m, uint64_t *count,
			  const char *why)
{
	char peer[64];

	(*count)++;
	if (loop_now_ms() - d->first_warned_ms < 1000)
		return;
	d->first_warned_ms = loop_now_ms();
	sockaddr_str((const struct sockaddr *)&m->from, peer, sizeof(peer));
	log_info("%s: dropped %s message 1: %s (%llu so far)", peer,
		 wire_exchange_name(m->hdr.exchange), why, (unsigned long long)*count);
}

/* A first message is checked in full against its step before any state
 * exists for it: clear, its payloads well formed, the ones it must carry
 * there and nothing else. */
static bool first_message_ok(struct ike_daemon *d, struct ike_msg *m)
{
	const struct step *s = &exchange_type_for(m->hdr.exchange)->steps[0];
	char why[128];
	int err;

	if (m->hdr.flags & ISAKMP_FLAG_ENC) {
		first_dropped(d, m, &d->dropped_first,
			      "it has the encryption flag set, and no keys exist yet");
		return false;
	}
	err = wire_parse_chain(m->hdr.next_payload, m->raw + ISAKMP_HDR_LEN,
			       m->len - ISAKMP_HDR_LEN, false, &m->pl);
	if (err)
		snprintf(why, sizeof(why), "malformed (%s)", wire_notify_name((uint16_t)err));
	else
		err = step_check(s, false, m, why, sizeof(why));
	if (err) {
		first_dropped(d, m, &d->dropped_first, why);
		return false;
	}
	return true;
}

/* A new peer starting Main Mode or Aggressive Mode with us: state only
 * for a well-formed first message from an address some connection takes,
 * within the half-open limits. */
static struct ike_sa *phase1_responder(struct ike_daemon *d, struct ike_msg *m)
{
	static const uint8_t zero[8];
	const struct conn *c;
	struct ike_sa *sa;
	char peer[64];
	bool named;

	sockaddr_str((struct sockaddr *)&m->from, peer, sizeof(peer));
	if (memcmp(m->hdr.rcookie, zero, 8) || m->hdr.msgid) {
		log_debug("%s: dropped %s message for an unknown ISAKMP SA", peer,
			  wire_exchange_name(m->hdr.exchange));
		return NULL;
	}
	c = conn_next_for_peer(d, (const struct sockaddr *)&m->local,
			       (const struct sockaddr *)&m->from, NULL);
	if (!c) {
		first_dropped(d, m, &d->dropped_first, "no connection is configured for this peer");
		return NULL;
	}
	named = c->remote.addr.family != AF_UNSPEC;
	if (!first_message_ok(d, m) || !halfopen_admit(d, (const struct sockaddr *)&m->from, named))
		return NULL;
	if (m->hdr.exchange == ISAKMP_XCHG_ID_PROT) {
		if (main_mode_respond(d, m, named))
			first_dropped(d, m, &d->dropped_first, "its SA payload is malformed");
		return NULL;
	}
	if (!halfopen_am_admit(d)) {
		first_dropped(d, m, &d->dropped_am_rate,
			      "Aggressive Mode answers are rate-limited");
		return NULL;
	}
	sa = ike_sa_new(d, c, false);
	if (!sa)
		return NULL;
	sa->exchange = m->hdr.exchange;
	memcpy(sa->icookie, m->hdr.icookie, 8);
	sockaddr_inet_set(&sa->ep.local, (const struct sockaddr *)&m->local);
	sockaddr_inet_set(&sa->ep.remote, (const struct sockaddr *)&m->from);
	sa->ep.fd = m->fd;
	if (halfopen_add(sa, named)) {
		ike_sa_free(sa);
		return NULL;
	}
	ike_sa_hash(sa);
	ike_sa_log(sa, LOG_LVL_INFO, "%s is initiating %s", peer,
		   wire_exchange_name(m->hdr.exchange));
	return sa;
}

/* The SA of a phase-1 message no ISAKMP SA's cookies matched: a first
 * message sent again (answered again by its SA), MM3 for a half-open Main
 * Mode, or a new peer. */
struct ike_sa *phase1_find(struct ike_daemon *d, struct ike_msg *m)
{
	static const uint8_t zero[8];
	struct mm_halfopen *h;
	struct ike_sa *sa;

	if (!memcmp(m->hdr.rcookie, zero, 8)) {
		sa = ike_sa_find_responder(d, m->hdr.icookie, (const struct sockaddr *)&m->from);
		if (sa)
			return sa;
	}
	if (m->hdr.exchange == ISAKMP_XCHG_ID_PROT) {
		h = halfopen_mm_find(d, m->hdr.icookie, m->hdr.rcookie,
				     (const struct sockaddr *)&m->from);
		if (h)
			return main_mode_promote(h, m);
	}
	return phase1_responder(d, m);
}

static void ike_input(struct ike_daemon *d, struct ike_msg *m)
{
	const struct exchange_type *t;
	char peer[64];
	int err;

	err = wire_parse_header(m->raw, m->len, &m->hdr);
	if (err) {
		sockaddr_str((struct sockaddr *)&m->from, peer, sizeof(peer));
		log_info("%s: dropped a %zu-byte datagram: %s", peer, m->len,
			 wire_notify_name((uint16_t)err));
		return;
	}
	if (m->hdr.next_payload == ISAKMP_PL_FRAG) {
		frag_input(d, m, ike_input); /* the whole message comes back here */
		return;
	}
	t = exchange_type_for(m->hdr.exchange);
	if (!t) {
		sockaddr_str((struct sockaddr *)&m->from, peer, sizeof(peer));
		log_info("%s: dropped a %s exchange: not supported", peer,
			 wire_exchange_name(m->hdr.exchange));
		return;
	}
	/* An initiator that has no responder cookie yet matches any: it
	 * adopts one only from a well-formed answer (phase1_accept). */
	dispatch(d, t, ike_sa_find(d, m->hdr.icookie, m->hdr.rcookie), m);
}

/* Datagrams are read UDP_RECV_BATCH at a time (one recvmmsg, and the
 * socket's name once per wakeup, not a recvmsg and a getsockname each). */
static void ike_sock_input(int fd, uint32_t events, void *arg)
{
	static uint8_t pkts[UDP_RECV_BATCH][ISAKMP_MAX_MSG];
	static struct udp_dgram dg[UDP_RECV_BATCH];
	struct ike_daemon *d = arg;
	struct sockaddr_storage name;
	unsigned budget = 64, want, i; /* let timers run under a flood */
	int n;

	if (udp_local_name(fd, &name))
		return;
	while (budget) {
		want = budget < UDP_RECV_BATCH ? budget : UDP_RECV_BATCH;
		for (i = 0; i < want; i++) {
			dg[i].buf = pkts[i];
			dg[i].cap = sizeof(pkts[i]);
		}
		n = udp_recv_many(fd, dg, want, &name);
		if (n <= 0)
			return;
		budget -= (unsigned)n;
		for (i = 0; i < (unsigned)n; i++)
			if (dg[i].len >= 0) /* a truncated one is dropped */
				ike_packet_input(d, fd, dg[i].buf, (size_t)dg[i].len, &dg[i].from,
						 &dg[i].local);
		if ((unsigned)n < want)
			return; /* the queue is empty */
	}
}

void ike_packet_input(struct ike_daemon *d, int fd, uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *from, const struct sockaddr_storage *local)
{
	struct ike_msg m;

	memset(&m, 0, sizeof(m));
	m.raw = pkt;
	m.len = len;
	m.fd = fd;
	m.from = *from;
	m.local = *local;
	ike_input(d, &m);
}

static int phase1_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg)
{
	if (c->aggressive)
		return aggressive_mode_initiate(d, c, fn, arg);
	return main_mode_initiate(d, c, fn, arg);
}

int ike_up(struct ike_daemon *d, const char *name, ike_up_fn fn, void *arg)
{
	const struct conn *c = conf_conn(d->conf, name);
	struct ike_sa *sa;
	char why[128];

	if (!c && !ike_up_group(d, name, fn, arg))
		return 0; /* several subnets: NAME/1x1 ... (subnets.c) */
	if (!c) {
		snprintf(why, sizeof(why), "no connection named '%s'", name);
		fn(arg, false, why);
		return -ENOENT;
	}
	if (child_conn_up(d, name)) {
		fn(arg, true, "already up");
		return 0;
	}
	sa = ike_sa_for_conn(d, c);
	if (sa && ra_busy(sa)) {
		fn(arg, false, "XAUTH / Mode Config for this connection is under way");
		return -EBUSY;
	}
	if (sa)
		return quick_initiate(sa, c, fn, arg);
	if (ike_sa_find_conn(d, name, false)) {
		fn(arg, false, "a negotiation for this connection is already under way");
		return -EBUSY;
	}
	if (pacing_hold(d, c->name, fn, arg))
		return 0; /* fn is called once it has been started and ended */
	return phase1_initiate(d, c, fn, arg);
}

int ike_down(struct ike_daemon *d, const char *name)
{
	struct ike_sa *sa;
	bool found = false, group;

	/* several subnets: every pair (subnets.c); then what a conn of that
	 * very name made before a reload turned it into a group */
	group = !conf_conn(d->conf, name) && !ike_down_group(d, name);

	child_remove_conn(d, name, true);
	dpd_conn_down(d, name);
	if (pacing_is_queued(d, name)) {
		pacing_cancel(d, name, "brought down by the operator before it started");
		found = true;
	}
	/* queued under an ISAKMP SA, maybe another connection's */
	if (pacing_quick_cancel(d, name,
				"brought down by the operator before its Quick Mode "
				"started"))
		found = true;
	while ((sa = ike_sa_of_conn(d, name))) {
		found = true;
		if (sa->state == IKE_SA_ESTABLISHED)
			info_send_delete_isakmp(sa);
		ike_sa_log(sa, LOG_LVL_INFO, "ISAKMP SA deleted by the operator");
		ike_sa_set_why(sa, "brought down by the operator");
		ike_sa_free(sa);
	}
	return found || group || conf_conn(d->conf, name) ? 0 : -ENOENT;
}

void ike_rekey(struct ike_daemon *d, const char *name)
{
	const struct conn *c = conf_conn(d->conf, name);
	struct ike_sa *sa;

	if (!c) {
		log_info("%s: not rekeyed: the connection is no longer configured", name);
		return;
	}
	sa = ike_sa_for_conn(d, c);
	if (sa)
		quick_initiate(sa, c, NULL, NULL);
	else if (!ike_sa_find_conn(d, name, false))
		phase1_initiate(d, c, NULL, NULL);
}
