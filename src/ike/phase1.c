/* What Main Mode and Aggressive Mode share: the header, sending, the
 * pre-shared key, the offer taken, KE and nonce, SKEYID and the keys, and
 * the HASH_I/HASH_R that authenticate the peer (RFC 2409 5). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/dh.h"
#include "crypto/keying.h"
#include "crypto/rand.h"
#include "ike/auth.h"
#include "ike/id.h"
#include "ike/informational.h"
#include "ike/dispatch.h"
#include "ike/phase1.h"
#include "ike/tap.h"
#include "util/log.h"
#include "wire/payload.h"

struct ike_sa *phase1_initiator(struct ike_daemon *d, const struct conn *c,
				const struct conf_id *peer_id, ike_up_fn fn, void *arg)
{
	struct ike_sa *sa = ike_sa_new(d, c, true);

	if (!sa) {
		if (fn)
			fn(arg, false, "out of memory");
		return NULL;
	}
	sa->want_child = true;
	sa->up_fn = fn;
	sa->up_arg = arg;
	if (ike_sa_addresses(sa) || auth_find_key(sa, peer_id))
		return NULL; /* the SA failed and said why */
	ike_sa_hash(sa);
	return sa;
}

int phase1_add_our_sa(struct ike_sa *sa, struct wire_builder *w)
{
	size_t start = w->b->len + ISAKMP_GENERIC_LEN;
	int err = p1_add_sa(w, sa->conn);

	if (err)
		return err;
	buf_reset(&sa->x->sai_b);
	return buf_append(&sa->x->sai_b, w->b->data + start, w->b->len - start) ? 0 : -ENOMEM;
}

void phase1_header(struct ike_sa *sa, struct isakmp_hdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, sa->icookie, 8);
	memcpy(h->rcookie, sa->rcookie, 8);
	h->version = ISAKMP_VERSION;
	h->exchange = sa->exchange;
}

int phase1_send(struct ike_sa *sa, struct buf *msg, bool encrypt, bool retransmit)
{
	int err = 0;

	tap_sent(sa->d, &sa->ep.local.sa, &sa->ep.remote.sa, msg->data, msg->len);
	if (encrypt)
		err = ike_encrypt(sa, msg, sa->x->iv);
	if (!err)
		err = xmit_send(sa, &sa->xmit, msg, retransmit);
	buf_free(msg);
	return err;
}

int phase1_body_copy(struct buf *dst, const struct wire_payload *p)
{
	buf_reset(dst);
	return buf_append(dst, p->body.p, p->body.len) ? 0 : -ENOMEM;
}

/* The key connection c uses between these gateways.  Main Mode hides the
 * IDs until the key is in use, so the responder can only know the peer by
 * its address: both sides look the key up by the gateways' addresses first
 * (as strongSwan's responder does), then by the connection's IDs; peer_id,
 * when given (Aggressive Mode tells it first), wins when a key names it. */
static const struct conf_secret *phase1_psk_for(const struct conf *conf, const struct conn *c,
						const struct sockaddr *local,
						const struct sockaddr *remote,
						const struct conf_id *peer_id)
{
	const struct conf_id *rid = peer_id;
	const struct conf_secret *s, *by_id;
	struct conf_id local_addr, remote_addr;

	if (!rid && c->remote.id.type != CONF_ID_ANY)
		rid = &c->remote.id;
	id_from_address(&local_addr, local);
	id_from_address(&remote_addr, remote);
	s = peer_id ? conf_psk(conf, &c->local.id, peer_id) : NULL;
	if (s && s->nids)
		return s;
	s = conf_psk(conf, &local_addr, &remote_addr);
	if (!s || (!s->nids && rid)) {
		by_id = conf_psk(conf, &c->local.id, rid);
		if (by_id && (!s || by_id->nids))
			s = by_id;
	}
	return s;
}

