/* Rekeying, make before break: when (the strongSwan margin and fuzz), and
 * what happens to the old SAs once the new ones are up (rekey.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/rand.h"
#include "ike/by_conn.h"
#include "ike/child.h"
#include "ike/id.h"
#include "ike/aggressive_mode.h"
#include "ike/ike.h"
#include "ike/informational.h"
#include "ike/main_mode.h"
#include "ike/quick.h"
#include "ike/rekey.h"
#include "kernel/xfrm.h"
#include "net/sockaddr.h"
#include "util/log.h"

/* How often the kernel's counters are read while waiting for the peer,
 * and how long we wait for it at most. */
#define POLL_MS	     100
#define HOLD_MAX_MS  3000
#define WATCH_MAX_MS 10000
/* After the Delete, the old inbound SA takes what was on the way. */
#define GRACE_MS 1000
/* After the switch, the old outbound SA finishes what took it. */
#define OUT_GRACE_MS 500
/* A replaced ISAKMP SA waits this long at most for its Quick Modes. */
#define RETIRE_WAIT_MS 10000

void rekey_window_ms(uint32_t life_s, uint32_t margin_s, uint32_t fuzz_pct, uint64_t *lo,
		     uint64_t *hi)
{
	uint64_t life = (uint64_t)life_s * 1000, margin = (uint64_t)margin_s * 1000;
	uint64_t jitter = margin * fuzz_pct / 100, half = life / 2;

	if (margin + jitter > half) {
		/* scaled down together, in proportion, to fit half the life */
		uint64_t sum = margin + jitter;

		margin = (uint64_t)((unsigned __int128)margin * half / sum);
		jitter = half - margin;
	}
	*hi = life - margin;
	*lo = *hi - jitter;
}

uint64_t rekey_after_ms(uint32_t life_s, uint32_t margin_s, uint32_t fuzz_pct, uint32_t r)
{
	uint64_t lo, hi;

	rekey_window_ms(life_s, margin_s, fuzz_pct, &lo, &hi);
	/* r * (span + 1) / 2^32: uniform over [0, span], no modulo bias
	 * worth the name */
	return hi - (((uint64_t)r * (hi - lo + 1)) >> 32);
}

uint64_t rekey_after_ms_rand(uint32_t life_s, uint32_t margin_s, uint32_t fuzz_pct)
{
	uint32_t r = 0;

	if (crypto_random(&r, sizeof(r)) < 0)
		r = 0; /* the latest start: still in the window */
	return rekey_after_ms(life_s, margin_s, fuzz_pct, r);
}

/* ---- ISAKMP SAs ---- */

static void rekey_ike_fire(void *arg);
static void ike_delete_old(struct ike_sa *old);

void rekey_ike_init(struct ike_sa *sa)
{
	timer_init(&sa->rk.timer, rekey_ike_fire, sa);
}

void rekey_ike_free(struct ike_sa *sa)
{
	timer_cancel(sa->d->loop, &sa->rk.timer);
}

static bool same_peer(const struct ike_sa *a, const struct ike_sa *b)
{
	return sockaddr_addr_equal((const struct sockaddr *)&a->ep.remote.sa,
				   (const struct sockaddr *)&b->ep.remote.sa);
}

/* A newer established SA of the same connection and peer, or NULL. */
static struct ike_sa *ike_newer_sibling(const struct ike_sa *sa)
{
	const struct group_link *l;
	struct ike_sa *o;

	for (l = group_head(&sa->d->sa_by_conn, sa->conn->name, strlen(sa->conn->name)); l;
	     l = l->next) {
		o = container_of(l, struct ike_sa, by_conn);
		if (o != sa && o->state == IKE_SA_ESTABLISHED && o->serial > sa->serial &&
		    same_peer(o, sa))
			return o;
	}
	return NULL;
}

