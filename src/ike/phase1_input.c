/* Main Mode and Aggressive Mode as exchange types (dispatch.h): how their
 * messages find their ISAKMP SA, open, and fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/aggressive_mode.h"
#include "ike/auth.h"
#include "ike/dispatch.h"
#include "ike/informational.h"
#include "ike/phase1.h"
#include "net/sockaddr.h"
#include "util/log.h"
#include "wire/payload.h"

static const uint8_t zero_cookie[8];

static bool phase1_find_sa(struct dispatch *dp, struct ike_msg *m)
{
	if (!dp->sa)
		dp->sa = phase1_find(dp->d, m);
	if (!dp->sa)
		return false;
	/* Only the peer speaks in its exchange (a NAT-T port change is
	 * taken once the message decrypts: natt_follow). */
	if (!natt_from_peer(dp->sa, m)) {
		ike_sa_log(dp->sa, LOG_LVL_DEBUG,
			   "dropped a message from another address than the peer's");
		return false;
	}
	return true;
}

static struct exchange *phase1_exchange(const struct dispatch *dp)
{
	return dp->sa->x;
}

static struct xmit *phase1_xmit(const struct dispatch *dp)
{
	return &dp->sa->xmit;
}

static bool phase1_row(struct dispatch *dp, struct ike_msg *m)
{
	struct ike_sa *sa = dp->sa;

	if (sa->state != IKE_SA_NEGOTIATING || !sa->x || sa->exchange != dp->t->xchg)
		return false;
	dp->s = exchange_row(dp->t->steps, sa->x->step);
	if (!dp->s || !dp->s->fn)
		return false;
	memcpy(dp->iv, sa->x->iv, sizeof(dp->iv));
	return true;
}

/* A message of the exchange that did not decrypt to valid payloads: a
 * peer with another key, or garbage.  Dropped and counted; the exchange
 * goes on and, if it times out, says the keys probably differ. */
static void phase1_undecryptable(struct ike_daemon *d, struct ike_sa *sa, const struct step *s,
				 const struct ike_msg *m)
{
	d->dropped_undecryptable++;
	if (!sa->enc_key_len) {
		ike_sa_log(sa, LOG_LVL_WARN, "%s arrived encrypted before there are keys: dropped",
			   s->name);
		return;
	}
	/* In the clear: with other keys the peer could not read it. */
	if (!sa->initiator)
		info_send_plain_notify(d, m, ISAKMP_N_AUTHENTICATION_FAILED);
	ike_sa_likely(sa,
		      "%s does not decrypt to valid payloads: the pre-shared keys probably differ",
		      s->name);
}

/* Decrypts (with the other connections' keys too, for MM5) and parses m,
 * and checks it against its step.  True, or it was dropped and said why. */
static bool phase1_open(struct dispatch *dp, struct ike_msg *m)
{
	struct ike_sa *sa = dp->sa;
	const struct step *s = dp->s;
	bool encrypted = m->hdr.flags & ISAKMP_FLAG_ENC;
	uint8_t *cipher = NULL;
	char why[256];
	int err = 0; /* a notify code */

	if (sa->initiator && !memcmp(m->hdr.rcookie, zero_cookie, 8)) {
		ike_sa_log(sa, LOG_LVL_WARN, "%s dropped: it has no responder cookie", s->name);
		return false;
	}
	if (encrypted && !sa->initiator) {
		cipher = malloc(m->len);
		if (!cipher) {
			ike_sa_log(sa, LOG_LVL_WARN, "%s dropped: out of memory", s->name);
			return false;
		}
		memcpy(cipher, m->raw + ISAKMP_HDR_LEN, m->len - ISAKMP_HDR_LEN);
	}
	if (encrypted && ike_decrypt(sa, m->raw, m->len, dp->iv))
		err = ISAKMP_N_PAYLOAD_MALFORMED;
	if (!err)
		err = wire_parse_chain(m->hdr.next_payload, m->raw + ISAKMP_HDR_LEN,
				       m->len - ISAKMP_HDR_LEN, encrypted, &m->pl);
	if (err && cipher && phase1_try_other_keys(sa, m, cipher, dp->iv))
		err = 0;
	free(cipher);
	if (err && encrypted) {
		phase1_undecryptable(dp->d, sa, s, m);
		return false;
	}
	if (!err)
		err = step_check_auth(s, auth_of(sa), sa->initiator, m, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "malformed (%s)", wire_notify_name((uint16_t)err));
	if (err)
		ike_sa_log(sa, LOG_LVL_WARN, "%s dropped: %s", s->name, why);
	return !err;
}

