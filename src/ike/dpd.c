/* Dead Peer Detection (RFC 3706), dpd.h.
 *
 * Probing: an established ISAKMP SA of a connection with dpdaction= set,
 * whose peer sent the DPD vendor ID, checks every dpddelay whether the
 * peer was heard (an authenticated IKE message, or inbound ESP packets
 * the kernel counted on that peer's IPsec SAs).  When it was not,
 * R-U-THEREs go out, one every dpddelay with a new sequence number each;
 * the ACK of the last one ends the round.  None by dpdtimeout: the peer is
 * dead and dpdaction= says what of that peer's goes (clear: SAs and
 * policies; hold: SAs, the policies stay so traffic is dropped; restart:
 * clear and start the connection again, retried with the retransmission
 * back-off until it is up).  Other peers of the same connection
 * (right=%any) are not touched.  Only the newest ISAKMP SA with a peer
 * probes it: an older one whose Delete was lost must not find it dead. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <openssl/crypto.h>

#include "crypto/rand.h"
#include "ike/by_conn.h"
#include "ike/child.h"
#include "ike/child_internal.h"
#include "ike/dpd.h"
#include "ike/ike.h"
#include "ike/informational.h"
#include "kernel/xfrm.h"
#include "util/log.h"
#include "wire/isakmp.h"

#define RESTART_MAX_MS 60000u

/* A connection started again after its peer was found dead. */
struct dpd_restart {
	struct dpd_restart *next;
	struct ike_daemon *d;
	struct timer timer;
	char conn[64];
	unsigned tries;
	bool up_pending; /* ike_up has not answered yet */
	bool cancelled;	 /* down or shutdown: its answer frees it */
};

/* An IPsec SA whose policies dpdaction=hold kept. */
struct dpd_hold {
	struct dpd_hold *next;
	struct child_sa *child;
};

struct dpd_daemon {
	struct dpd_restart *restarts;
	struct dpd_hold *held;
};

int dpd_notify_parse(const struct wire_notify *n, const uint8_t icookie[8],
		     const uint8_t rcookie[8], uint32_t *seq)
{
	uint8_t cookies[16];

	if (n->spi_size != 16 || n->spi.len != 16 || n->data.len != 4)
		return -EINVAL;
	memcpy(cookies, icookie, 8);
	memcpy(cookies + 8, rcookie, 8);
	if (CRYPTO_memcmp(n->spi.p, cookies, 16))
		return -EINVAL;
	*seq = get_u32(n->data.p);
	return 0;
}

bool dpd_seq_in_ok(const struct dpd_state *s, uint32_t seq)
{
	return !s->seq_in_seen || seq > s->seq_in;
}

bool dpd_ack_ok(const struct dpd_state *s, uint32_t seq)
{
	return s->seq_out && seq == s->seq_out;
}

static const char *action_name(enum conn_dpd_action a)
{
	switch (a) {
	case DPD_CLEAR:
		return "clear";
	case DPD_HOLD:
		return "hold";
	case DPD_RESTART:
		return "restart";
	default:
		return "none";
	}
}

static void dpd_timer(void *arg);

void dpd_init(struct ike_sa *sa)
{
	timer_init(&sa->dpd.timer, dpd_timer, sa);
}

static uint64_t delay_ms(const struct ike_sa *sa)
{
	return (uint64_t)(sa->conn->dpd_delay_s ? sa->conn->dpd_delay_s : 1) * 1000;
}

static uint64_t timeout_ms(const struct ike_sa *sa)
{
	return (uint64_t)sa->conn->dpd_timeout_s * 1000;
}

void dpd_established(struct ike_sa *sa)
{
	struct dpd_state *s = &sa->dpd;

	s->last_in_ms = loop_now_ms();
	if (sa->conn->dpd_action == DPD_NONE)
		return;
	if (!sa->peer_vendor.dpd) {
		ike_sa_log(sa, LOG_LVL_INFO, "peer did not offer DPD (RFC 3706): not probing it");
		return;
	}
	/* Random, and far from wrapping (RFC 3706 section 5.5). */
	if (crypto_random(&s->seq_out, sizeof(s->seq_out)))
		s->seq_out = 1;
	s->seq_out = (s->seq_out & 0x3fffffffu) + 1;
	s->seq_out--; /* the first probe adds one */
	s->on = true;
	timer_arm(sa->d->loop, &s->timer, delay_ms(sa));
}

