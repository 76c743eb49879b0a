/* The authentication methods (auth.h): pre-shared keys, and RSA and
 * ECDSA signatures (auth_sig.c). */
#include <errno.h>
#include <openssl/crypto.h>

#include "crypto/keying.h"
#include "ike/auth.h"
#include "ike/auth_sig.h"
#include "ike/ike.h"
#include "ike/phase1.h"
#include "ike/ra.h"
#include "wire/payload.h"

/* HASH_I or HASH_R, over our ID's body (RFC 2409 5). */
static int psk_add(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;
	const struct buf *id_b = sa->initiator ? &sa->x->idii_b : &sa->x->idir_b;
	uint8_t hash[IKE_MAX_MD];
	int err = phase1_hash(sa, sa->initiator, id_b, hash);

	if (!err)
		err = wire_add_raw(w, ISAKMP_PL_HASH, hash, sa->prf_len);
	if (!err)
		sa->x->hash_sent = true; /* this message is about to go out */
	return err;
}

/* The peer's HASH_R or HASH_I against ours, over its ID's body. */
static struct step_result psk_verify(struct ike_sa *sa, const uint8_t *hash, size_t len)
{
	const struct buf *id_b = sa->initiator ? &sa->x->idir_b : &sa->x->idii_b;
	uint8_t want[IKE_MAX_MD];
	int err;

	err = phase1_hash(sa, !sa->initiator, id_b, want);
	if (err)
		return step_sys(err);
	if (len != sa->prf_len || CRYPTO_memcmp(want, hash, sa->prf_len)) {
		ike_sa_fail(sa, "%s from peer does not verify: the pre-shared keys probably differ",
			    sa->initiator ? "HASH_R" : "HASH_I");
		return step_notify(ISAKMP_N_INVALID_HASH_INFORMATION);
	}
	return STEP_GO_ON;
}

/* SKEYID = prf(pre-shared key, Ni_b | Nr_b) */
static int psk_skeyid(const struct ike_sa *sa, const uint8_t *psk, size_t psklen, uint8_t *out)
{
	return ike_skeyid_psk(sa->hash->openssl, psk, psklen, sa->x->ni.data, sa->x->ni.len,
			      sa->x->nr.data, sa->x->nr.len, out);
}

static int psk_find_key(struct ike_sa *sa, const struct conf_id *peer_id)
{
	return phase1_find_psk(sa, peer_id);
}

static bool psk_same_key(const struct ike_sa *sa, const struct conn *c)
{
	return phase1_psk_same(sa, c);
}

#define SIG_METHOD(ID, NAME, MD)                                                                   \
	{                                                                                          \
		.id = ID, .name = NAME, .proof = ISAKMP_PL_SIG, .must = PL(ISAKMP_PL_SIG),         \
		.hash_md = MD, .may = PL(ISAKMP_PL_CERT) | PL(ISAKMP_PL_CR), .add = sig_add,       \
		.verify = sig_verify, .skeyid = sig_skeyid, .find_key = sig_find_key,              \
		.add_cr = sig_add_cr, .keep = sig_keep,                                            \
	}

#define PSK_METHOD(ID, NAME)                                                                       \
	{                                                                                          \
		.id = ID, .name = NAME, .proof = ISAKMP_PL_HASH, .must = PL(ISAKMP_PL_HASH),       \
		.add = psk_add, .verify = psk_verify, .skeyid = psk_skeyid,                        \
		.find_key = psk_find_key, .same_key = psk_same_key,                                \
		.refused_hint = " after our HASH_I: the pre-shared keys probably differ",          \
		.am_exposes_key = true, .keyed_by_conn = true,                                     \
	}

static const struct auth_method methods[] = {
	PSK_METHOD(IKE_AUTH_PSK, "pre-shared key"),
	SIG_METHOD(IKE_AUTH_RSA_SIG, "RSA signature", NULL),
	/* XAUTH (xauth-06 6): the same proof, XAUTH after phase 1 (ra.h) */
	PSK_METHOD(IKE_AUTH_XAUTH_INIT_PSK, "XAUTH pre-shared key"),
	SIG_METHOD(IKE_AUTH_XAUTH_INIT_RSA, "XAUTH RSA signature", NULL),
	SIG_METHOD(IKE_AUTH_ECDSA_256, "ECDSA P-256 signature", "SHA256"),
	SIG_METHOD(IKE_AUTH_ECDSA_384, "ECDSA P-384 signature", "SHA384"),
	SIG_METHOD(IKE_AUTH_ECDSA_521, "ECDSA P-521 signature", "SHA512"),
};

const struct auth_method *auth_method_for(uint16_t id)
{
	unsigned i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].id == id)
			return &methods[i];
	return NULL;
}

const struct auth_method *auth_of(const struct ike_sa *sa)
{
	return auth_method_for(sa->auth);
}

const struct wire_payload *auth_proof(const struct ike_sa *sa, const struct ike_msg *m)
{
	const struct auth_method *a = auth_of(sa);

	return a ? wire_find(&m->pl, a->proof) : NULL;
}

struct step_result auth_verify(struct ike_sa *sa, const uint8_t *p, size_t len)
{
	const struct auth_method *a = auth_of(sa);

	return a ? a->verify(sa, p, len) : step_notify(ISAKMP_N_AUTHENTICATION_FAILED);
}

int auth_add(void *state, struct wire_builder *w)
{
	const struct auth_method *a = auth_of(state);

	return a ? a->add(state, w) : -EPROTONOSUPPORT;
}

int auth_skeyid(const struct ike_sa *sa, const uint8_t *key, size_t keylen, uint8_t *out)
{
	const struct auth_method *a = auth_of(sa);

	return a ? a->skeyid(sa, key, keylen, out) : -EPROTONOSUPPORT;
}

int auth_find_key(struct ike_sa *sa, const struct conf_id *peer_id)
{
	const struct auth_method *a = auth_method_for(sa->auth ? sa->auth : ra_wire_auth(sa->conn));

	if (!a) {
		ike_sa_fail(sa, "authentication method %u is not supported", sa->conn->authby);
		return -EPROTONOSUPPORT;
	}
	return a->find_key(sa, peer_id);
}

bool auth_same_key(const struct ike_sa *sa, const struct conn *c)
{
	const struct auth_method *a = auth_of(sa);

	return a && (!a->same_key || a->same_key(sa, c));
}

int auth_add_cr(void *state, struct wire_builder *w)
{
	const struct auth_method *a = auth_of(state);

	return a && a->add_cr ? a->add_cr(state, w) : 0;
}

void auth_note_cr(struct ike_sa *sa, const struct ike_msg *m)
{
	if (wire_find(&m->pl, ISAKMP_PL_CR))
		sa->x->peer_cr = true;
}

struct step_result auth_keep(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct auth_method *a = auth_of(sa);

	return a && a->keep ? a->keep(sa, m) : STEP_GO_ON;
}

uint16_t auth_base(uint16_t id)
{
	switch (id) {
	case IKE_AUTH_XAUTH_INIT_PSK:
	case IKE_AUTH_XAUTH_RESP_PSK:
		return IKE_AUTH_PSK;
	case IKE_AUTH_XAUTH_INIT_RSA:
	case IKE_AUTH_XAUTH_RESP_RSA:
		return IKE_AUTH_RSA_SIG;
	default:
		return id;
	}
}

const char *auth_method_name(uint16_t id)
{
	const struct auth_method *a = auth_method_for(id);

	return a ? a->name : "an unsupported method";
}
