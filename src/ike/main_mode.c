/* Main Mode, identity protection (RFC 2409 5.1 and 5.4), with pre-shared
 * keys.  Six messages; each received one is a row of main_mode_steps:
 *
 *   MM1 I->R  SA                 MM2 R->I  SA
 *   MM3 I->R  KE, Ni             MM4 R->I  KE, Nr
 *   MM5 I->R  *(IDii, AUTH)      MM6 R->I  *(IDir, AUTH)
 *
 * AUTH is the slot of the SA's authentication method (auth.h): HASH_I and
 * HASH_R with a pre-shared key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/dh.h"
#include "crypto/keying.h"
#include "crypto/prf.h"
#include "crypto/rand.h"
#include "ike/auth.h"
#include "ike/dispatch.h"
#include "ike/exchange.h"
#include "ike/frag.h"
#include "ike/halfopen.h"
#include "ike/id.h"
#include "ike/ike.h"
#include "ike/informational.h"
#include "ike/main_mode.h"
#include "ike/phase1.h"
#include "ike/proposal.h"
#include "ike/tap.h"
#include "net/sockaddr.h"
#include "util/log.h"
#include "wire/payload.h"

int main_mode_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg)
{
	struct ike_sa *sa = phase1_initiator(d, c, NULL, fn, arg);
	int err;

	if (!sa)
		return 0;
	ike_sa_log(sa, LOG_LVL_INFO, "initiating Main Mode to %s", sa->conn->name);
	sa->x->step = 1;
	err = phase1_build_send(sa, main_mode_type.sends_first);
	if (err)
		ike_sa_fail(sa, "cannot build Main Mode message 1: %s", strerror(-err));
	return 0;
}

/* Several connections may join the same two gateways: the first whose
 * configured ike= accepts the offer takes the SA, then the first whose
 * defaults do (lists without '!').  A refusal is explained (why) with the
 * connection that came closest (*chosen). */
static int mm_choose(struct ike_daemon *d, const struct ike_msg *m, struct cursor sa_body,
		     struct p1_offer *o, struct wire_transform_spec *echo, uint8_t *propnum,
		     const struct conn **chosen, char *why, size_t whylen)
{
	char reason[512];
	unsigned ndiff = 0, best = ~0u, pass;
	const struct conn *c;
	int err;

	*chosen = NULL;
	snprintf(why, whylen, "no connection for this peer any more");
	for (pass = 0; pass < 2; pass++) {
		for (c = NULL; (c = conn_next_for_peer(d, (const struct sockaddr *)&m->local,
						       (const struct sockaddr *)&m->from, c));) {
			struct conn only = *c;

			if (pass == 0)
				only.ike.n = only.ike.configured;
			err = p1_choose(&only, sa_body, o, echo, propnum, reason, sizeof(reason),
					&ndiff);
			if (err != ISAKMP_N_NO_PROPOSAL_CHOSEN || (pass == 1 && ndiff < best)) {
				best = ndiff;
				*chosen = c;
				snprintf(why, whylen, "%s", reason);
			}
			if (err != ISAKMP_N_NO_PROPOSAL_CHOSEN)
				return err;
		}
	}
	return ISAKMP_N_NO_PROPOSAL_CHOSEN;
}

static void mm_digest(const struct ike_msg *m, uint8_t digest[20])
{
	struct iovec iov = {m->raw, m->len};

	if (crypto_hash("SHA1", &iov, 1, digest) < 0)
		memset(digest, 0, 20);
}

/* A copy of len bytes, allocated to its size. */
static uint8_t *mm_dup(const uint8_t *p, size_t len, size_t *out_len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d) {
		memcpy(d, p, len);
		*out_len = len;
	}
	return d;
}

/* A refused MM1 makes no state, but spoofed ones must not become a flood
 * of log lines: one explanation a second, and how many were not logged. */
static void mm_log_refusal(struct ike_daemon *d, const struct conn *c, const char *peer,
			   const char *why)
{
	uint64_t now = loop_now_ms();

	if (d->refused_warned_ms && now - d->refused_warned_ms < 1000) {
		d->refused_unlogged++;
		return;
	}
	d->refused_warned_ms = now;
	if (d->refused_unlogged)
		log_err("%s: Main Mode from %s refused: %s (%llu more not logged since the last)",
			c ? c->name : "-", peer, why, (unsigned long long)d->refused_unlogged);
	else
		log_err("%s: Main Mode from %s refused: %s", c ? c->name : "-", peer, why);
	d->refused_unlogged = 0;
}

/* MM2, whole or as fragments (frag.h). */
static void mm_send_mm2(struct mm_halfopen *h)
{
	frag_send_to(h->d, &h->ep, conf_conn(h->d->conf, h->conn), h->vendor.frag,
		     ISAKMP_XCHG_ID_PROT, h->mm2, h->mm2_len);
}