void dpd_sa_free(struct ike_sa *sa)
{
	timer_cancel(sa->d->loop, &sa->dpd.timer);
}

void dpd_heard(struct ike_sa *sa)
{
	sa->dpd.last_in_ms = loop_now_ms();
}

/* Two ends are the same peer: its address, and its port too when NAT-T
 * is in use (road warriors behind one NAT share the address). */
static bool same_peer(const struct sockaddr *a, const struct sockaddr *b, bool natt)
{
	return natt ? sockaddr_equal(a, b) : sockaddr_addr_equal(a, b);
}

static bool sa_same_peer(const struct ike_sa *a, const struct ike_sa *b)
{
	return same_peer((const struct sockaddr *)&a->ep.remote.sa,
			 (const struct sockaddr *)&b->ep.remote.sa,
			 natt_active(a) || natt_active(b));
}

/* The IPsec SAs of sa's peer: made under sa; or of its connection, with
 * its peer, and made under an ISAKMP SA that is gone, was replaced by sa,
 * or is an older one with the same peer (a rekey whose Delete we missed).
 * Other peers of the same connection (right=%any) are not this peer. */
static bool child_of_peer(const struct ike_sa *sa, const struct child_sa *c)
{
	const struct ike_sa *made;

	if (!memcmp(c->icookie, sa->icookie, 8) && !memcmp(c->rcookie, sa->rcookie, 8))
		return true;
	if (strcmp(c->conn_name, sa->conn->name) ||
	    !same_peer((const struct sockaddr *)&sa->ep.remote.sa, &c->remote.sa,
		       natt_active(sa) || c->natt.encap))
		return false;
	made = ike_sa_find(sa->d, c->icookie, c->rcookie);
	return !made || made->state == IKE_SA_DEAD || made->rk.replaced_by == sa->serial ||
	       (made->serial < sa->serial && sa_same_peer(made, sa));
}

/* A newer established ISAKMP SA of sa's connection with its peer, or
 * NULL: among the established SAs with the peer's address (by_peer). */
static const struct ike_sa *newer_same_peer(const struct ike_sa *sa)
{
	const struct group_link *l;
	const struct ike_sa *o;

	for (l = ike_sa_peer_first(sa); l; l = l->next) {
		o = container_of(l, struct ike_sa, by_peer);
		if (o != sa && o->state == IKE_SA_ESTABLISHED && o->serial > sa->serial &&
		    !strcmp(o->conn->name, sa->conn->name) && sa_same_peer(o, sa))
			return o;
	}
	return NULL;
}

/* Inbound ESP of the peer's IPsec SAs (child_of_peer) grew since the last
 * look: one kernel query per IPsec SA of this peer. */
static bool esp_grew(struct ike_sa *sa)
{
	struct dpd_state *s = &sa->dpd;
	const struct group_link *l;
	uint64_t sum = 0;
	bool known = false, grew;

	if (!sa->d->xfrm)
		return false;
	for (l = group_head(&sa->d->child_by_conn, sa->conn->name, strlen(sa->conn->name)); l;
	     l = l->next) {
		const struct child_sa *c = container_of(l, struct child_sa, by_conn);
		struct xfrm_sa_stats in;
		struct xfrm_addr a;

		if (!c->installed || strcmp(c->conn_name, sa->conn->name) || !child_of_peer(sa, c))
			continue;
		addr_from_sa(&a, &c->local.sa);
		if (xfrm_get_sa_stats(sa->d->xfrm, &a, c->spi_in, IPPROTO_ESP, &in))
			continue;
		sum += in.packets;
		known = true;
	}
	/* From 0 at the start: packets before the first look count too.  The
	 * peer's set of IPsec SAs may shrink (one expired): then the sum
	 * restarts from there. */
	grew = known && sum > s->esp_packets;
	s->esp_packets = sum;
	s->esp_known = known;
	return grew;
}

static void dpd_probe(struct ike_sa *sa)
{
	struct dpd_state *s = &sa->dpd;
	int err;

	if (!++s->seq_out)
		s->seq_out = 1;
	s->probes++;
	s->probes_all++;
	err = info_send_dpd(sa, ISAKMP_N_DPD_R_U_THERE, s->seq_out);
	ike_sa_log(sa, err ? LOG_LVL_WARN : LOG_LVL_INFO, "R-U-THERE %" PRIu32 " sent%s%s",
		   s->seq_out, err ? ", failed: " : "", err ? strerror(-err) : "");
}