int phase1_find_psk(struct ike_sa *sa, const struct conf_id *peer_id)
{
	const struct conf_secret *s =
		phase1_psk_for(sa->d->conf, sa->conn, &sa->ep.local.sa, &sa->ep.remote.sa, peer_id);
	const struct conf_id *remote = peer_id;
	char l[300], r[300];

	if (!remote && sa->conn->remote.id.type != CONF_ID_ANY)
		remote = &sa->conn->remote.id;
	if (!s) {
		conf_id_str(&sa->conn->local.id, l, sizeof(l));
		if (remote)
			conf_id_str(remote, r, sizeof(r));
		else
			snprintf(r, sizeof(r), "%%any");
		ike_sa_fail(sa,
			    "no pre-shared key for %s - %s (nor for the gateways' addresses) in "
			    "the secrets file",
			    l, r);
		return -ENOENT;
	}
	buf_reset(&sa->x->psk);
	return buf_append(&sa->x->psk, s->psk, s->psklen) ? 0 : -ENOMEM;
}

/* Is this the key the exchange was made with?  Byte for byte, in constant
 * time: the identity switch below rests on it. */
static bool phase1_psk_is(const struct ike_sa *sa, const struct conf_secret *s)
{
	return s && s->psklen == sa->x->psk.len &&
	       !CRYPTO_memcmp(s->psk, sa->x->psk.data, s->psklen);
}

bool phase1_psk_same(const struct ike_sa *sa, const struct conn *c)
{
	return phase1_psk_is(
		sa, phase1_psk_for(sa->d->conf, c, &sa->ep.local.sa, &sa->ep.remote.sa, NULL));
}

int phase1_take_offer(struct ike_sa *sa, const struct p1_offer *o)
{
	sa->encr = o->encr;
	sa->hash = o->hash;
	sa->group = o->group;
	sa->auth = o->auth;
	sa->lifetime_s = o->life_s ? o->life_s : sa->conn->ikelifetime_s;
	/* Our policy bounds the ISAKMP SA whatever the peer proposed. */
	if (sa->lifetime_s > sa->conn->ikelifetime_s) {
		ike_sa_log(sa, LOG_LVL_INFO,
			   "peer proposed an ISAKMP SA lifetime of %u s, beyond our ikelifetime of "
			   "%u s: ours applies on this side",
			   sa->lifetime_s, sa->conn->ikelifetime_s);
		sa->lifetime_s = sa->conn->ikelifetime_s;
	}
	sa->block = sa->encr->block_bytes;
	sa->enc_key_len = sa->encr->key_bits / 8;
	sa->prf_len = alg_hash_bytes(sa->hash);
	return 0;
}

/* Our key pair, and the secret when the peer's KE is in: a job whose
 * completion goes on with the exchange (its row's resume). */
int phase1_dh(struct ike_sa *sa, const struct buf *peer_gx)
{
	return exchange_job_start(sa->x, exchange_type_for(sa->exchange), sa->group->ike_id,
				  peer_gx ? peer_gx->data : NULL, peer_gx ? peer_gx->len : 0);
}

/* The completed job: our public value into gx, or the SA fails. */
bool phase1_dh_done(struct ike_sa *sa, struct dh_job *j, struct buf *gx)
{
	if (sa->state != IKE_SA_NEGOTIATING)
		return false;
	if (j->err == -EINVAL) {
		ike_sa_fail(sa, "peer's public DH value is invalid for %s", sa->group->display);
		return false;
	}
	if (j->err) {
		ike_sa_fail(sa, "cannot make a %s key pair: %s", sa->group->display,
			    strerror(-j->err));
		return false;
	}
	buf_reset(gx);
	if (!buf_append(gx, j->pub, j->pub_len)) {
		ike_sa_fail(sa, "out of memory");
		return false;
	}
	return true;
}

