/* Main Mode, identity protection (RFC 2409 5.1 and 5.4), with pre-shared
 * keys.  Six messages; each received one is a row of main_mode_steps:
 *
 *   MM1 I->R  SA                 MM2 R->I  SA
 *   MM3 I->R  KE, Ni             MM4 R->I  KE, Nr
 *   MM5 I->R  *(IDii, HASH_I)    MM6 R->I  *(IDir, HASH_R)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/dh.h"
#include "crypto/keying.h"
#include "crypto/rand.h"
#include "ike/exchange.h"
#include "ike/halfopen.h"
#include "ike/id.h"
#include "ike/ike.h"
#include "ike/informational.h"
#include "ike/main_mode.h"
#include "ike/phase1.h"
#include "ike/proposal.h"
#include "ike/tap.h"
#include "util/log.h"
#include "wire/payload.h"

/* MM5 / MM6: our ID and HASH, encrypted. */
static int mm_send_id(struct ike_sa *sa, bool retransmit)
{
	struct buf *id_b = sa->initiator ? &sa->idii_b : &sa->idir_b;
	uint8_t hash[IKE_MAX_MD];
	struct wire_builder w;
	struct isakmp_hdr h;
	struct buf msg;
	size_t off, len;
	int err;

	buf_init(&msg);
	phase1_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	err = id_add_phase1(&w, &sa->conn.local.id, &off, &len);
	if (err)
		goto out;
	buf_reset(id_b);
	if (!buf_append(id_b, msg.data + off, len)) {
		err = -ENOMEM;
		goto out;
	}
	err = phase1_hash(sa, sa->initiator, id_b, hash);
	if (!err)
		err = wire_add_raw(&w, ISAKMP_PL_HASH, hash, sa->prf_len);
	if (!err && sa->initiator)
		err = info_add_initial_contact(&w, sa);
	if (!err)
		err = wire_build_finish(&w);
	if (!err)
		err = phase1_send(sa, &msg, true, retransmit);
out:
	buf_free(&msg);
	return err;
}

int main_mode_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg)
{
	struct ike_sa *sa = phase1_initiator(d, c, NULL, fn, arg);
	struct wire_builder w;
	struct isakmp_hdr h;
	struct buf msg;
	int err;

	if (!sa)
		return 0;
	buf_init(&msg);
	phase1_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	err = phase1_add_our_sa(sa, &w);
	if (!err)
		err = wire_build_finish(&w);
	if (err) {
		buf_free(&msg);
		ike_sa_fail(sa, "cannot build Main Mode message 1: %s", strerror(-err));
		return 0;
	}
	ike_sa_log(sa, LOG_LVL_INFO, "initiating Main Mode to %s", sa->conn.name);
	sa->step = 1;
	phase1_send(sa, &msg, false, true);
	return 0;
}

/* Several connections may join the same two gateways: the first whose
 * configured ike= accepts the offer takes the SA, then the first whose
 * defaults do (lists without '!').  A refusal is explained with the
 * connection that came closest. */
static int mm_pick_conn(struct ike_sa *sa, struct cursor sa_body, struct p1_offer *o,
			struct wire_transform_spec *echo, uint8_t *propnum)
{
	char why[sizeof(sa->why)];
	unsigned ndiff = 0, best = ~0u, pass;
	const struct conn *c;
	int err;

	/* sa->why is written only on failure: status shows it as the reason. */
	for (pass = 0; pass < 2; pass++) {
		for (c = NULL; (c = conn_next_for_peer(sa->d, &sa->local, &sa->remote, c));) {
			struct conn only = *c;

			if (pass == 0)
				only.ike.n = only.ike.configured;
			err = p1_choose(&only, sa_body, o, echo, propnum, why, sizeof(why), &ndiff);
			if (!err) {
				sa->conn = *c;
				return 0;
			}
			if (err != ISAKMP_N_NO_PROPOSAL_CHOSEN) {
				memcpy(sa->why, why, sizeof(why));
				return err;
			}
			if (pass == 1 && ndiff < best) {
				best = ndiff;
				memcpy(sa->why, why, sizeof(why));
			}
		}
	}
	if (best == ~0u)
		snprintf(sa->why, sizeof(sa->why), "no connection for this peer any more");
	return ISAKMP_N_NO_PROPOSAL_CHOSEN;
}

/* MM1 at the responder: choose a transform, answer MM2. */
static int mm_respond_sa(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	const struct wire_payload *sap = wire_find(&m->pl, ISAKMP_PL_SA);
	struct wire_transform_spec echo;
	struct p1_offer o;
	struct wire_builder w;
	struct isakmp_hdr h;
	struct buf msg;
	uint8_t propnum = 1;
	int err;

	err = mm_pick_conn(sa, sap->body, &o, &echo, &propnum);
	if (err) {
		ike_sa_fail(sa, "%s", sa->why);
		return err;
	}
	phase1_take_offer(sa, &o);
	if (phase1_body_copy(&sa->sai_b, sap) || phase1_find_psk(sa, NULL))
		return -ENOMEM;
	buf_init(&msg);
	phase1_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	err = p1_add_chosen(&w, propnum, &echo);
	if (!err)
		err = wire_build_finish(&w);
	if (!err)
		err = phase1_send(sa, &msg, false, false);
	buf_free(&msg);
	return err;
}

