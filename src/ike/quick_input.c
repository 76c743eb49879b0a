/* The way of a received Quick Mode message to its state.  Nothing is kept
 * for a message until it came from the ISAKMP SA's peer (address and
 * port), decrypted, parsed, fitted its step and its HASH verified: anyone
 * without the SA's keys can make no state and change none. */
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/keying.h"
#include "ike/informational.h"
#include "ike/quick.h"
#include "ike/tap.h"
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

/* The HASH of message step+1: HASH(1) needs no state, HASH(2) our Ni,
 * HASH(3) both nonces. */
static bool qm_hash_ok(struct ike_sa *sa, const struct quick *q, unsigned step,
		       const struct ike_msg *m)
{
	if (step == 0)
		return hashed_verify(sa, m, m->hdr.msgid, NULL);
	if (step == 1)
		return hashed_verify(sa, m, m->hdr.msgid, &q->x->ni);
	return qm_hash3_ok(sa, q, m);
}

/* Decrypts m (iv is updated), splits its payloads and checks them against
 * the step and its HASH.  True when the message may be acted on; false
 * with why filled in (a sentence's end: "does not decrypt"). */
static bool qm_open(struct ike_sa *sa, const struct quick *q, unsigned step, bool initiator,
		    struct ike_msg *m, uint8_t *iv, char *why, size_t whylen)
{
	const struct step *s = &quick_mode_steps[step];
	char what[200];

	snprintf(why, whylen, "does not decrypt to valid payloads");
	if (ike_decrypt(sa, m->raw, m->len, iv) ||
	    wire_parse_chain(m->hdr.next_payload, m->raw + ISAKMP_HDR_LEN, m->len - ISAKMP_HDR_LEN,
			     true, &m->pl))
		return false;
	if (step_check(s, initiator, m, what, sizeof(what))) {
		snprintf(why, whylen, "is not a valid %s: %s", s->name, what);
		return false;
	}
	if (!qm_hash_ok(sa, q, step, m)) {
		snprintf(why, whylen, "has a HASH that does not verify (%s)", s->name);
		return false;
	}
	return true;
}

/* Why a handler's step failed, when it did not say so itself. */
static const char *quick_err_str(struct step_result r)
{
	return r.notify ? wire_notify_name(r.notify) : strerror(-r.sys);
}

/* A peer's first message of a new Quick Mode: the state is made only once
 * the message has proved it comes from the holder of the SA's keys. */
static void quick_first(struct ike_daemon *d, struct ike_sa *sa, struct ike_msg *m)
{
	struct xmit ciphertext = {0}; /* its digest, to know its copies later */
	uint8_t iv[IKE_MAX_BLOCK];
	char why[256] = "";
	struct quick *q;
	bool ok = false;
	struct step_result r;

	xmit_seen(&ciphertext, m->raw, m->len);
	if (!m->hdr.msgid)
		snprintf(why, sizeof(why), "has message ID 0");
	else if (sa_phase2_iv(sa, m->hdr.msgid, iv))
		snprintf(why, sizeof(why), "cannot be decrypted (no IV could be derived)");
	else
		ok = qm_open(sa, NULL, 0, false, m, iv, why, sizeof(why));
	if (!ok) {
		ike_sa_log(sa, LOG_LVL_INFO,
			   "Quick Mode %08x: dropped a first message that %s (no state kept)",
			   m->hdr.msgid, why);
		return;
	}
	if (msgid_used(&sa->msgids, m->hdr.msgid)) {
		sa->replays++;
		ike_sa_log(sa, LOG_LVL_WARN,
			   "Quick Mode %08x: dropped a replayed message 1 (its message ID was "
			   "used before under this ISAKMP SA)",
			   m->hdr.msgid);
		return;
	}
	if (!quick_room(sa) || quick_use_msgid(sa, m->hdr.msgid))
		return;
	q = quick_new(sa, m->hdr.msgid, false);
	if (!q)
		return;
	memcpy(q->x->iv, iv, sa->block);
	memcpy(q->xmit.last_recv_digest, ciphertext.last_recv_digest,
	       sizeof(q->xmit.last_recv_digest));
	q->xmit.have_last_recv = true;
	q->x->step = 2;
	tap_received(d, m);
	r = quick_mode_steps[0].fn(q, m);
	if (step_failed(r) && q->state == QUICK_NEGOTIATING)
		quick_fail(q, "QM1 failed: %s", quick_err_str(r));
}

/* xmit_seen remembers every message; only one that was accepted may be
 * the one whose copies we answer, so the record of any other is undone. */
static void quick_unsee(struct quick *q, const uint8_t *digest, bool had)
{
	memcpy(q->xmit.last_recv_digest, digest, sizeof(q->xmit.last_recv_digest));
	q->xmit.have_last_recv = had;
}

/* The next message of a Quick Mode under way, or a copy of the last one
 * (answered with our last message again). */
static void quick_next(struct ike_daemon *d, struct quick *q, struct ike_msg *m)
{
	struct ike_sa *sa = q->sa;
	uint8_t digest[sizeof(q->xmit.last_recv_digest)], iv[IKE_MAX_BLOCK];
	bool had = q->xmit.have_last_recv;
	const struct step *s;
	char why[256] = "";
	struct step_result r;

	if (q->x && q->x->dhj.job.pending)
		return; /* answered once the PFS job is done */
	memcpy(digest, q->xmit.last_recv_digest, sizeof(digest));
	if (xmit_seen(&q->xmit, m->raw, m->len)) {
		xmit_resend(sa, &q->xmit);
		return;
	}
	if (q->state != QUICK_NEGOTIATING || !q->x || q->x->step >= 3) {
		quick_unsee(q, digest, had);
		return;
	}
	s = &quick_mode_steps[q->x->step];
	memcpy(iv, q->x->iv, sa->block);
	if (!qm_open(sa, q, q->x->step, q->initiator, m, iv, why, sizeof(why))) {
		quick_unsee(q, digest, had);
		quick_log(q, LOG_LVL_WARN, "dropped a message that %s", why);
		return;
	}
	memcpy(q->x->iv, iv, sa->block);
	q->x->step += 2;
	tap_received(d, m);
	r = s->fn(q, m);
	if (step_failed(r) && q->state == QUICK_NEGOTIATING)
		quick_fail(q, "%s failed: %s", s->name, quick_err_str(r));
}

void quick_input(struct ike_daemon *d, struct ike_sa *sa, struct ike_msg *m)
{
	struct quick *q;

	if (sa->state != IKE_SA_ESTABLISHED || !(m->hdr.flags & ISAKMP_FLAG_ENC)) {
		ike_sa_log(sa, LOG_LVL_INFO, "dropped a Quick Mode message before phase 1 is up");
		return;
	}
	if (!sockaddr_equal((const struct sockaddr *)&m->from,
			    (const struct sockaddr *)&sa->ep.remote)) {
		char from[64];

		sockaddr_str((const struct sockaddr *)&m->from, from, sizeof(from));
		ike_sa_log(sa, LOG_LVL_INFO,
			   "dropped a Quick Mode message from %s, which is not this SA's peer",
			   from);
		return;
	}
	q = quick_find(d, sa, m->hdr.msgid);
	if (q)
		quick_next(d, q, m);
	else
		quick_first(d, sa, m);
}