/* The responder's cookie, from its first well-formed answer only. */
static bool phase1_accept(struct dispatch *dp, struct ike_msg *m)
{
	if (dp->sa->initiator && !memcmp(dp->sa->rcookie, zero_cookie, 8))
		memcpy(dp->sa->rcookie, m->hdr.rcookie, 8);
	return true;
}

static void *phase1_state(const struct dispatch *dp)
{
	return dp->sa;
}

static bool phase1_going_on(const struct dispatch *dp)
{
	return dp->sa->state == IKE_SA_NEGOTIATING && dp->sa->x;
}

static int phase1_send_spec(void *state, const struct send_spec *spec)
{
	return phase1_build_send(state, spec);
}

/* Our last row is through: the phase-2 IVs start from the last block of
 * this exchange's chain. */
static void phase1_done(void *state)
{
	struct ike_sa *sa = state;

	timer_cancel(sa->d->loop, &sa->xmit.timer);
	memcpy(sa->p1_last_block, sa->x->iv, sa->block);
	ike_sa_established(sa);
}

/* A responder refuses the initiator's message.  An encrypted one (MM5)
 * is answered under the keys, the notify and a Delete, as strongSwan and
 * Libreswan do: they ignore an unprotected Informational once they have
 * keys.  The IV base is the last block of that message. */
static void phase1_refuse_initiator(struct dispatch *dp, const struct ike_msg *m, uint16_t type)
{
	struct ike_sa *sa = dp->sa;

	if ((m->hdr.flags & ISAKMP_FLAG_ENC) && sa->x && sa->enc_key_len &&
	    !info_send_refusal(sa, type)) {
		ike_sa_log(sa, LOG_LVL_INFO, "told the peer %s and deleted the ISAKMP SA",
			   wire_notify_name(type));
		return;
	}
	info_send_plain_notify(dp->d, m, type);
}

static void phase1_failed(struct dispatch *dp, const struct ike_msg *m, struct step_result r)
{
	struct ike_sa *sa = dp->sa;

	if (dp->unsent) {
		ike_sa_fail(sa, "cannot send %s: %s", dp->unsent->name, strerror(-r.sys));
		return;
	}

	if (m && r.notify && !sa->initiator)
		phase1_refuse_initiator(dp, m,
					r.notify == ISAKMP_N_INVALID_HASH_INFORMATION
						? ISAKMP_N_AUTHENTICATION_FAILED
						: r.notify);
	if (step_failed(r) && sa->state == IKE_SA_NEGOTIATING)
		ike_sa_fail(sa, "%s failed: %s", dp->s->name,
			    r.notify ? wire_notify_name(r.notify) : strerror(-r.sys));
}

#define PHASE1_HOOKS                                                                               \
	.find = phase1_find_sa, .exchange = phase1_exchange, .xmit = phase1_xmit,                  \
	.row = phase1_row, .open = phase1_open, .accept = phase1_accept, .state = phase1_state,    \
	.going_on = phase1_going_on, .send = phase1_send_spec, .done = phase1_done,                \
	.failed = phase1_failed

const struct exchange_type main_mode_type = {
	.xchg = ISAKMP_XCHG_ID_PROT,
	.steps = main_mode_steps,
	.sends_first = &send_mm1,
	PHASE1_HOOKS,
};

const struct exchange_type aggressive_mode_type = {
	.xchg = ISAKMP_XCHG_AGGRESSIVE,
	.steps = aggressive_mode_steps,
	.start = aggressive_mode_start,
	.sends_first = &send_am1,
	PHASE1_HOOKS,
};