static void rekey_ike_fire(void *arg)
{
	struct ike_sa *sa = arg, *n;
	struct ike_daemon *d = sa->d;
	const struct conn *c = conf_conn(d->conf, sa->conn->name);
	unsigned before = d->next_serial;

	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	if (sa->rk.replaced_by) {
		ike_delete_old(sa);
		return;
	}
	if ((n = ike_newer_sibling(sa))) {
		ike_sa_log(sa, LOG_LVL_INFO, "not rekeyed: #%u is newer", n->serial);
		return;
	}
	if (!c) {
		ike_sa_log(sa, LOG_LVL_INFO, "not rekeyed: the connection is no longer configured");
		return;
	}
	n = ike_sa_find_conn(d, c->name, false);
	if (n && n->state == IKE_SA_NEGOTIATING) {
		ike_sa_log(sa, LOG_LVL_INFO, "not rekeyed: #%u is negotiating", n->serial);
		return;
	}
	ike_sa_log(
		sa, LOG_LVL_INFO, "rekeying the ISAKMP SA (%u s of %u s left)",
		(unsigned)((sa->established_ms + (uint64_t)sa->lifetime_s * 1000 - loop_now_ms()) /
			   1000),
		sa->lifetime_s);
	if (c->aggressive)
		aggressive_mode_initiate(d, c, NULL, NULL);
	else
		main_mode_initiate(d, c, NULL, NULL);
	/* the new SA, if one was made: the newest of the connection */
	n = ike_sa_find_conn(d, c->name, false);
	if (n && n->serial > before && n->state == IKE_SA_NEGOTIATING) {
		n->rk.replaces = sa->serial;
		n->want_child = false; /* the IPsec SAs stay as they are */
	}
}

/* Two SAs up at about the same time: made while each other negotiated. */
static bool ike_twins(const struct ike_sa *a, const struct ike_sa *b)
{
	uint64_t w = (uint64_t)(a->lifetime_s < b->lifetime_s ? a->lifetime_s : b->lifetime_s) *
		     1000 / 4;
	uint64_t gap = a->established_ms > b->established_ms
			       ? a->established_ms - b->established_ms
			       : b->established_ms - a->established_ms;

	if (w > 30000)
		w = 30000;
	return gap < w;
}

/* A Quick Mode still negotiates under it (ours or the peer's). */
static bool ike_quick_busy(const struct ike_sa *sa)
{
	const struct quick *q;

	for (q = sa->quicks; q; q = q->next_in_sa)
		if (q->state == QUICK_NEGOTIATING)
			return true;
	return false;
}

/* The replaced SA goes once no Quick Mode runs under it (a child's rekey
 * under way would die with it), or after RETIRE_WAIT_MS anyway. */
static void ike_delete_old(struct ike_sa *old)
{
	if (ike_quick_busy(old) && loop_now_ms() - old->rk.retire_ms < RETIRE_WAIT_MS) {
		timer_arm(old->d->loop, &old->rk.timer, POLL_MS * 2);
		return;
	}
	ike_sa_log(old, LOG_LVL_INFO, "deleting ISAKMP SA #%u, replaced by #%u", old->serial,
		   old->rk.replaced_by);
	info_send_delete_isakmp(old);
	old->state = IKE_SA_DEAD;
	ike_sa_unfile_peer(old);
	ike_sa_set_why(old, "");
	/* freed from its timer: we may be inside one of its callers */
	timer_arm(old->d->loop, &old->expire, 0);
}

static void ike_retire(struct ike_sa *old, struct ike_sa *by, const char *how)
{
	old->rk.replaced_by = by->serial;
	old->rk.retire_ms = loop_now_ms();
	ike_sa_log(old, LOG_LVL_INFO, "ISAKMP SA #%u %s #%u", old->serial, how, by->serial);
	timer_arm(old->d->loop, &old->rk.timer, 0);
}

void rekey_ike_established(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->d;
	const struct conn *c = sa->conn;
	const struct group_link *l, *next;
	struct ike_sa *o, *twin = NULL, *loser;

	if (c->rekey && c->remote.addr.family != AF_UNSPEC && sa->lifetime_s)
		timer_arm(d->loop, &sa->rk.timer,
			  rekey_after_ms_rand(sa->lifetime_s, c->margin_s, c->fuzz_pct));
	/* the SA it replaces goes (the new one's initiator says so) */
	for (l = group_head(&d->sa_by_conn, c->name, strlen(c->name)); l; l = next) {
		next = l->next;
		o = container_of(l, struct ike_sa, by_conn);
		if (o == sa || o->state != IKE_SA_ESTABLISHED || o->rk.replaced_by ||
		    !same_peer(o, sa))
			continue;
		if (ike_twins(o, sa) && (o->rk.replaces || sa->rk.replaces))
			twin = o;
		else if (sa->rk.replaces == o->serial)
			ike_retire(o, sa, "rekeyed by");
	}
	if (twin) {
		/* both sides rekeyed at once: the same one goes on both */
		loser = memcmp(twin->icookie, sa->icookie, 8) > 0 ? twin : sa;
		ike_retire(loser, loser == sa ? twin : sa,
			   "lost to its twin (both sides rekeyed at once; the lower initiator "
			   "cookie stays):");
	}
}

