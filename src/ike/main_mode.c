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
#include "ike/id.h"
#include "ike/ike.h"
#include "ike/informational.h"
#include "ike/main_mode.h"
#include "ike/proposal.h"
#include "ike/tap.h"
#include "util/log.h"
#include "wire/payload.h"

#define NONCE_LEN 32

static void mm_header(struct ike_sa *sa, struct isakmp_hdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, sa->icookie, 8);
	memcpy(h->rcookie, sa->rcookie, 8);
	h->version = ISAKMP_VERSION;
	h->exchange = sa->exchange;
}

static int mm_send(struct ike_sa *sa, struct buf *msg, bool encrypt, bool retransmit)
{
	int err = 0;

	tap_sent(sa->d, &sa->local, &sa->remote, msg->data, msg->len);
	if (encrypt)
		err = ike_encrypt(sa, msg, sa->iv);
	if (!err)
		err = xmit_send(sa->d, &sa->xmit, sa->fd, &sa->remote, &sa->local, msg, retransmit);
	buf_free(msg);
	return err;
}

static int body_copy(struct buf *dst, const struct wire_payload *p)
{
	buf_reset(dst);
	return buf_append(dst, p->body.p, p->body.len) ? 0 : -ENOMEM;
}

/* The pre-shared key.  Main Mode hides the IDs until the key is in use,
 * so the responder can only know the peer by its address: both sides look
 * the key up by the gateways' addresses first (as strongSwan's responder
 * does), then by the connection's IDs. */
static int mm_find_psk(struct ike_sa *sa)
{
	const struct conf_secret *s;
	struct conf_id local_addr, remote_addr;
	char l[300], r[300];

	id_from_address(&local_addr, &sa->local);
	id_from_address(&remote_addr, &sa->remote);
	s = conf_psk(sa->d->conf, &local_addr, &remote_addr);
	if (!s || (!s->nids && sa->conn.remote.id.type != CONF_ID_ANY)) {
		const struct conf_secret *by_id = conf_psk(
			sa->d->conf, &sa->conn.local.id,
			sa->conn.remote.id.type == CONF_ID_ANY ? NULL : &sa->conn.remote.id);

		if (by_id && (!s || by_id->nids))
			s = by_id;
	}
	if (!s) {
		conf_id_str(&sa->conn.local.id, l, sizeof(l));
		conf_id_str(&sa->conn.remote.id, r, sizeof(r));
		ike_sa_fail(sa,
			    "no pre-shared key for %s - %s (nor for the gateways' addresses) in "
			    "the secrets file",
			    l, r);
		return -ENOENT;
	}
	buf_reset(&sa->psk);
	return buf_append(&sa->psk, s->psk, s->psklen) ? 0 : -ENOMEM;
}

static int mm_take_offer(struct ike_sa *sa, const struct p1_offer *o)
{
	sa->encr = o->encr;
	sa->hash = o->hash;
	sa->group = o->group;
	sa->auth = (uint8_t)o->auth;
	sa->lifetime_s = o->life_s ? o->life_s : sa->conn.ikelifetime_s;
	sa->block = sa->encr->block_bytes;
	sa->enc_key_len = sa->encr->key_bits / 8;
	sa->prf_len = alg_hash_bytes(sa->hash);
	return 0;
}

/* Our KE and nonce: generated once per SA, sent in MM3 or MM4. */
static int mm_make_ke(struct ike_sa *sa, struct buf *gx, struct buf *nonce)
{
	size_t len = dh_public_len(sa->group->ike_id);
	uint8_t *p;
	int err;

	err = dh_new(sa->group->ike_id, &sa->dh);
	if (err)
		return err;
	buf_reset(gx);
	p = buf_reserve(gx, len);
	if (!p)
		return -ENOMEM;
	err = dh_public(sa->dh, p, len);
	if (err)
		return err;
	buf_reset(nonce);
	p = buf_reserve(nonce, NONCE_LEN);
	return p ? crypto_random(p, NONCE_LEN) : -ENOMEM;
}