static int mm_send_ke(struct ike_sa *sa, bool retransmit)
{
	struct buf *gx = sa->initiator ? &sa->gxi : &sa->gxr;
	struct buf *nonce = sa->initiator ? &sa->ni : &sa->nr;
	struct wire_builder w;
	struct isakmp_hdr h;
	struct buf msg;
	int err;

	buf_init(&msg);
	phase1_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	err = wire_add_raw(&w, ISAKMP_PL_KE, gx->data, gx->len);
	if (!err)
		err = wire_add_raw(&w, ISAKMP_PL_NONCE, nonce->data, nonce->len);
	if (!err)
		err = wire_build_finish(&w);
	if (!err)
		err = phase1_send(sa, &msg, false, retransmit);
	buf_free(&msg);
	return err;
}

static void mm_initiator_ke_ready(struct dh_job *j)
{
	struct ike_sa *sa = container_of(j, struct ike_sa, dhj);

	if (phase1_dh_done(sa, j, &sa->gxi))
		mm_send_ke(sa, true);
}

/* MM2 at the initiator: the responder's choice; our KE and nonce go out
 * once the key pair is made. */
static int mm_initiator_ke(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	const struct wire_payload *sap = wire_find(&m->pl, ISAKMP_PL_SA);
	struct p1_offer o;
	int err;

	err = p1_accept(&sa->conn, sap->body, &o, sa->why, sizeof(sa->why));
	if (err) {
		ike_sa_fail(sa, "%s", sa->why);
		return err;
	}
	phase1_take_offer(sa, &o);
	err = phase1_make_nonce(&sa->ni);
	if (!err)
		err = phase1_dh(sa, NULL, mm_initiator_ke_ready);
	return err;
}

static void mm_respond_ke_ready(struct dh_job *j)
{
	struct ike_sa *sa = container_of(j, struct ike_sa, dhj);

	if (phase1_dh_done(sa, j, &sa->gxr) && !phase1_derive_keys(sa))
		mm_send_ke(sa, false);
}

/* MM3 at the responder: its KE and nonce; ours and the keys follow. */
static int mm_respond_ke(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	int err;

	err = phase1_take_ke(sa, m, &sa->gxi, &sa->ni);
	if (!err)
		halfopen_answered(sa);
	if (!err)
		err = phase1_make_nonce(&sa->nr);
	if (!err)
		err = phase1_dh(sa, &sa->gxi, mm_respond_ke_ready);
	return err;
}

static void mm_initiator_id_ready(struct dh_job *j)
{
	struct ike_sa *sa = container_of(j, struct ike_sa, dhj);

	if (phase1_dh_done(sa, j, &sa->gxi) && !phase1_derive_keys(sa))
		mm_send_id(sa, true);
}

/* MM4 at the initiator: the keys, then our ID and HASH_I. */
static int mm_initiator_id(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	int err;

	err = phase1_take_ke(sa, m, &sa->gxr, &sa->nr);
	if (!err)
		err = phase1_dh(sa, &sa->gxr, mm_initiator_id_ready);
	return err;
}

/* MM5 at the responder: verify the initiator, answer MM6; established. */
static int mm_respond_id(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	int err;

	err = phase1_check_id(sa, m);
	if (err)
		return err;
	phase1_forget_secret(sa);
	info_note_notifies(sa, m);
	err = mm_send_id(sa, false);
	if (err)
		return err;
	memcpy(sa->p1_last_block, sa->iv, sa->block);
	ike_sa_established(sa);
	return 0;
}

/* MM6 at the initiator: verify the responder; established. */
static int mm_initiator_done(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	int err;

	err = phase1_check_id(sa, m);
	if (err)
		return err;
	info_note_notifies(sa, m);
	timer_cancel(sa->d->loop, &sa->xmit.timer);
	memcpy(sa->p1_last_block, sa->iv, sa->block);
	ike_sa_established(sa);
	return 0;
}

#define MM_MAY	  (PL(ISAKMP_PL_VID) | PL(ISAKMP_PL_NAT_D) | PL(ISAKMP_PL_NAT_D_DRAFT))
#define MM_ID_MAY (PL(ISAKMP_PL_N) | PL(ISAKMP_PL_VID) | PL(ISAKMP_PL_CERT) | PL(ISAKMP_PL_CR))

const struct step main_mode_steps[] = {
	{false, PL(ISAKMP_PL_SA), MM_MAY, false, "MM1", mm_respond_sa},
	{true, PL(ISAKMP_PL_SA), MM_MAY, false, "MM2", mm_initiator_ke},
	{false, PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE), MM_MAY | PL(ISAKMP_PL_CR), false, "MM3",
	 mm_respond_ke},
	{true, PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE), MM_MAY | PL(ISAKMP_PL_CR), false, "MM4",
	 mm_initiator_id},
	{false, PL(ISAKMP_PL_ID) | PL(ISAKMP_PL_HASH), MM_ID_MAY, true, "MM5", mm_respond_id},
	{true, PL(ISAKMP_PL_ID) | PL(ISAKMP_PL_HASH), MM_ID_MAY, true, "MM6", mm_initiator_done},
};
const unsigned main_mode_nsteps = sizeof(main_mode_steps) / sizeof(main_mode_steps[0]);