static void dpd_dead(struct ike_sa *sa);

static void dpd_timer(void *arg)
{
	struct ike_sa *sa = arg;
	struct dpd_state *s = &sa->dpd;
	uint64_t now = loop_now_ms(), left;
	const struct ike_sa *newer;

	if (sa->state != IKE_SA_ESTABLISHED || !s->on)
		return;
	/* Replaced (rekeyed), or a newer SA with the peer is up (a rekey
	 * whose Delete of this one we missed): the newest probes the peer,
	 * this one stays quiet; its lost Delete must not make the peer dead.
	 * Not replaced: looked at again, in case the newer one goes first. */
	newer = sa->rk.replaced_by ? NULL : newer_same_peer(sa);
	if (sa->rk.replaced_by || newer) {
		if (!s->quiet)
			ike_sa_log(sa, LOG_LVL_DEBUG,
				   "DPD: not probing: #%u is newer with this peer",
				   sa->rk.replaced_by ? sa->rk.replaced_by : newer->serial);
		s->quiet = true;
		s->probing = false;
		if (newer)
			timer_arm(sa->d->loop, &s->timer, delay_ms(sa));
		return;
	}
	if (s->quiet) {
		s->quiet = false;
		s->last_in_ms = now; /* a fresh start: the newer one just went */
	}
	if (esp_grew(sa))
		s->last_in_ms = now;
	if (s->probing && s->last_in_ms > s->probe_start_ms) {
		/* anything authenticated from the peer proves it alive */
		ike_sa_log(sa, LOG_LVL_INFO, "peer heard while probing: alive");
		s->probing = false;
	}
	if (s->probing) {
		if (now - s->probe_start_ms >= timeout_ms(sa)) {
			dpd_dead(sa);
			return;
		}
		dpd_probe(sa);
		left = s->probe_start_ms + timeout_ms(sa) - now;
		timer_arm(sa->d->loop, &s->timer, left < delay_ms(sa) ? left : delay_ms(sa));
		return;
	}
	if (now - s->last_in_ms < delay_ms(sa)) {
		timer_arm(sa->d->loop, &s->timer, s->last_in_ms + delay_ms(sa) - now);
		return;
	}
	s->probing = true;
	s->probes = 0;
	s->probe_start_ms = now;
	dpd_probe(sa);
	left = timeout_ms(sa);
	timer_arm(sa->d->loop, &s->timer, left < delay_ms(sa) ? left : delay_ms(sa));
}

static void peer_r_u_there(struct ike_sa *sa, uint32_t seq)
{
	struct dpd_state *s = &sa->dpd;
	int err;

	if (!dpd_seq_in_ok(s, seq)) {
		ike_sa_log(sa, LOG_LVL_WARN,
			   "ignored R-U-THERE %" PRIu32 ": not after the last one, %" PRIu32, seq,
			   s->seq_in);
		return;
	}
	s->seq_in = seq;
	s->seq_in_seen = true;
	err = info_send_dpd(sa, ISAKMP_N_DPD_R_U_THERE_ACK, seq);
	ike_sa_log(sa, err ? LOG_LVL_WARN : LOG_LVL_DEBUG, "R-U-THERE %" PRIu32 " answered%s%s",
		   seq, err ? ", failed: " : "", err ? strerror(-err) : "");
}

static void peer_ack(struct ike_sa *sa, uint32_t seq)
{
	struct dpd_state *s = &sa->dpd;

	if (!s->probing || !dpd_ack_ok(s, seq)) {
		ike_sa_log(sa, LOG_LVL_INFO,
			   "ignored R-U-THERE-ACK %" PRIu32 ": our last R-U-THERE is %" PRIu32 "%s",
			   seq, s->seq_out, s->probing ? "" : " and was answered");
		return;
	}
	s->probing = false;
	s->acks++;
	s->last_ack_ms = loop_now_ms();
	ike_sa_log(sa, LOG_LVL_INFO, "R-U-THERE-ACK %" PRIu32 " received: peer alive", seq);
	timer_arm(sa->d->loop, &s->timer, delay_ms(sa));
}

