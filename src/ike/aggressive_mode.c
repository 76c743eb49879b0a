/* Aggressive Mode with pre-shared keys (RFC 2409 5.4): three messages,
 * the identities in the clear.
 *
 *   AM1 I->R  SA, KE, Ni, IDii
 *   AM2 R->I  SA, KE, Nr, IDir, AUTH (HASH_R)
 *   AM3 I->R  AUTH (HASH_I: encrypted by most peers, in the clear by some)
 *
 * HASH_R travels before the initiator has proved anything, so anyone who
 * starts an exchange gets a hash of the key to guess at offline (RFC 9395):
 * a responder takes it only for a connection that says aggressive=yes, and
 * both sides warn. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/dh.h"
#include "ike/aggressive_mode.h"
#include "ike/ra.h"
#include "ike/auth.h"
#include "ike/dispatch.h"
#include "ike/id.h"
#include "ike/informational.h"
#include "ike/phase1.h"
#include "util/log.h"
#include "wire/payload.h"

#define AM_WARNING                                                                                 \
	"Aggressive Mode with a pre-shared key exposes a hash of the key to offline guessing "     \
	"(RFC 9395)"

/* The warning of a method that exposes something in Aggressive Mode. */
static void am_warn(const struct ike_sa *sa, const struct conn *c)
{
	const struct auth_method *a = auth_method_for(ra_wire_auth(c));

	if (a && a->am_exposes_key)
		ike_sa_log(sa, LOG_LVL_WARN, "%s", AM_WARNING);
}

/* AM1 goes out once our key pair is made. */
struct step_result aggressive_mode_start(void *state, struct ike_msg *none)
{
	struct ike_sa *sa = state;
	int err;

	if (!phase1_dh_done(sa, &sa->x->dhj, &sa->x->gxi))
		return STEP_GO_ON;
	ike_sa_log(sa, LOG_LVL_INFO, "initiating Aggressive Mode to %s", sa->conn->name);
	sa->x->step = 1;
	err = phase1_build_send(sa, aggressive_mode_type.sends_first);
	if (err)
		ike_sa_fail(sa, "cannot build Aggressive Mode message 1: %s", strerror(-err));
	return step_sys(err);
}

int aggressive_mode_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg)
{
	/* The IDs travel first: both sides look the key up by them. */
	struct ike_sa *sa = phase1_initiator(
		d, c, c->remote.id.type != CONF_ID_ANY ? &c->remote.id : NULL, fn, arg);
	struct p1_offer first = {0};
	int err;

	if (!sa)
		return 0;
	am_warn(sa, c);
	/* The KE goes out before any choice: conf allows one group here. */
	first.encr = c->ike.p[0].encr;
	first.hash = c->ike.p[0].integ;
	first.group = c->ike.p[0].dh;
	first.auth = ra_wire_auth(c); /* AM2's AUTH slot is checked by it */
	phase1_take_offer(sa, &first);
	err = exchange_make_nonce(&sa->x->ni);
	if (!err)
		err = phase1_dh(sa, NULL);
	if (err)
		ike_sa_fail(sa, "cannot start Aggressive Mode: %s", strerror(-err));
	return 0;
}

/* The connection for an AM1: between these gateways, allowing Aggressive
 * Mode, for the ID the peer sent.  NULL: *notify says why to the peer, a
 * connection for the ID with aggressive=no refuses the exchange, none for
 * the ID refuses the ID, as Libreswan's aggr_inI1_outR1 does (strongSwan
 * says AUTHENTICATION_FAILED for both, which reads as a key problem before
 * any key was used). */
static const struct conn *am_conn_for(struct ike_daemon *d, const struct ike_msg *m,
				      const struct wire_id *id, int *notify, char *why,
				      size_t whylen)
{
	const struct conn *c = NULL, *refused = NULL;
	char got[128];

	while ((c = conn_next_for_peer_id(d, (const struct sockaddr *)&m->local,
					  (const struct sockaddr *)&m->from, id, c))) {
		if (c->aggressive)
			return c;
		refused = c;
	}
	id_phase1_str(id, got, sizeof(got));
	*notify = refused ? ISAKMP_N_INVALID_EXCHANGE_TYPE : ISAKMP_N_INVALID_ID_INFORMATION;
	if (refused)
		snprintf(why, whylen,
			 "peer %s proposes Aggressive Mode, which connection %s does not allow "
			 "(aggressive=no)",
			 got, refused->name);
	else
		snprintf(why, whylen, "no connection for peer ID %s allows Aggressive Mode", got);
	return NULL;
}

/* After AM1's job: the keys, for AM2 (the choice, our KE, nonce, ID,
 * HASH_R). */
static struct step_result am_respond_done(void *state, struct ike_msg *none)
{
	struct ike_sa *sa = state;

	if (phase1_dh_done(sa, &sa->x->dhj, &sa->x->gxr))
		phase1_derive_keys(sa); /* or it failed the SA, saying why */
	return STEP_GO_ON;
}

/* AM1 at the responder: the connection by the peer's ID, a transform,
 * the peer's KE; the keys and AM2 follow. */