struct ike_sa *rekey_sa_for_child(const struct child_sa *c)
{
	struct ike_sa *sa = ike_sa_find(c->d, c->icookie, c->rcookie);
	const struct conn *conn;

	if (sa && sa->state == IKE_SA_ESTABLISHED)
		return sa;
	conn = conf_conn(c->d->conf, c->conn_name);
	sa = conn ? ike_sa_for_conn(c->d, conn) : NULL;
	if (sa && sockaddr_addr_equal(&c->remote.sa, (const struct sockaddr *)&sa->ep.remote.sa))
		return sa;
	return NULL;
}

const char *rekey_ike_state(const struct ike_sa *sa, char *buf, size_t len)
{
	if (sa->rk.replaced_by)
		snprintf(buf, len, "rekeyed by #%u", sa->rk.replaced_by);
	else if (sa->rk.replaces)
		snprintf(buf, len, "rekey of #%u", sa->rk.replaces);
	else
		buf[0] = 0;
	return buf;
}

/* ---- IPsec SAs ---- */

static void rekey_child_fire(void *arg);

uint32_t rekey_child_reqid(struct ike_daemon *d, const struct conf_ts *l, const struct conf_ts *r,
			   const struct sockaddr *peer)
{
	const struct child_sa *first = child_first_by_ts(d, l, r), *o;

	for (o = first; o; o = child_next_same_ts(first, o))
		if (o->reqid && sockaddr_addr_equal(&o->remote.sa, peer))
			return o->reqid;
	return ++d->next_reqid;
}

/* The other installed children with c's selectors and peer, one by one. */
static struct child_sa *next_sibling(const struct child_sa *c, const struct child_sa *after)
{
	const struct child_sa *o = after;

	while ((o = child_next_same_ts(c, o)))
		if (sockaddr_addr_equal(&o->remote.sa, &c->remote.sa))
			return (struct child_sa *)o;
	return NULL;
}

static struct child_sa *child_by_seq(const struct child_sa *c, unsigned seq)
{
	struct child_sa *o = NULL;

	while ((o = next_sibling(c, o)))
		if (o->seq == seq)
			return o;
	return NULL;
}

bool rekey_child_holds_out(const struct child_sa *c)
{
	const struct child_sa *first, *o;

	if (!c->initiator || !c->d->xfrm)
		return false;
	/* c is not filed yet: its selectors' group, looked up */
	first = child_first_by_ts(c->d, &c->ts_local, &c->ts_remote);
	for (o = first; o; o = child_next_same_ts(first, o))
		if (o->installed && !o->rk.succ_seq &&
		    sockaddr_addr_equal(&o->remote.sa, &c->remote.sa))
			return true;
	return false;
}

void rekey_child_init(struct child_sa *c)
{
	timer_init(&c->rk.timer, rekey_child_fire, c);
}

static void child_drop_key(struct child_sa *c)
{
	if (c->rk.key_out) {
		OPENSSL_cleanse(c->rk.key_out, c->rk.key_len);
		free(c->rk.key_out);
	}
	c->rk.key_out = NULL;
	c->rk.key_len = 0;
}

void rekey_child_free(struct child_sa *c)
{
	timer_cancel(c->d->loop, &c->rk.timer);
	child_drop_key(c);
}

/* Packets came in on c's inbound SA (the peer sends on it). */
static bool child_in_used(struct child_sa *c)
{
	uint64_t packets = 0;

	if (!c->d->xfrm || !c->installed)
		return true;
	return child_in_packets(c, &packets) == 0 && packets > 0;
}

