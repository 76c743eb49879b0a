/* The life of a Quick Mode state: made only for a message that verified
 * (or by us), found by message ID, always on a timer (retransmission, then
 * a short linger to answer copies), and freed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ike/id.h"
#include "ike/loss.h"
#include "ike/mismatch.h"
#include "ike/pacing.h"
#include "ike/quick.h"
#include "util/log.h"

void quick_fail_why(struct quick *q, const char *why, const char *otherwise)
{
	quick_fail(q, "%s", why && why[0] ? why : otherwise);
}

static void quick_timer(void *arg);

void quick_log(const struct quick *q, int lvl, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Its own connection: many may share the ISAKMP SA. */
	log_msg((enum log_level)lvl, "#%u %s: Quick Mode %08x: %s", q->sa->serial,
		q->conn ? q->conn->name : q->sa->conn->name, q->msgid, line);
}

static uint64_t quick_key(const struct ike_daemon *d, const struct ike_sa *sa, uint32_t msgid)
{
	uint8_t key[12];

	memcpy(key, sa->icookie, 8);
	memcpy(key + 8, &msgid, 4);
	return htable_hash(&d->quick_by_msgid, key, sizeof(key));
}

struct quick *quick_find(struct ike_daemon *d, struct ike_sa *sa, uint32_t msgid)
{
	uint64_t h = quick_key(d, sa, msgid);
	struct hnode *n;

	for (n = htable_first(&d->quick_by_msgid, h); n; n = htable_next(n, h)) {
		struct quick *q = container_of(n, struct quick, by_msgid);

		if (q->sa == sa && q->msgid == msgid)
			return q;
	}
	return NULL;
}

struct quick *quick_new(struct ike_sa *sa, uint32_t msgid, bool initiator)
{
	struct quick *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->sa = sa;
	q->msgid = msgid;
	q->initiator = initiator;
	xmit_init(&q->xmit, quick_timer, q);
	q->x = exchange_new(sa, q);
	if (!q->x || sa_phase2_iv(sa, msgid, q->x->iv) < 0) {
		exchange_free(sa->d, q->x);
		free(q);
		return NULL;
	}
	q->x->msgid = msgid;
	q->next_in_sa = sa->quicks;
	sa->quicks = q;
	htable_add(&sa->d->quick_by_msgid, &q->by_msgid, quick_key(sa->d, sa, msgid));
	/* Until its first message is out (a PFS job may run first), the
	 * state is bounded by the time its retransmissions would take. */
	timer_arm(sa->d->loop, &q->xmit.timer, quick_linger_ms(sa->d) * 2);
	return q;
}

void quick_free(struct quick *q)
{
	struct ike_sa *sa = q->sa;
	struct quick **pp;

	for (pp = &sa->quicks; *pp; pp = &(*pp)->next_in_sa)
		if (*pp == q) {
			*pp = q->next_in_sa;
			break;
		}
	htable_del(&sa->d->quick_by_msgid, &q->by_msgid);
	pacing_quick_ended(q);
	xmit_clear(sa->d, &q->xmit);
	exchange_free(sa->d, q->x);
	conn_ref_put(sa->d, q->cref);
	if (q->up_fn)
		q->up_fn(q->up_arg, false, "Quick Mode abandoned");
	OPENSSL_cleanse(q, sizeof(*q));
	free(q);
}

uint64_t quick_linger_ms(const struct ike_daemon *d)
{
	return xmit_span_ms(d);
}

void quick_done(struct quick *q, bool ok, const char *why)
{
	ike_up_fn fn = q->up_fn;

	q->up_fn = NULL;
	q->state = ok ? QUICK_DONE : QUICK_DEAD;
	pacing_quick_ended(q); /* the next waiting one may go */
	/* Only what answers a copy of the peer's last message is kept. */
	exchange_end(&q->x);
	/* A responder that has QM3 has nothing left to answer: the peer
	 * sent QM3 because it had our QM2. */
	if (ok && !q->initiator)
		buf_free(&q->xmit.last_sent);
	if (fn)
		fn(q->up_arg, ok, why);
	/* Linger a little to answer a retransmitted QM2 with our QM3. */
	timer_arm(q->sa->d->loop, &q->xmit.timer, quick_linger_ms(q->sa->d));
}

