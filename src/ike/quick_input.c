/* The way of a received Quick Mode message to its state.  Nothing is kept
 * for a message until it came from the ISAKMP SA's peer (address and
 * port), decrypted, parsed, fitted its step and its HASH verified: anyone
 * without the SA's keys can make no state and change none. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/keying.h"
#include "ike/dispatch.h"
#include "ike/informational.h"
#include "ike/quick.h"
#include "ike/ra.h"
#include "ike/rekey.h"
#include "ike/tap.h"
#include "kernel/xfrm.h"
#include "net/sockaddr.h"
#include "util/log.h"
#include "wire/payload.h"

/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
static bool qm_hash3_ok(struct ike_sa *sa, const struct quick *q, const struct ike_msg *m)
{
	const struct wire_payload *hp = wire_find(&m->pl, ISAKMP_PL_HASH);
	uint8_t want[IKE_MAX_MD];

	if (ike_qm_hash3(sa->hash->openssl, sa->skeyid_a, sa->prf_len, q->msgid, q->x->ni.data,
			 q->x->ni.len, q->x->nr.data, q->x->nr.len, want))
		return false;
	return hp->body.len == sa->prf_len && !CRYPTO_memcmp(want, hp->body.p, sa->prf_len);
}

/* The HASH of the message of row step: HASH(1) needs no state, HASH(2)
 * our Ni, HASH(3) both nonces. */
static bool qm_hash_ok(struct ike_sa *sa, const struct quick *q, unsigned step,
		       const struct ike_msg *m)
{
	if (step == 0)
		return hashed_verify(sa, m, m->hdr.msgid, NULL);
	if (step == 1)
		return hashed_verify(sa, m, m->hdr.msgid, &q->x->ni);
	return qm_hash3_ok(sa, q, m);
}

/* A message that may not be acted on: without a state none is made. */
static void qm_dropped(const struct dispatch *dp, const struct ike_msg *m, const char *why)
{
	if (dp->q)
		quick_log(dp->q, LOG_LVL_WARN, "dropped a message that %s", why);
	else
		ike_sa_log(dp->sa, LOG_LVL_INFO,
			   "Quick Mode %08x: dropped a first message that %s (no state kept)",
			   m->hdr.msgid, why);
}

/* Quick Mode runs under an established ISAKMP SA, with its peer only. */
static bool qm_find(struct dispatch *dp, struct ike_msg *m)
{
	struct ike_sa *sa = dp->sa;

	if (!sa)
		return false;
	if (sa->state != IKE_SA_ESTABLISHED || !(m->hdr.flags & ISAKMP_FLAG_ENC)) {
		ike_sa_log(sa, LOG_LVL_INFO, "dropped a Quick Mode message before phase 1 is up");
		return false;
	}
	if (!natt_from_peer(sa, m)) {
		char from[64];

		sockaddr_str((const struct sockaddr *)&m->from, from, sizeof(from));
		ike_sa_log(sa, LOG_LVL_INFO,
			   "dropped a Quick Mode message from %s, which is not this SA's peer",
			   from);
		return false;
	}
	dp->q = quick_find(dp->d, sa, m->hdr.msgid);
	return true;
}

static struct exchange *qm_exchange(const struct dispatch *dp)
{
	return dp->q ? dp->q->x : NULL;
}

static struct xmit *qm_xmit(const struct dispatch *dp)
{
	return dp->q ? &dp->q->xmit : NULL;
}

/* The next message of a Quick Mode under way, or a peer's first message
 * of a new one: its IV from its message ID. */
static bool qm_row(struct dispatch *dp, struct ike_msg *m)
{
	struct quick *q = dp->q;

	if (q) {
		if (q->state != QUICK_NEGOTIATING || !q->x)
			return false;
		dp->s = exchange_row(quick_mode_steps, q->x->step);
		if (!dp->s || !dp->s->fn)
			return false;
		memcpy(dp->iv, q->x->iv, sizeof(dp->iv));
		return true;
	}
	dp->s = &quick_mode_steps[0];
	if (!m->hdr.msgid)
		qm_dropped(dp, m, "has message ID 0");
	else if (sa_phase2_iv(dp->sa, m->hdr.msgid, dp->iv))
		qm_dropped(dp, m, "cannot be decrypted (no IV could be derived)");
	else
		return true;
	return false;
}