static int mm_take_ke(struct ike_sa *sa, struct ike_msg *m, struct buf *gx, struct buf *nonce)
{
	const struct wire_payload *ke = wire_find(&m->pl, ISAKMP_PL_KE);
	const struct wire_payload *n = wire_find(&m->pl, ISAKMP_PL_NONCE);

	if (ke->body.len != dh_public_len(sa->group->ike_id)) {
		ike_sa_fail(sa, "peer's KE is %zu bytes, %s needs %zu", ke->body.len,
			    sa->group->display, dh_public_len(sa->group->ike_id));
		return ISAKMP_N_INVALID_KEY_INFORMATION;
	}
	if (wire_check_raw(ISAKMP_PL_NONCE, n->body)) {
		ike_sa_fail(sa, "peer's nonce has a bad length (%zu bytes)", n->body.len);
		return ISAKMP_N_PAYLOAD_MALFORMED;
	}
	if (body_copy(gx, ke) || body_copy(nonce, n))
		return -ENOMEM;
	return 0;
}

/* SKEYID and its children, the cipher key and the first IV (RFC 2409 5,
 * appendix B).  The DH secret is wiped at once. */
static int mm_derive_keys(struct ike_sa *sa, const uint8_t *peer_gx, size_t peer_len)
{
	const char *md = sa->hash->openssl;
	uint8_t gxy[1024];
	size_t gxy_len = 0;
	int err;

	err = dh_shared(sa->dh, peer_gx, peer_len, gxy, &gxy_len);
	if (err) {
		ike_sa_fail(sa, "peer's public DH value is invalid for %s", sa->group->display);
		return ISAKMP_N_INVALID_KEY_INFORMATION;
	}
	err = ike_skeyid_psk(md, sa->psk.data, sa->psk.len, sa->ni.data, sa->ni.len, sa->nr.data,
			     sa->nr.len, sa->skeyid);
	if (!err)
		err = ike_skeyid_dae(md, sa->skeyid, gxy, gxy_len, sa->icookie, sa->rcookie,
				     sa->skeyid_d, sa->skeyid_a, sa->skeyid_e);
	if (!err)
		err = ike_enc_key(md, sa->skeyid_e, sa->enc_key_len, sa->enc_key);
	if (!err)
		err = ike_phase1_iv(md, sa->gxi.data, sa->gxi.len, sa->gxr.data, sa->gxr.len,
				    sa->block, sa->iv);
	OPENSSL_cleanse(gxy, sizeof(gxy));
	dh_free(sa->dh);
	sa->dh = NULL;
	if (!err)
		tap_ike_key(sa);
	return err;
}

static int mm_hash(struct ike_sa *sa, bool initiator, const struct buf *id_b, uint8_t *out)
{
	const char *md = sa->hash->openssl;

	if (initiator)
		return ike_hash_i(md, sa->skeyid, sa->prf_len, sa->gxi.data, sa->gxi.len,
				  sa->gxr.data, sa->gxr.len, sa->icookie, sa->rcookie,
				  sa->sai_b.data, sa->sai_b.len, id_b->data, id_b->len, out);
	return ike_hash_r(md, sa->skeyid, sa->prf_len, sa->gxi.data, sa->gxi.len, sa->gxr.data,
			  sa->gxr.len, sa->icookie, sa->rcookie, sa->sai_b.data, sa->sai_b.len,
			  id_b->data, id_b->len, out);
}

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
	mm_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	err = id_add_phase1(&w, &sa->conn.local.id, &off, &len);
	if (err)
		goto out;
	buf_reset(id_b);
	if (!buf_append(id_b, msg.data + off, len)) {
		err = -ENOMEM;
		goto out;
	}
	err = mm_hash(sa, sa->initiator, id_b, hash);
	if (!err)
		err = wire_add_raw(&w, ISAKMP_PL_HASH, hash, sa->prf_len);
	if (!err && sa->initiator)
		err = info_add_initial_contact(&w, sa);
	if (!err)
		err = wire_build_finish(&w);
	if (!err)
		err = mm_send(sa, &msg, true, retransmit);
