/* The signature methods of auth.c (RSA, ECDSA P-256/384/521): their
 * builders and checks (auth_sig.c). */
#ifndef OAKLEY_IKE_AUTH_SIG_H
#define OAKLEY_IKE_AUTH_SIG_H

#include "ike/exchange.h"

struct ike_sa;
struct conf_id;
struct conn;

/* Our CERT payloads (when leftsendcert= says so) and SIG over HASH_I/HASH_R. */
int sig_add(void *sa, struct wire_builder *w);
/* Our CR payloads: one per trusted CA rightca= names, else one empty. */
int sig_add_cr(void *sa, struct wire_builder *w);
/* The peer's certificate checked against our trust, its ID against the
 * certificate, and its SIG. */
struct step_result sig_verify(struct ike_sa *sa, const uint8_t *sig, size_t len);
/* SKEYID = prf(Ni_b | Nr_b, g^xy); key unused. */
int sig_skeyid(const struct ike_sa *sa, const uint8_t *key, size_t keylen, uint8_t *out);
/* Our certificate and key for the SA's connection are there, for its
 * method; else the SA fails saying what is missing. */
int sig_find_key(struct ike_sa *sa, const struct conf_id *peer_id);
/* The peer's CERT payloads of m, kept for sig_verify. */
struct step_result sig_keep(struct ike_sa *sa, const struct ike_msg *m);

#endif