/* Decrypts m (dp->iv follows), splits its payloads and checks them
 * against the row. */
static bool qm_open(struct dispatch *dp, struct ike_msg *m)
{
	char why[256], what[200];

	if (ike_decrypt(dp->sa, m->raw, m->len, dp->iv) ||
	    wire_parse_chain(m->hdr.next_payload, m->raw + ISAKMP_HDR_LEN, m->len - ISAKMP_HDR_LEN,
			     true, &m->pl)) {
		qm_dropped(dp, m, "does not decrypt to valid payloads");
		return false;
	}
	if (step_check(dp->s, dp->q ? dp->q->initiator : false, m, what, sizeof(what))) {
		snprintf(why, sizeof(why), "is not a valid %s: %s", dp->s->name, what);
		qm_dropped(dp, m, why);
		return false;
	}
	return true;
}

static bool qm_verify(struct dispatch *dp, struct ike_msg *m)
{
	char why[256];

	if (qm_hash_ok(dp->sa, dp->q, (unsigned)(dp->s - quick_mode_steps), m))
		return true;
	snprintf(why, sizeof(why), "has a HASH that does not verify (%s)", dp->s->name);
	qm_dropped(dp, m, why);
	return false;
}

/* A peer's first message has proved it comes from the holder of the SA's
 * keys: only now is its state made. */
static bool qm_accept(struct dispatch *dp, struct ike_msg *m)
{
	struct ike_sa *sa = dp->sa;

	if (dp->q)
		return true;
	if (msgid_used(&sa->msgids, m->hdr.msgid)) {
		sa->replays++;
		ike_sa_log(sa, LOG_LVL_WARN,
			   "Quick Mode %08x: dropped a replayed message 1 (its message ID was "
			   "used before under this ISAKMP SA)",
			   m->hdr.msgid);
		return false;
	}
	if (!ra_quick_allowed(sa)) /* XAUTH first (it said so) */
		return false;
	if (!quick_room(sa) || quick_use_msgid(sa, m->hdr.msgid))
		return false;
	dp->q = quick_new(sa, m->hdr.msgid, false);
	return dp->q != NULL;
}

static void *qm_state(const struct dispatch *dp)
{
	return dp->q;
}

static bool qm_going_on(const struct dispatch *dp)
{
	return dp->q->state == QUICK_NEGOTIATING && dp->q->x;
}

static int qm_send(void *state, const struct send_spec *spec)
{
	/* our inbound SA is in before the peer may send on it (rekey.h) */
	struct quick *q = state;
	int err = spec == &send_qm2 || spec == &send_qm3 ? child_install_inbound(q) : 0;

	/* Not fatal here: the whole install after the exchange fails too,
	 * says why once, and tells the peer with a Delete (as with no
	 * early install); failing now would leave the peer's half waiting. */
	if (err)
		ike_sa_log(q->sa, LOG_LVL_DEBUG,
			   "Quick Mode %08x: the early install of the inbound SA failed: %s",
			   q->msgid, xfrm_strerror(err));
	return quick_build_send(q, spec);
}

static void qm_failed(struct dispatch *dp, const struct ike_msg *m, struct step_result r)
{
	if (dp->unsent && dp->q->state == QUICK_NEGOTIATING)
		quick_fail(dp->q, "cannot send %s: %s", dp->unsent->name, strerror(-r.sys));
	else if (dp->q->state == QUICK_NEGOTIATING)
		quick_fail(dp->q, "%s failed: %s", dp->s->name,
			   r.notify ? wire_notify_name(r.notify) : strerror(-r.sys));
}

const struct exchange_type quick_mode_type = {
	.xchg = ISAKMP_XCHG_QUICK,
	.steps = quick_mode_steps,
	.start = quick_mode_start,
	.sends_first = &send_qm1,
	.find = qm_find,
	.exchange = qm_exchange,
	.xmit = qm_xmit,
	.row = qm_row,
	.open = qm_open,
	.verify = qm_verify,
	.accept = qm_accept,
	.state = qm_state,
	.going_on = qm_going_on,
	.send = qm_send,
	.done = quick_mode_done,
	.failed = qm_failed,
};
