/* IKEv1 keying, RFC 2409 section 5 and appendix B.  md names the
 * negotiated hash (an EVP digest name, the alg table's `openssl` field);
 * prf is HMAC-md, "hash" the plain md.  Every SKEYID* and prf output is
 * crypto_md_len(md) bytes.  Message IDs and SPIs are passed in host order
 * and hashed as 4 bytes in network order.  All return 0, -EINVAL (unknown
 * md, bad length) or -EIO. */
#ifndef OAKLEY_CRYPTO_KEYING_H
#define OAKLEY_CRYPTO_KEYING_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_MAX_MD 64 /* SHA-512 */

/* Pre-shared key authentication: SKEYID = prf(psk, Ni_b | Nr_b). */
int ike_skeyid_psk(const char *md, const uint8_t *psk, size_t psklen, const uint8_t *ni,
		   size_t nilen, const uint8_t *nr, size_t nrlen, uint8_t *skeyid);
/* Signature authentication: SKEYID = prf(Ni_b | Nr_b, g^xy). */
int ike_skeyid_sig(const char *md, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		   const uint8_t *gxy, size_t gxylen, uint8_t *skeyid);

/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * (0, 1, 2 single octets; SKEYID is crypto_md_len(md) bytes). */
int ike_skeyid_dae(const char *md, const uint8_t *skeyid, const uint8_t *gxy, size_t gxylen,
		   const uint8_t cky_i[8], const uint8_t cky_r[8], uint8_t *d, uint8_t *a,
		   uint8_t *e);

/* Appendix B: the keylen-byte phase-1 cipher key.  The first keylen bytes
 * of SKEYID_e when it is long enough, else of Ka = K1 | K2 | ... with
 * K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1). */
int ike_enc_key(const char *md, const uint8_t *skeyid_e, size_t keylen, uint8_t *key);

/* Phase-1 IV = hash(g^xi | g^xr), first block bytes. */
int ike_phase1_iv(const char *md, const uint8_t *gxi, size_t gxilen, const uint8_t *gxr,
		  size_t gxrlen, size_t block, uint8_t *iv);
/* Quick Mode / Informational IV = hash(last phase-1 CBC block | M-ID),
 * first block bytes; p1_last_block is block bytes. */
int ike_phase2_iv(const char *md, const uint8_t *p1_last_block, size_t block, uint32_t msgid,
		  uint8_t *iv);

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
 * SAi_b: the initiator's SA payload body (after the generic header);
 * IDii_b: the initiator's ID payload body. */
int ike_hash_i(const char *md, const uint8_t *skeyid, size_t skeyidlen, const uint8_t *gxi,
	       size_t gxilen, const uint8_t *gxr, size_t gxrlen, const uint8_t cky_i[8],
	       const uint8_t cky_r[8], const uint8_t *sai_b, size_t sailen, const uint8_t *idii_b,
	       size_t idlen, uint8_t *out);
/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b):
 * same arguments in the same (initiator-first) order, swapped inside. */
int ike_hash_r(const char *md, const uint8_t *skeyid, size_t skeyidlen, const uint8_t *gxi,
	       size_t gxilen, const uint8_t *gxr, size_t gxrlen, const uint8_t cky_i[8],
	       const uint8_t cky_r[8], const uint8_t *sai_b, size_t sailen, const uint8_t *idir_b,
	       size_t idlen, uint8_t *out);

/* Quick Mode, RFC 2409 5.5.  rest: the raw message bytes after the HASH
 * payload (every later payload with its generic header).
 * HASH(1) = prf(SKEYID_a, M-ID | rest)  (also Informational HASH(1))
 * HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest)
 * HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
int ike_qm_hash1(const char *md, const uint8_t *skeyid_a, size_t alen, uint32_t msgid,
		 const uint8_t *rest, size_t restlen, uint8_t *out);
int ike_qm_hash2(const char *md, const uint8_t *skeyid_a, size_t alen, uint32_t msgid,
		 const uint8_t *ni_b, size_t nilen, const uint8_t *rest, size_t restlen,
		 uint8_t *out);
int ike_qm_hash3(const char *md, const uint8_t *skeyid_a, size_t alen, uint32_t msgid,
		 const uint8_t *ni_b, size_t nilen, const uint8_t *nr_b, size_t nrlen,
		 uint8_t *out);

/* KEYMAT = K1 | K2 | ..., first len bytes, with
 * K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b).
 * gxy NULL: no PFS.  protocol: the IPsec DOI protocol id (3 = ESP). */
int ike_keymat(const char *md, const uint8_t *skeyid_d, size_t dlen, const uint8_t *gxy,
	       size_t gxylen, uint8_t protocol, uint32_t spi, const uint8_t *ni_b, size_t nilen,
	       const uint8_t *nr_b, size_t nrlen, uint8_t *out, size_t len);

#endif