struct step_result phase1_take_ke(struct ike_sa *sa, struct ike_msg *m, struct buf *gx,
				  struct buf *nonce)
{
	const struct wire_payload *ke = wire_find(&m->pl, ISAKMP_PL_KE);
	const struct wire_payload *n = wire_find(&m->pl, ISAKMP_PL_NONCE);

	auth_note_cr(sa, m);
	if (ke->body.len != dh_public_len(sa->group->ike_id)) {
		ike_sa_fail(sa, "peer's KE is %zu bytes, %s needs %zu", ke->body.len,
			    sa->group->display, dh_public_len(sa->group->ike_id));
		return step_notify(ISAKMP_N_INVALID_KEY_INFORMATION);
	}
	if (wire_check_raw(ISAKMP_PL_NONCE, n->body)) {
		ike_sa_fail(sa, "peer's nonce has a bad length (%zu bytes)", n->body.len);
		return step_notify(ISAKMP_N_PAYLOAD_MALFORMED);
	}
	if (phase1_body_copy(gx, ke) || phase1_body_copy(nonce, n))
		return step_sys(-ENOMEM);
	return STEP_GO_ON;
}

struct step_result phase1_respond_ke(struct ike_sa *sa, struct ike_msg *m)
{
	struct step_result r = phase1_take_ke(sa, m, &sa->x->gxi, &sa->x->ni);
	int err;

	if (step_failed(r))
		return r;
	err = exchange_make_nonce(&sa->x->nr);
	if (!err)
		err = phase1_dh(sa, &sa->x->gxi);
	return step_sys(err);
}

/* SKEYID (by the SA's method: psk is the key it tries) and its children,
 * the cipher key and the first IV (RFC 2409 5, appendix B), from the
 * completed DH job's secret. */
static int phase1_keys(struct ike_sa *sa, const uint8_t *psk, size_t psklen)
{
	const char *md = sa->hash->openssl;
	struct dh_job *j = &sa->x->dhj;
	int err;

	err = auth_skeyid(sa, psk, psklen, sa->x->skeyid);
	if (!err)
		err = ike_skeyid_dae(md, sa->x->skeyid, j->secret, j->secret_len, sa->icookie,
				     sa->rcookie, sa->skeyid_d, sa->skeyid_a, sa->skeyid_e);
	if (!err)
		err = ike_enc_key(md, sa->skeyid_e, sa->enc_key_len, sa->enc_key);
	if (!err)
		err = ike_phase1_iv(md, sa->x->gxi.data, sa->x->gxi.len, sa->x->gxr.data,
				    sa->x->gxr.len, sa->block, sa->x->iv);
	return err;
}

/* A Main Mode responder keeps the DH secret until MM5 is in: it may have
 * to try the keys of other connections (phase1_try_other_keys). */
static bool phase1_keeps_secret(const struct ike_sa *sa)
{
	return !sa->initiator && sa->exchange == ISAKMP_XCHG_ID_PROT;
}

int phase1_derive_keys(struct ike_sa *sa)
{
	int err = phase1_keys(sa, sa->x->psk.data, sa->x->psk.len);

	if (err || !phase1_keeps_secret(sa))
		dh_job_clear(sa->d->loop, &sa->x->dhj);
	if (err) {
		ike_sa_fail(sa, "deriving the phase-1 keys failed");
		return err;
	}
	tap_ike_key(sa);
	return 0;
}

void phase1_forget_secret(struct ike_sa *sa)
{
	dh_job_clear(sa->d->loop, &sa->x->dhj);
}

#define MAX_KEYS_TRIED 16 /* bounds the work an undecryptable MM5 costs */

/* Road warriors (right=%any), each with its own key, are told apart only
 * by the ID inside MM5, which the key chosen by address may not open.
 * The keys of the other connections for this peer are tried in turn; the
 * one that opens MM5 becomes the exchange's key, and the ID must then name
 * a connection with that very key (phase1_switch_conn).  cipher is MM5 as
 * received; on success m->raw holds it decrypted and iv follows it. */