static struct step_result am_respond(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	const struct wire_payload *sap = wire_find(&m->pl, ISAKMP_PL_SA);
	const struct wire_payload *idp = wire_find(&m->pl, ISAKMP_PL_ID);
	struct conf_id peer_id = {0};
	char why[P1_WHY_LEN] = "";
	const struct conn *c;
	struct p1_offer o;
	struct wire_id id;
	int notify, err;

	notify = wire_parse_id(idp->body, &id);
	if (notify) {
		ike_sa_fail(sa, "peer's ID payload is malformed");
		return step_notify(notify);
	}
	c = am_conn_for(sa->d, m, &id, &notify, why, sizeof(why));
	if (!c) {
		ike_sa_fail(sa, "%s", why);
		return step_notify(notify);
	}
	if (ike_sa_set_conn(sa, c))
		return step_sys(-ENOMEM);
	am_warn(sa, c);
	sa->x->propnum = 1;
	notify = p1_choose(c, sap->body, &o, &sa->x->echo, &sa->x->propnum, why, sizeof(why), NULL);
	if (notify) {
		ike_sa_fail(sa, "%s", why);
		return step_notify(notify);
	}
	phase1_take_offer(sa, &o);
	vendor_note(m, &sa->peer_vendor);
	peer_id.type = id.type;
	peer_id.len = (uint8_t)(id.data.len < sizeof(peer_id.data) ? id.data.len : 255);
	memcpy(peer_id.data, id.data.p, peer_id.len);
	err = auth_find_key(sa, &peer_id); /* it fails the SA itself */
	if (!err && (phase1_body_copy(&sa->x->sai_b, sap) || phase1_body_copy(&sa->x->idii_b, idp)))
		err = -ENOMEM;
	if (err)
		return step_sys(err);
	return phase1_respond_ke(sa, m);
}

/* After AM2's job: the keys; if HASH_R verifies, AM3 answers and it is
 * established. */
static struct step_result am_initiator_done(void *state, struct ike_msg *none)
{
	struct ike_sa *sa = state;
	struct step_result r;

	if (!phase1_dh_done(sa, &sa->x->dhj, &sa->x->gxi) || phase1_derive_keys(sa))
		return STEP_GO_ON; /* it failed the SA, saying why */
	r = auth_verify(sa, sa->x->peer_hash, sa->x->peer_hash_len);
	if (step_failed(r))
		phase1_refuse_answer(sa, r);
	else
		initial_contact_note_peer_id(sa);
	return r;
}

/* AM2 at the initiator: the choice, the responder's ID, its KE; the keys
 * and the check of HASH_R follow. */
static struct step_result am_initiator_take(struct ike_sa *sa, struct ike_msg *m)
{
	const struct wire_payload *sap = wire_find(&m->pl, ISAKMP_PL_SA);
	const struct wire_payload *hp = auth_proof(sa, m);
	char why[P1_WHY_LEN] = "";
	struct step_result r;
	struct p1_offer o;
	int notify;

	notify = p1_accept(sa->conn, sap->body, &o, why, sizeof(why));
	if (!notify && o.group != sa->group)
		notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
	if (notify) {
		ike_sa_fail(sa, "%s",
			    o.group != sa->group ? "peer chose another DH group than our KE's"
						 : why);
		return step_notify(notify);
	}
	phase1_take_offer(sa, &o);
	vendor_note(m, &sa->peer_vendor);
	r = phase1_take_ke(sa, m, &sa->x->gxr, &sa->x->nr);
	if (!step_failed(r))
		r = phase1_take_id(sa, m);
	if (!step_failed(r))
		r = auth_keep(sa, m);
	if (step_failed(r))
		return r;
	natt_detect(sa, m); /* AM3 goes to port 4500 behind a NAT */
	/* The proof waits for the keys; a signature will need more room. */
	if (hp->body.len > sizeof(sa->x->peer_hash)) {
		ike_sa_fail(sa, "peer's %s is %zu bytes", wire_payload_name(hp->type),
			    hp->body.len);
		return step_notify(ISAKMP_N_INVALID_HASH_INFORMATION);
	}
	memcpy(sa->x->peer_hash, hp->body.p, hp->body.len);
	sa->x->peer_hash_len = hp->body.len;
	return step_sys(phase1_dh(sa, &sa->x->gxr));
}

/* The responder waits for AM3: a refusal of AM2 is told (strongSwan
 * process_i does so for each of these checks). */
static struct step_result am_initiator_finish(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	struct step_result r = am_initiator_take(sa, m);

	if (step_failed(r))
		phase1_refuse_answer(sa, r);
	return r;
}

/* AM3 at the responder: HASH_I; then it is established. */
static struct step_result am_respond_finish(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	const struct wire_payload *hp = auth_proof(sa, m);
	struct step_result r = auth_keep(sa, m);

	if (!step_failed(r))
		r = auth_verify(sa, hp->body.p, hp->body.len);
	if (!step_failed(r)) {
		natt_detect(sa, m);
		info_note_notifies(sa, m);
	}
	return r;
}

#define AM_MAY (PL(ISAKMP_PL_VID) | PL(ISAKMP_PL_NAT_D) | PL(ISAKMP_PL_NAT_D_DRAFT))
#define AM_KE  (PL(ISAKMP_PL_SA) | PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE) | PL(ISAKMP_PL_ID))

const struct step aggressive_mode_steps[] = {
	{false, AM_KE, AM_MAY | PL(ISAKMP_PL_CR), STEP_CLEAR, "AM1", am_respond, am_respond_done,
	 &send_am2},
	{true, AM_KE | AUTH_SLOT, AM_MAY | PL(ISAKMP_PL_N), STEP_CLEAR, "AM2", am_initiator_finish,
	 am_initiator_done, &send_am3},
	{false, AUTH_SLOT, AM_MAY | PL(ISAKMP_PL_N), STEP_EITHER, "AM3", am_respond_finish, NULL,
	 NULL},
	{0},
};