out:
	buf_free(&msg);
	return err;
}

/* The responder chose a connection before it knew the peer's ID; another
 * one between the same gateways may be the one for this ID, if it accepts
 * what was negotiated. */
static bool mm_switch_conn(struct ike_sa *sa, const struct wire_id *id)
{
	const struct conn *c = NULL;
	unsigned i;

	while ((c = conn_next_for_peer(sa->d, &sa->local, &sa->remote, c))) {
		if (!id_phase1_matches(&c->remote.id, id) || c->authby != sa->auth)
			continue;
		for (i = 0; i < c->ike.n; i++)
			if (c->ike.p[i].encr == sa->encr && c->ike.p[i].integ == sa->hash &&
			    c->ike.p[i].dh == sa->group)
				break;
		if (i == c->ike.n)
			continue;
		ike_sa_log(sa, LOG_LVL_INFO, "peer's ID selects connection %s", c->name);
		sa->conn = *c;
		return true;
	}
	return false;
}

/* Checks the peer's ID against rightid and its HASH against ours. */
static int mm_check_id(struct ike_sa *sa, struct ike_msg *m)
{
	const struct wire_payload *idp = wire_find(&m->pl, ISAKMP_PL_ID);
	const struct wire_payload *hp = wire_find(&m->pl, ISAKMP_PL_HASH);
	struct buf *id_b = sa->initiator ? &sa->idir_b : &sa->idii_b;
	uint8_t want[IKE_MAX_MD];
	struct wire_id id;
	char got[300], conf[300];
	int err;

	err = wire_parse_id(idp->body, &id);
	if (err) {
		ike_sa_fail(sa, "peer's ID payload is malformed");
		return err;
	}
	if (!id_phase1_matches(&sa->conn.remote.id, &id) &&
	    !(!sa->initiator && mm_switch_conn(sa, &id))) {
		id_phase1_str(&id, got, sizeof(got));
		conf_id_str(&sa->conn.remote.id, conf, sizeof(conf));
		ike_sa_fail(sa, "peer identifies as %s, but %s expects %s", got, sa->conn.name,
			    conf);
		return ISAKMP_N_INVALID_ID_INFORMATION;
	}
	if (body_copy(id_b, idp))
		return -ENOMEM;
	err = mm_hash(sa, !sa->initiator, id_b, want);
	if (err)
		return err;
	if (hp->body.len != sa->prf_len || CRYPTO_memcmp(want, hp->body.p, sa->prf_len)) {
		ike_sa_fail(sa, "%s from peer does not verify: the pre-shared keys probably differ",
			    sa->initiator ? "HASH_R" : "HASH_I");
		return ISAKMP_N_INVALID_HASH_INFORMATION;
	}
	return 0;
}