bool dpd_input(struct ike_sa *sa, bool encrypted, const struct wire_notify *n)
{
	uint32_t seq;

	if (n->type != ISAKMP_N_DPD_R_U_THERE && n->type != ISAKMP_N_DPD_R_U_THERE_ACK)
		return false;
	if (!sa || !encrypted || sa->state != IKE_SA_ESTABLISHED) {
		log_info("ignored an unprotected %s", wire_notify_name(n->type));
		return true;
	}
	if (dpd_notify_parse(n, sa->icookie, sa->rcookie, &seq)) {
		ike_sa_log(sa, LOG_LVL_WARN,
			   "ignored a malformed %s: its SPI (%u bytes) is not this ISAKMP SA's "
			   "cookies or it carries no 4-byte sequence number (%zu bytes)",
			   wire_notify_name(n->type), n->spi_size, n->data.len);
		return true;
	}
	if (n->type == ISAKMP_N_DPD_R_U_THERE)
		peer_r_u_there(sa, seq);
	else
		peer_ack(sa, seq);
	return true;
}

static struct dpd_daemon *dpd_daemon(struct ike_daemon *d)
{
	if (!d->dpd)
		d->dpd = calloc(1, sizeof(*d->dpd));
	return d->dpd;
}

/* The IPsec SAs the dead peer had with us (child_of_peer): not those of
 * other peers of its connection.  hold keeps their policies. */
static void children_down(struct ike_sa *sa, bool hold)
{
	struct ike_daemon *d = sa->d;
	struct child_sa *c, *next;
	struct dpd_daemon *dd = hold ? dpd_daemon(d) : NULL;
	struct dpd_hold *h;

	for (c = d->children; c; c = next) {
		next = c->next;
		if (!child_of_peer(sa, c))
			continue;
		h = hold && dd ? calloc(1, sizeof(*h)) : NULL;
		if (!h) {
			child_remove(c, false); /* without memory: clear, not leak */
			continue;
		}
		child_hold(c);
		h->child = c;
		h->next = dd->held;
		dd->held = h;
	}
}

static void restart_go(void *arg);

static void restart_free(struct dpd_restart *r)
{
	timer_cancel(r->d->loop, &r->timer);
	free(r);
}