bool phase1_try_other_keys(struct ike_sa *sa, struct ike_msg *m, const uint8_t *cipher, uint8_t *iv)
{
	const struct conn *c = NULL;
	const struct conf_secret *s;
	size_t body = m->len - ISAKMP_HDR_LEN;
	unsigned tried = 0;
	const struct auth_method *a = auth_of(sa);

	if (!phase1_keeps_secret(sa) || !sa->x->dhj.secret_len || !a || !a->keyed_by_conn)
		return false;
	while (tried < MAX_KEYS_TRIED &&
	       (c = conn_next_for_peer(sa->d, &sa->ep.local.sa, &sa->ep.remote.sa, c))) {
		s = phase1_psk_for(sa->d->conf, c, &sa->ep.local.sa, &sa->ep.remote.sa, NULL);
		if (!s || phase1_psk_is(sa, s) || !ike_sa_suite_in(sa, c))
			continue;
		tried++;
		if (phase1_keys(sa, s->psk, s->psklen))
			continue;
		memcpy(m->raw + ISAKMP_HDR_LEN, cipher, body);
		memcpy(iv, sa->x->iv, sizeof(sa->x->iv));
		if (ike_decrypt(sa, m->raw, m->len, iv) ||
		    wire_parse_chain(m->hdr.next_payload, m->raw + ISAKMP_HDR_LEN, body, true,
				     &m->pl))
			continue;
		ike_sa_log(sa, LOG_LVL_INFO, "MM5 opens with the key of connection %s", c->name);
		buf_reset(&sa->x->psk);
		if (!buf_append(&sa->x->psk, s->psk, s->psklen))
			break;
		tap_ike_key(sa);
		return true;
	}
	/* None did: back to the keys the exchange had. */
	if (tried)
		phase1_keys(sa, sa->x->psk.data, sa->x->psk.len);
	memcpy(m->raw + ISAKMP_HDR_LEN, cipher, body);
	return false;
}

int phase1_hash(struct ike_sa *sa, bool initiator, const struct buf *id_b, uint8_t *out)
{
	return phase1_hash_md(sa, initiator, id_b, sa->hash->openssl, out);
}

int phase1_hash_md(struct ike_sa *sa, bool initiator, const struct buf *id_b, const char *md,
		   uint8_t *out)
{
	if (initiator)
		return ike_hash_i(md, sa->x->skeyid, sa->prf_len, sa->x->gxi.data, sa->x->gxi.len,
				  sa->x->gxr.data, sa->x->gxr.len, sa->icookie, sa->rcookie,
				  sa->x->sai_b.data, sa->x->sai_b.len, id_b->data, id_b->len, out);
	return ike_hash_r(md, sa->x->skeyid, sa->prf_len, sa->x->gxi.data, sa->x->gxi.len,
			  sa->x->gxr.data, sa->x->gxr.len, sa->icookie, sa->rcookie,
			  sa->x->sai_b.data, sa->x->sai_b.len, id_b->data, id_b->len, out);
}

/* The responder chose a connection before it knew the peer's ID; another
 * one between the same gateways may be the one for this ID, if it accepts
 * what was negotiated and its key for this peer is the key the exchange
 * was made with: HASH_I proves knowledge of that key only. */
static struct step_result phase1_switch_conn(struct ike_sa *sa, const struct wire_id *id)
{
	const struct conn *c = NULL, *other_key = NULL;
	char got[300], ours[300];