static void child_retire(struct child_sa *old, struct child_sa *by)
{
	old->rk.succ_seq = by->seq;
	old->rk.state = CHILD_RK_RETIRING;
	old->rk.since_ms = loop_now_ms();
	/* its outbound SA is no longer chosen (the kernel takes the newest
	 * of a reqid) but goes only a moment later: a packet that took it
	 * just before would be dropped (XfrmOutStateInvalid) */
	log_info("#%u %s: IPsec SA in %08x out %08x replaced by in %08x out %08x", old->serial,
		 old->conn_name, old->spi_in, old->spi_out, by->spi_in, by->spi_out);
	timer_arm(old->d->loop, &old->rk.timer, 0);
}

/* The successor's outbound SA is in: those it replaces retire. */
static void child_switched(struct child_sa *c)
{
	struct child_sa *o = NULL;

	c->rk.state = CHILD_RK_NONE;
	while ((o = next_sibling(c, o)))
		if (o->rk.succ_seq == c->seq &&
		    (o->rk.state == CHILD_RK_NONE || o->rk.state == CHILD_RK_HOLD)) {
			child_drop_key(o);
			child_retire(o, c);
		}
}

static void child_hold_fire(struct child_sa *c)
{
	bool seen = child_in_used(c);
	int err;

	if (!seen && loop_now_ms() - c->rk.since_ms < HOLD_MAX_MS) {
		timer_arm(c->d->loop, &c->rk.timer, POLL_MS);
		return;
	}
	err = child_install_outbound(c, c->rk.key_out);
	child_drop_key(c);
	if (err) {
		log_warn("#%u %s: IPsec SA %08x: adding the outbound SA failed: %s", c->serial,
			 c->conn_name, c->spi_out, xfrm_strerror(err));
		return;
	}
	log_info("#%u %s: IPsec SA %08x: sending on it now (%s)", c->serial, c->conn_name,
		 c->spi_out, seen ? "the peer sends on its new SA" : "the wait for the peer ended");
	child_switched(c);
}

static void child_retiring_fire(struct child_sa *c)
{
	struct child_sa *by = child_by_seq(c, c->rk.succ_seq);
	struct ike_sa *sa;

	if (!c->rk.out_removed && loop_now_ms() - c->rk.since_ms >= OUT_GRACE_MS) {
		c->rk.out_removed = true;
		child_remove_outbound(c);
	}

	/* the Delete waits for the peer to send on the successor, and for
	 * what took the old SAs to be through */
	if ((by && !child_in_used(by) && loop_now_ms() - c->rk.since_ms < WATCH_MAX_MS) ||
	    loop_now_ms() - c->rk.since_ms < OUT_GRACE_MS) {
		timer_arm(c->d->loop, &c->rk.timer, POLL_MS * 2);
		return;
	}
	sa = rekey_sa_for_child(c);
	if (sa)
		info_send_delete_esp(sa, c->spi_in);
	log_info("#%u %s: IPsec SA in %08x: the peer uses its successor, Delete sent", c->serial,
		 c->conn_name, c->spi_in);
	c->rk.state = CHILD_RK_DELETED;
	timer_arm(c->d->loop, &c->rk.timer, GRACE_MS);
}

static void rekey_child_fire(void *arg)
{
	struct child_sa *c = arg;

	switch (c->rk.state) {
	case CHILD_RK_HOLD:
		child_hold_fire(c);
		break;
	case CHILD_RK_RETIRING:
		child_retiring_fire(c);
		break;
	case CHILD_RK_DELETED:
		child_remove(c, false);
		break;
	default:
		break;
	}
}

static uint32_t min_spi(const struct child_sa *c)
{
	return c->spi_in < c->spi_out ? c->spi_in : c->spi_out;
}

static bool child_twins(const struct child_sa *a, const struct child_sa *b)
{
	uint32_t life = a->lifetime_s < b->lifetime_s ? a->lifetime_s : b->lifetime_s;
	uint64_t w = (uint64_t)life * 1000 / 4;
	uint64_t gap = a->established_ms > b->established_ms
			       ? a->established_ms - b->established_ms
			       : b->established_ms - a->established_ms;

	return gap < (w < 5000 ? w : 5000);
}