static void restart_unlink(struct dpd_restart *r)
{
	struct dpd_restart **pp;

	for (pp = &r->d->dpd->restarts; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

static uint64_t restart_backoff_ms(const struct ike_daemon *d, unsigned tries)
{
	uint64_t ms = (uint64_t)d->retransmit_base_ms << (tries < 6 ? tries : 6);
	uint64_t cap = d->retransmit_limit_ms ? d->retransmit_limit_ms : RESTART_MAX_MS;

	return ms < cap ? ms : cap;
}

static void restart_done(void *arg, bool ok, const char *why)
{
	struct dpd_restart *r = arg;
	uint64_t ms;

	r->up_pending = false;
	if (r->cancelled) {
		restart_free(r);
		return;
	}
	if (ok || !conf_conn(r->d->conf, r->conn)) {
		log_info("%s: %s after its peer was dead", r->conn,
			 ok ? "restarted" : "not restarted: no longer configured");
		restart_unlink(r);
		restart_free(r);
		return;
	}
	ms = restart_backoff_ms(r->d, r->tries);
	log_info("%s: restart %u failed (%s); next try in %" PRIu64 " ms", r->conn, r->tries, why,
		 ms);
	timer_arm(r->d->loop, &r->timer, ms);
}

static void restart_go(void *arg)
{
	struct dpd_restart *r = arg;

	r->tries++;
	r->up_pending = true;
	ike_up(r->d, r->conn, restart_done, r); /* may answer, and free r, at once */
}

static void restart_start(struct ike_daemon *d, const char *name)
{
	struct dpd_daemon *dd = dpd_daemon(d);
	struct dpd_restart *r;

	if (!dd)
		return;
	for (r = dd->restarts; r; r = r->next)
		if (!strcmp(r->conn, name))
			return; /* one is under way */
	r = calloc(1, sizeof(*r));
	if (!r) {
		log_err("%s: out of memory: not restarted", name);
		return;
	}
	r->d = d;
	snprintf(r->conn, sizeof(r->conn), "%s", name);
	timer_init(&r->timer, restart_go, r);
	r->next = dd->restarts;
	dd->restarts = r;
	timer_arm(d->loop, &r->timer, 0);
}

static void dpd_dead(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->d;
	enum conn_dpd_action action = sa->conn->dpd_action;
	char name[64];

	snprintf(name, sizeof(name), "%s", sa->conn->name);
	sa->dpd.probing = false;
	children_down(sa, action == DPD_HOLD);
	/* Its log line, status's why and the connection's last failure. */
	ike_sa_fail(sa, "peer dead: no answer to %u R-U-THERE in %u s (dpdaction=%s)",
		    sa->dpd.probes, (unsigned)((loop_now_ms() - sa->dpd.probe_start_ms) / 1000),
		    action_name(action));
	if (action == DPD_RESTART && sa->conn->remote.addr.family == AF_UNSPEC)
		log_info("%s: not restarted: right=%%any names no peer to start it with", name);
	else if (action == DPD_RESTART)
		restart_start(d, name);
}

void dpd_conn_down(struct ike_daemon *d, const char *name)
{
	struct dpd_daemon *dd = d->dpd;
	struct dpd_restart **rp, *r;
	struct dpd_hold **hp, *h;

	if (!dd)
		return;
	for (rp = &dd->restarts; (r = *rp);) {
		if (name && strcmp(r->conn, name)) {
			rp = &r->next;
			continue;
		}
		*rp = r->next;
		timer_cancel(d->loop, &r->timer);
		if (r->up_pending)
			r->cancelled = true; /* freed by its answer */
		else
			restart_free(r);
	}
	for (hp = &dd->held; (h = *hp);) {
		if (name && strcmp(h->child->conn_name, name)) {
			hp = &h->next;
			continue;
		}
		*hp = h->next;
		child_held_release(h->child);
		free(h);
	}
	if (!name) {
		free(dd);
		d->dpd = NULL;
	}
}

unsigned dpd_held(const struct ike_daemon *d, const char *name)
{
	const struct dpd_hold *h;
	unsigned n = 0;

	for (h = d->dpd ? d->dpd->held : NULL; h; h = h->next)
		n += !name || !strcmp(h->child->conn_name, name);
	return n;
}

bool dpd_restarting(const struct ike_daemon *d, const char *name)
{
	const struct dpd_restart *r;

	for (r = d->dpd ? d->dpd->restarts : NULL; r; r = r->next)
		if (!strcmp(r->conn, name))
			return true;
	return false;
}

const char *dpd_state_name(const struct ike_sa *sa)
{
	return !sa->dpd.on ? "off" : sa->dpd.quiet ? "quiet" : sa->dpd.probing ? "probing" : "idle";
}

static void out_add(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_add(struct buf *out, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_append(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static int64_t ack_age_s(const struct dpd_state *s)
{
	return s->last_ack_ms ? (int64_t)((loop_now_ms() - s->last_ack_ms) / 1000) : -1;
}

void dpd_status_text(const struct ike_sa *sa, struct buf *out)
{
	const struct dpd_state *s = &sa->dpd;

	out_add(out, "\n      DPD: %s", dpd_state_name(sa));
	if (s->on)
		out_add(out,
			" (dpdaction=%s, delay %u s, timeout %u s), R-U-THERE sent %u (seq %" PRIu32
			"), ACKs %u",
			action_name(sa->conn->dpd_action), sa->conn->dpd_delay_s,
			sa->conn->dpd_timeout_s, s->probes_all, s->seq_out, s->acks);
	if (s->last_ack_ms)
		out_add(out, ", last ACK %" PRId64 " s ago", ack_age_s(s));
	if (s->probing)
		out_add(out, ", %u unanswered in %" PRIu64 " s", s->probes,
			(loop_now_ms() - s->probe_start_ms) / 1000);
	if (s->seq_in_seen)
		out_add(out, ", peer's last R-U-THERE %" PRIu32, s->seq_in);
}

void dpd_status_json(const struct ike_sa *sa, struct buf *out)
{
	const struct dpd_state *s = &sa->dpd;

	out_add(out,
		"\"dpd\":{\"state\":\"%s\",\"action\":\"%s\",\"delay\":%u,\"timeout\":%u,"
		"\"seq_out\":%" PRIu32 ",\"probes\":%u,\"unanswered\":%u,\"acks\":%u,"
		"\"last_ack_s_ago\":%" PRId64 ",\"seq_in\":%" PRId64 "},",
		dpd_state_name(sa), action_name(sa->conn->dpd_action), sa->conn->dpd_delay_s,
		sa->conn->dpd_timeout_s, s->seq_out, s->probes_all, s->probing ? s->probes : 0,
		s->acks, ack_age_s(s), s->seq_in_seen ? (int64_t)s->seq_in : -1);
}