int main_mode_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg)
{
	struct ike_sa *sa;
	struct wire_builder w;
	struct isakmp_hdr h;
	struct buf msg;
	size_t start;
	int err;

	sa = ike_sa_new(d, c, true);
	if (!sa)
		return -ENOMEM;
	sa->want_child = true;
	sa->up_fn = fn;
	sa->up_arg = arg;
	err = ike_sa_addresses(sa);
	if (!err)
		err = mm_find_psk(sa);
	if (err)
		return 0; /* the SA failed and said why */
	ike_sa_hash(sa);
	buf_init(&msg);
	mm_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	start = msg.len;
	err = p1_add_sa(&w, c);
	if (!err)
		err = buf_append(&sa->sai_b, msg.data + start + ISAKMP_GENERIC_LEN,
				 msg.len - start - ISAKMP_GENERIC_LEN)
			      ? 0
			      : -ENOMEM;
	if (!err)
		err = wire_build_finish(&w);
	if (err) {
		buf_free(&msg);
		ike_sa_fail(sa, "cannot build Main Mode message 1: %s", strerror(-err));
		return 0;
	}
	ike_sa_log(sa, LOG_LVL_INFO, "initiating Main Mode to %s", sa->conn.name);
	sa->step = 1;
	mm_send(sa, &msg, false, true);
	return 0;
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

	/* Several connections may join the same two gateways: the first
	 * whose ike= accepts the offer takes the SA. */
	const struct conn *c = NULL;
	char why[sizeof(sa->why)];

	unsigned ndiff, best;

	err = p1_choose(&sa->conn, sap->body, &o, &echo, &propnum, sa->why, sizeof(sa->why), &best);
	while (err == ISAKMP_N_NO_PROPOSAL_CHOSEN &&
	       (c = conn_next_for_peer(sa->d, &sa->local, &sa->remote, c))) {
		if (!p1_choose(c, sap->body, &o, &echo, &propnum, why, sizeof(why), &ndiff)) {
			sa->conn = *c;
			err = 0;
		} else if (ndiff < best) {
			/* Explain with the connection that came closest. */
			best = ndiff;
			memcpy(sa->why, why, sizeof(why));
		}
	}
	if (err) {
		ike_sa_fail(sa, "%s", sa->why);
		return err;
	}
	mm_take_offer(sa, &o);
	if (body_copy(&sa->sai_b, sap) || mm_find_psk(sa))
		return -ENOMEM;
	buf_init(&msg);
	mm_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	err = p1_add_chosen(&w, propnum, &echo);
	if (!err)
		err = wire_build_finish(&w);
	if (!err)
		err = mm_send(sa, &msg, false, false);
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
	mm_header(sa, &h);
	wire_build_start(&w, &msg, &h);
	err = wire_add_raw(&w, ISAKMP_PL_KE, gx->data, gx->len);
	if (!err)
		err = wire_add_raw(&w, ISAKMP_PL_NONCE, nonce->data, nonce->len);
	if (!err)
		err = wire_build_finish(&w);
	if (!err)
		err = mm_send(sa, &msg, false, retransmit);
	buf_free(&msg);
	return err;
}

/* MM2 at the initiator: the responder's choice; send our KE and nonce. */
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
	mm_take_offer(sa, &o);
	err = mm_make_ke(sa, &sa->gxi, &sa->ni);
	if (err) {
		ike_sa_fail(sa, "cannot make a %s key pair: %s", sa->group->display,
			    strerror(-err));
		return err;
	}
	return mm_send_ke(sa, true);
}

/* MM3 at the responder: its KE and nonce; answer ours, derive the keys. */
static int mm_respond_ke(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	int err;

	err = mm_take_ke(sa, m, &sa->gxi, &sa->ni);
	if (err)
		return err;
	err = mm_make_ke(sa, &sa->gxr, &sa->nr);
	if (err) {
		ike_sa_fail(sa, "cannot make a %s key pair: %s", sa->group->display,
			    strerror(-err));
		return err;
	}
	err = mm_derive_keys(sa, sa->gxi.data, sa->gxi.len);
	if (err)
		return err;
	return mm_send_ke(sa, false);
}

/* MM4 at the initiator: derive the keys, send our ID and HASH_I. */
static int mm_initiator_id(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	int err;

	err = mm_take_ke(sa, m, &sa->gxr, &sa->nr);
	if (!err)
		err = mm_derive_keys(sa, sa->gxr.data, sa->gxr.len);
	if (err)
		return err;
	return mm_send_id(sa, true);
}

/* MM5 at the responder: verify the initiator, answer MM6; established. */
static int mm_respond_id(void *state, struct ike_msg *m)
{
	struct ike_sa *sa = state;
	int err;

	err = mm_check_id(sa, m);
	if (err)
		return err;
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

	err = mm_check_id(sa, m);
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