void quick_fail(struct quick *q, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	quick_log(q, LOG_LVL_ERR, "%s", why);
	ike_note_failure(q->sa->d, q->conn ? q->conn->name : q->sa->conn->name, why);
	quick_done(q, false, why);
}

static void quick_timer(void *arg)
{
	struct quick *q = arg;

	if (q->state != QUICK_NEGOTIATING) {
		quick_free(q);
		return;
	}
	if (!q->xmit.last_sent.len) {
		quick_fail(q,
			   "Quick Mode did not get as far as its first message in %llu s, "
			   "abandoned",
			   (unsigned long long)(quick_linger_ms(q->sa->d) * 2 / 1000));
		return;
	}
	loss_am3_again(q); /* a lost AM3 too (loss.c) */
	if (xmit_retransmit(q->sa, &q->xmit)) {
		quick_log(q, LOG_LVL_INFO, "no answer from peer yet, retransmit %u", q->xmit.tries);
		return;
	}
	quick_fail(q, "peer did not answer QM%u after %u retransmits, giving up",
		   q->initiator ? 1 : 2, q->sa->d->retransmit_tries);
}

void quick_fail_all(struct ike_sa *sa, const char *why)
{
	struct quick *q;

	/* Those that wait hear it as those under way do. */
	pacing_quick_queue_fail(sa, why);
	for (q = sa->quicks; q; q = q->next_in_sa)
		if (q->state == QUICK_NEGOTIATING)
			quick_done(q, false, why);
}

void quick_refused(struct quick *q, uint16_t notify)
{
	char offered[384], l[128], r[128];

	if (q->state != QUICK_NEGOTIATING || !q->initiator || !q->x || !q->conn)
		return;
	proposals_str("esp", &q->conn->esp, offered, sizeof(offered));
	ts_str(&q->x->ts_local, l, sizeof(l));
	ts_str(&q->x->ts_remote, r, sizeof(r));
	quick_fail(q, "peer refused Quick Mode: it sent %s; we offered %s %s, %s === %s",
		   wire_notify_name(notify), offered, q->x->tunnel ? "tunnel" : "transport", l, r);
}

void quick_refused_all(struct ike_sa *sa, uint16_t notify)
{
	struct quick *q;

	for (q = sa->quicks; q; q = q->next_in_sa)
		quick_refused(q, notify);
}

void quick_free_all(struct ike_sa *sa)
{
	pacing_quick_queue_free(sa); /* its callers hear why */
	while (sa->quicks)
		quick_free(sa->quicks);
}

int quick_use_msgid(struct ike_sa *sa, uint32_t msgid)
{
	/* never full: the set forgets its oldest ID (msgid.h) */
	return msgid_use(&sa->msgids, msgid);
}

unsigned quick_count(const struct ike_sa *sa)
{
	const struct quick *q;
	unsigned n = 0;

	for (q = sa->quicks; q; q = q->next_in_sa)
		n++;
	return n;
}

bool quick_room(struct ike_sa *sa)
{
	struct quick *q, *oldest_done = NULL;
	unsigned n = 0;

	for (q = sa->quicks; q; q = q->next_in_sa) {
		if (q->initiator)
			continue;
		n++;
		/* newest first: the last one seen is the oldest */
		if (q->state != QUICK_NEGOTIATING)
			oldest_done = q;
	}
	if (n < QUICK_MAX_UNDER_WAY)
		return true;
	if (oldest_done) {
		/* It only lingers to answer copies of its last message. */
		quick_free(oldest_done);
		return true;
	}
	ike_sa_log(sa, LOG_LVL_WARN,
		   "peer has %u Quick Modes under way under this ISAKMP SA, the most allowed: "
		   "dropped its new one",
		   n);
	return false;
}
