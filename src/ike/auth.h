/* How the peers of an ISAKMP SA prove who they are (RFC 2409 5): one entry
 * per IKE authentication method.  A phase-1 row names the AUTH slot
 * (AUTH_SLOT in its must mask, exchange.h) instead of a payload;
 * step_check_auth resolves it to the payloads of the SA's method, and the
 * builders and handlers reach the method through the SA (sa->auth).
 * Pre-shared keys are the first entry; the signature methods (issue 10,
 * auth_sig.c) are the others: SIG [+ CERT] on the wire, a signature over
 * HASH_I/HASH_R, SKEYID = prf(Ni | Nr, g^xy), CR payloads beside KE. */
#ifndef OAKLEY_IKE_AUTH_H
#define OAKLEY_IKE_AUTH_H

#include "ike/exchange.h"

struct ike_sa;
struct conn;
struct conf_id;

struct auth_method {
	uint16_t id;	    /* IKE_AUTH_*, the SA attribute's value */
	const char *name;   /* for logs */
	uint8_t proof;	    /* the payload that proves its sender: HASH, SIG */
	uint32_t must, may; /* the slot on the wire, as PL() bits */
	/* Adds our proof (HASH_I or HASH_R by role; a signature [and our
	 * certificate]); state is the ISAKMP SA. */
	payload_fn add;
	/* Checks the peer's proof, the body of its proof payload; a failure
	 * fails the SA, saying why. */
	struct step_result (*verify)(struct ike_sa *sa, const uint8_t *p, size_t len);
	/* SKEYID into out (prf_len bytes), from the exchange's nonces and,
	 * as the method needs, key (a pre-shared key: phase1.c tries the
	 * keys of other connections through this) or the DH secret. */
	int (*skeyid)(const struct ike_sa *sa, const uint8_t *key, size_t keylen, uint8_t *out);
	/* What the SA needs before it starts (a PSK for the peer; our
	 * certificate and key): 0, or it failed the SA saying what is missing. */
	int (*find_key)(struct ike_sa *sa, const struct conf_id *peer_id);
	/* Whether connection c would authenticate with what the exchange
	 * uses (the same PSK; NULL: any, the peer's proof decides). */
	bool (*same_key)(const struct ike_sa *sa, const struct conn *c);
	/* Our CR payloads (beside KE: MM3, MM4, AM1, AM2); NULL: none. */
	payload_fn add_cr;
	/* Keeps what the peer's proof message carries besides the proof (its
	 * CERT payloads); NULL: nothing. */
	struct step_result (*keep)(struct ike_sa *sa, const struct ike_msg *m);
	/* After our proof went out, what a refusal most likely means. */
	const char *refused_hint;
	/* Aggressive Mode exposes a hash of the key to offline guessing. */
	bool am_exposes_key;
	/* The HMAC of HASH_I/HASH_R when it is not the negotiated prf (ECDSA:
	 * the curve's hash, RFC 4754 and strongSwan); NULL: the prf. */
	const char *hash_md;
	/* The keys depend on the connection's secret: an MM5 that does not
	 * open may open with another connection's (phase1_try_other_keys). */
	bool keyed_by_conn;
};

/* The entry for an IKE_AUTH_* value; NULL: not supported (an offer of it
 * is refused when the proposal is chosen). */
const struct auth_method *auth_method_for(uint16_t id);
/* The SA's negotiated method (NULL before one is, or none matches). */
const struct auth_method *auth_of(const struct ike_sa *sa);
/* The payload of m that proves the peer by sa's method: step_check_auth
 * made sure it is there. */
const struct wire_payload *auth_proof(const struct ike_sa *sa, const struct ike_msg *m);
/* The peer's proof (the body of auth_proof) checked by sa's method. */
struct step_result auth_verify(struct ike_sa *sa, const uint8_t *p, size_t len);
/* Our proof by sa's method: the builder in the send_specs' AUTH place. */
int auth_add(void *sa, struct wire_builder *w);
/* SKEYID by sa's method, into the exchange (key: the PSK, if it is one). */
int auth_skeyid(const struct ike_sa *sa, const uint8_t *key, size_t keylen, uint8_t *out);
/* The SA's key material by its method, or c->authby's before one is chosen. */
int auth_find_key(struct ike_sa *sa, const struct conf_id *peer_id);
bool auth_same_key(const struct ike_sa *sa, const struct conn *c);
/* Our CR payloads by the SA's method: the builder beside KE. */
int auth_add_cr(void *sa, struct wire_builder *w);
/* The peer's proof message: the CR flag of the KE messages, the CERT
 * payloads of the proof's. */
void auth_note_cr(struct ike_sa *sa, const struct ike_msg *m);
struct step_result auth_keep(struct ike_sa *sa, const struct ike_msg *m);
/* The method without XAUTH: IKE_AUTH_XAUTH_INIT_PSK -> IKE_AUTH_PSK ... */
uint16_t auth_base(uint16_t id);
/* "pre-shared key", "RSA signature", "ECDSA P-256 signature", ... */
const char *auth_method_name(uint16_t id);

#endif