	while ((c = conn_next_for_peer_id(sa->d, &sa->ep.local.sa, &sa->ep.remote.sa, id, c))) {
		if (!id_phase1_matches(&c->remote.id, id) || !ike_sa_suite_in(sa, c))
			continue;
		if (!auth_same_key(sa, c)) {
			other_key = other_key ? other_key : c;
			continue;
		}
		ike_sa_log(sa, LOG_LVL_INFO, "peer's ID selects connection %s", c->name);
		return step_sys(ike_sa_set_conn(sa, c));
	}
	if (!other_key)
		return step_notify(ISAKMP_N_INVALID_ID_INFORMATION);
	id_phase1_str(id, got, sizeof(got));
	conf_id_str(&sa->conn->remote.id, ours, sizeof(ours));
	ike_sa_fail(sa,
		    "peer identifies as %s (connection %s), but this exchange is keyed for %s "
		    "(connection %s): refused",
		    got, other_key->name, ours, sa->conn->name);
	return step_notify(ISAKMP_N_AUTHENTICATION_FAILED);
}

/* Checks the peer's ID against rightid and its HASH against ours. */
struct step_result phase1_take_id(struct ike_sa *sa, struct ike_msg *m)
{
	const struct wire_payload *idp = wire_find(&m->pl, ISAKMP_PL_ID);
	struct buf *id_b = sa->initiator ? &sa->x->idir_b : &sa->x->idii_b;
	struct step_result r = STEP_GO_ON;
	struct wire_id id;
	char got[300], conf[300];
	int notify;

	notify = wire_parse_id(idp->body, &id);
	if (notify) {
		ike_sa_fail(sa, "peer's ID payload is malformed");
		return step_notify(notify);
	}
	if (!id_phase1_matches(&sa->conn->remote.id, &id)) {
		r = sa->initiator ? step_notify(ISAKMP_N_INVALID_ID_INFORMATION)
				  : phase1_switch_conn(sa, &id);
		if (r.notify == ISAKMP_N_INVALID_ID_INFORMATION) {
			id_phase1_str(&id, got, sizeof(got));
			conf_id_str(&sa->conn->remote.id, conf, sizeof(conf));
			ike_sa_fail(sa, "peer identifies as %s, but %s expects %s", got,
				    sa->conn->name, conf);
		}
		if (step_failed(r))
			return r;
	}
	return phase1_body_copy(id_b, idp) ? step_sys(-ENOMEM) : STEP_GO_ON;
}

struct step_result phase1_check_id(struct ike_sa *sa, struct ike_msg *m)
{
	const struct wire_payload *proof = auth_proof(sa, m);
	struct step_result r = phase1_take_id(sa, m);

	if (!step_failed(r))
		r = auth_keep(sa, m);
	return step_failed(r) ? r : auth_verify(sa, proof->body.p, proof->body.len);
}

/* The initiator refuses the responder's answer: MM6 or AM2.  Told as the
 * peers do (strongSwan's main_mode.c and aggressive_mode.c process_i,
 * Libreswan's main_inR3 and aggr_inR1_outI2 through
 * send_v1_notification_from_state): a Main Mode responder is established
 * by then, so it gets the notify (as from Libreswan) and a Delete (as
 * from strongSwan) under the new keys, and drops its SA at once.  An
 * Aggressive Mode responder, not established, gets the notify in the
 * clear: a HASH_R that does not verify means its keys are not ours, and
 * it could not read a protected one. */
void phase1_refuse_answer(struct ike_sa *sa, struct step_result r)
{
	uint16_t type = r.notify == ISAKMP_N_INVALID_HASH_INFORMATION
				? ISAKMP_N_AUTHENTICATION_FAILED
				: r.notify;

	if (sa->exchange == ISAKMP_XCHG_ID_PROT) {
		if (info_send_refusal(sa, type))
			return;
		if (type)
			ike_sa_log(sa, LOG_LVL_INFO, "told the peer %s and deleted the ISAKMP SA",
				   wire_notify_name(type));
		else
			ike_sa_log(sa, LOG_LVL_INFO, "deleted the ISAKMP SA at the peer");
		return;
	}
	if (type) {
		info_send_plain_notify_sa(sa, type);
		ike_sa_log(sa, LOG_LVL_INFO, "told the peer %s", wire_notify_name(type));
	}
}