void rekey_child_installed(struct child_sa *c, const uint8_t *key_out, size_t key_len)
{
	struct child_sa *o = NULL, *twin = NULL;

	while ((o = next_sibling(c, o))) {
		if (o->rk.succ_seq)
			continue;
		if (child_twins(o, c) && !twin)
			twin = o;
		else
			o->rk.succ_seq = c->seq; /* it goes once c sends */
	}
	if (twin && min_spi(c) > min_spi(twin)) {
		/* both sides rekeyed at once: the lower SPI stays, on both */
		log_info("#%u %s: IPsec SA %08x made at the same time as %08x, which stays",
			 c->serial, c->conn_name, c->spi_in, twin->spi_in);
		for (o = NULL; (o = next_sibling(c, o));)
			if (o->rk.succ_seq == c->seq)
				o->rk.succ_seq = 0;
		twin->rk.succ_seq = 0;
		if (key_out) {
			/* never sent on: nothing of it to switch from */
			c->rk.succ_seq = twin->seq;
			c->rk.state = CHILD_RK_RETIRING;
			c->rk.since_ms = loop_now_ms();
			timer_arm(c->d->loop, &c->rk.timer, 0);
		} else {
			child_retire(c, twin);
		}
		return;
	}
	if (twin)
		twin->rk.succ_seq = c->seq;
	if (key_out) {
		c->rk.key_out = malloc(key_len);
		if (c->rk.key_out) {
			memcpy(c->rk.key_out, key_out, key_len);
			c->rk.key_len = key_len;
			c->rk.state = CHILD_RK_HOLD;
			c->rk.since_ms = loop_now_ms();
			timer_arm(c->d->loop, &c->rk.timer, POLL_MS);
			return;
		}
		/* without memory: at once */
		if (child_install_outbound(c, key_out))
			log_warn("#%u %s: IPsec SA %08x: adding the outbound SA failed", c->serial,
				 c->conn_name, c->spi_out);
	}
	child_switched(c);
}

bool rekey_child_may(const struct child_sa *c)
{
	const struct conn *conn = conf_conn(c->d->conf, c->conn_name);

	return conn && conn->rekey && (c->initiator || conn->remote.addr.family != AF_UNSPEC);
}

uint64_t rekey_child_after_ms(const struct child_sa *c)
{
	const struct conn *conn = conf_conn(c->d->conf, c->conn_name);
	uint64_t life = (uint64_t)c->lifetime_s * 1000, lo, hi;

	if (!rekey_child_may(c))
		return life;
	if (c->initiator)
		return rekey_after_ms_rand(c->lifetime_s, conn->margin_s, conn->fuzz_pct);
	/* the responder: only if the initiator's window passed without one */
	rekey_window_ms(c->lifetime_s, conn->margin_s, conn->fuzz_pct, &lo, &hi);
	return hi + (life - hi) / 2;
}

uint32_t rekey_child_soft_s(const struct child_sa *c)
{
	const struct conn *conn = c->d->conf ? conf_conn(c->d->conf, c->conn_name) : NULL;
	uint64_t life = (uint64_t)c->lifetime_s * 1000, lo, hi, soft;

	if (!conn || !c->lifetime_s)
		return c->lifetime_s - c->lifetime_s / 10;
	/* after both sides' timers (the responder's is halfway from hi to the
	 * end), so that it only catches a rekey that failed */
	rekey_window_ms(c->lifetime_s, conn->margin_s, conn->fuzz_pct, &lo, &hi);
	soft = (hi + (life - hi) * 3 / 4) / 1000;
	return soft && soft < c->lifetime_s ? (uint32_t)soft : c->lifetime_s - c->lifetime_s / 10;
}

const char *rekey_child_state(const struct child_sa *c, char *buf, size_t len)
{
	static const char *const names[] = {"", "new, waiting for the peer to send on it",
					    "replaced", "replaced, Delete sent"};

	buf[0] = 0;
	if (c->rk.state != CHILD_RK_NONE)
		snprintf(buf, len, "%s", names[c->rk.state]);
	else if (c->rk.succ_seq)
		snprintf(buf, len, "to be replaced");
	return buf;
}