/* MM2 for a half-open state: the chosen transform, kept for copies of MM1. */
static int mm_send_sa(struct mm_halfopen *h, uint8_t propnum,
		      const struct wire_transform_spec *echo)
{
	struct p1_choice choice = {propnum, echo, &h->vendor};
	struct isakmp_hdr hdr = {0};
	struct buf msg;
	int err;

	memcpy(hdr.icookie, h->icookie, 8);
	memcpy(hdr.rcookie, h->rcookie, 8);
	hdr.version = ISAKMP_VERSION;
	hdr.exchange = ISAKMP_XCHG_ID_PROT;
	err = send_spec_build(&send_mm2, &choice, &hdr, 0, &msg, NULL);
	if (!err && !(h->mm2 = mm_dup(msg.data, msg.len, &h->mm2_len)))
		err = -ENOMEM;
	buf_free(&msg);
	if (err)
		return err;
	tap_sent(h->d, &h->ep.local.sa, &h->ep.remote.sa, h->mm2, h->mm2_len);
	mm_send_mm2(h);
	return 0;
}

int main_mode_respond(struct ike_daemon *d, struct ike_msg *m, bool named)
{
	const struct wire_payload *sap = wire_find(&m->pl, ISAKMP_PL_SA);
	struct wire_transform_spec echo;
	const struct conn *c;
	struct mm_halfopen *h;
	struct p1_offer o;
	uint8_t propnum = 1;
	char why[512], peer[64];
	int err;

	sockaddr_str((const struct sockaddr *)&m->from, peer, sizeof(peer));
	err = mm_choose(d, m, sap->body, &o, &echo, &propnum, &c, why, sizeof(why));
	if (err && err != ISAKMP_N_NO_PROPOSAL_CHOSEN)
		return err; /* malformed: dropped, counted by the caller */
	tap_received(d, m);
	if (err) {
		mm_log_refusal(d, c, peer, why);
		if (c)
			ike_note_failure(d, c->name, why);
		info_send_plain_notify(d, m, (uint16_t)err);
		return 0;
	}
	h = halfopen_mm_new(d, m, named);
	if (!h)
		return 0;
	snprintf(h->conn, sizeof(h->conn), "%s", c->name);
	h->offer = o;
	vendor_note(m, &h->vendor);
	h->vendor.frag &= c->fragmentation != CONN_FRAG_NO; /* not answered then */
	mm_digest(m, h->mm1_digest);
	h->sai = mm_dup(sap->body.p, sap->body.len, &h->sai_len);
	if (!h->sai || mm_send_sa(h, propnum, &echo)) {
		halfopen_mm_free(h);
		return 0;
	}
	log_info("#%u %s: %s is initiating Main Mode", h->serial, h->conn, peer);
	return 0;
}

struct ike_sa *main_mode_promote(struct mm_halfopen *h, const struct ike_msg *m)
{
	static const uint8_t zero[8];
	struct ike_daemon *d = h->d;
	const struct conn *c;
	struct ike_sa *sa;
	uint8_t digest[20];

	if (!memcmp(m->hdr.rcookie, zero, 8)) {
		mm_digest(m, digest);
		if (!memcmp(digest, h->mm1_digest, sizeof(digest)))
			mm_send_mm2(h);
		return NULL;
	}
	c = conf_conn(d->conf, h->conn);
	if (!c) {
		log_info("#%u %s: no longer configured: half-open Main Mode dropped", h->serial,
			 h->conn);
		halfopen_mm_free(h);
		return NULL;
	}
	sa = ike_sa_new(d, c, false);
	if (!sa)
		return NULL;
	sa->serial = h->serial;
	sa->exchange = ISAKMP_XCHG_ID_PROT;
	memcpy(sa->icookie, h->icookie, 8);
	memcpy(sa->rcookie, h->rcookie, 8);
	sa->ep.local = h->ep.local;
	sa->ep.remote = h->ep.remote;
	sa->ep.fd = h->ep.fd;
	phase1_take_offer(sa, &h->offer);
	sa->peer_vendor = h->vendor;
	if (!buf_append(&sa->x->sai_b, h->sai, h->sai_len)) {
		ike_sa_free(sa);
		return NULL;
	}
	sa->halfopen = halfopen_mm_detach(h); /* still half-open, counted as before */
	sa->x->step = 2;
	halfopen_mm_free(h);
	ike_sa_hash(sa);
	if (!auth_find_key(sa, NULL))
		return sa;
	/* As strongSwan's responder does (main_mode.c build_r, MM_KE;
	 * Libreswan refuses MM1 with NO_PROPOSAL_CHOSEN): a stranger learns
	 * nothing it would not from MM4's absence. */
	info_send_plain_notify(d, m, ISAKMP_N_INVALID_KEY_INFORMATION);
	return NULL;
}

/* After MM2's job: our KE (and nonce) for MM3. */
static struct step_result mm_initiator_ke_done(void *state, struct ike_msg *none)
{
	struct ike_sa *sa = state;

	phase1_dh_done(sa, &sa->x->dhj, &sa->x->gxi); /* or it failed the SA */
	return STEP_GO_ON;
}

/* MM2 at the initiator: the responder's choice; our KE and nonce go out
 * once the key pair is made. */
static struct step_result mm_initiator_ke(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	const struct wire_payload *sap = wire_find(&m->pl, ISAKMP_PL_SA);
	char why[P1_WHY_LEN] = "";
	struct p1_offer o;
	int notify, err;

	notify = p1_accept(sa->conn, sap->body, &o, why, sizeof(why));
	if (notify) {
		ike_sa_fail(sa, "%s", why);
		return step_notify(notify);
	}
	phase1_take_offer(sa, &o);
	vendor_note(m, &sa->peer_vendor);
	err = exchange_make_nonce(&sa->x->ni);
	if (!err)
		err = phase1_dh(sa, NULL);
	return step_sys(err);
}

/* After MM3's job: our KE for MM4, and the keys. */
static struct step_result mm_respond_ke_done(void *state, struct ike_msg *none)
{
	struct ike_sa *sa = state;

	if (phase1_dh_done(sa, &sa->x->dhj, &sa->x->gxr))
		phase1_derive_keys(sa); /* or it failed the SA */
	return STEP_GO_ON;
}

/* MM3 at the responder: its KE and nonce; ours and the keys follow. */
static struct step_result mm_respond_ke(void *state, struct ike_msg *m)
{
	struct step_result r = phase1_respond_ke(state, m);

	if (!step_failed(r))
		natt_detect(state, m);
	return r;
}

/* After MM4's job: the keys, for MM5. */
static struct step_result mm_initiator_id_done(void *state, struct ike_msg *none)
{
	struct ike_sa *sa = state;

	if (phase1_dh_done(sa, &sa->x->dhj, &sa->x->gxi))
		phase1_derive_keys(sa); /* or it failed the SA */
	return STEP_GO_ON;
}

/* MM4 at the initiator: the keys, then our ID and HASH_I. */
static struct step_result mm_initiator_id(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	struct step_result r = phase1_take_ke(sa, m, &sa->x->gxr, &sa->x->nr);

	if (step_failed(r))
		return r;
	natt_detect(sa, m); /* MM5 goes to port 4500 behind a NAT */
	return step_sys(phase1_dh(sa, &sa->x->gxr));
}

/* MM5 at the responder: verify the initiator; MM6 answers, and then it
 * is established. */
static struct step_result mm_respond_id(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	struct step_result r = phase1_check_id(sa, m);

	if (step_failed(r))
		return r;
	phase1_forget_secret(sa);
	info_note_notifies(sa, m);
	return STEP_GO_ON;
}

/* MM6 at the initiator: verify the responder; then it is established. */
static struct step_result mm_initiator_done(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	struct step_result r = phase1_check_id(sa, m);

	if (step_failed(r))
		phase1_refuse_answer(sa, r);
	else
		info_note_notifies(sa, m);
	return r;
}

#define MM_MAY	  (PL(ISAKMP_PL_VID) | PL(ISAKMP_PL_NAT_D) | PL(ISAKMP_PL_NAT_D_DRAFT))
#define MM_ID_MAY (PL(ISAKMP_PL_N) | PL(ISAKMP_PL_VID) | PL(ISAKMP_PL_CERT) | PL(ISAKMP_PL_CR))

const struct step main_mode_steps[] = {
	/* MM1 makes no SA: main_mode_respond answers it (and this row checks it). */
	{false, PL(ISAKMP_PL_SA), MM_MAY, false, "MM1", NULL, NULL, NULL},
	{true, PL(ISAKMP_PL_SA), MM_MAY, false, "MM2", mm_initiator_ke, mm_initiator_ke_done,
	 &send_mm3},
	{false, PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE), MM_MAY | PL(ISAKMP_PL_CR), false, "MM3",
	 mm_respond_ke, mm_respond_ke_done, &send_mm4},
	{true, PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_NONCE), MM_MAY | PL(ISAKMP_PL_CR), false, "MM4",
	 mm_initiator_id, mm_initiator_id_done, &send_mm5},
	{false, PL(ISAKMP_PL_ID) | AUTH_SLOT, MM_ID_MAY, true, "MM5", mm_respond_id, NULL,
	 &send_mm6},
	{true, PL(ISAKMP_PL_ID) | AUTH_SLOT, MM_ID_MAY, true, "MM6", mm_initiator_done, NULL, NULL},
	{0},
};
