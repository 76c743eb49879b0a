/* X.509 for IKEv1 signature authentication (issue 10), all of it done by
 * OpenSSL 3: reading certificates, keys and CRLs; the trust anchors and
 * the verification of a peer's chain; distinguished names and
 * subjectAltNames as IDs; the signatures of RSA (method 3) and ECDSA
 * (RFC 4754, methods 9, 10, 11) over HASH_I / HASH_R.
 *
 * This layer knows no SA, connection or file name: it takes bytes and
 * OpenSSL objects.  Refusals are sentences in WHY (the words of issue 10)
 * and the ISAKMP notify that goes with them. */
#ifndef OAKLEY_CRYPTO_X509_H
#define OAKLEY_CRYPTO_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define X509_DN_MAX  255  /* a DN's DER as an ID (struct conf_id holds 255 bytes) */
#define X509_SIG_MAX 1024 /* RSA-8192, or r|s of P-521 (132 bytes) */

/* --- reading (x509_read.c) -------------------------------------------- */

/* Every certificate in DATA: PEM (one or more, in order) or DER (one).
 * *out gets a new stack (free with sk_X509_pop_free(.., X509_free)).
 * 0, or -EINVAL with WHY ("no certificate in it", "not PEM or DER: ..."). */
int x509_certs_read(const uint8_t *data, size_t len, STACK_OF(X509) * *out, char *why,
		    size_t whylen);
/* A private key, PEM (PKCS#1, SEC1 or PKCS#8) or DER.  An encrypted key is
 * refused: -EINVAL, WHY "is encrypted; oakley needs it unencrypted (openssl
 * pkey -in KEY -out PLAIN)". */
int x509_key_read(const uint8_t *data, size_t len, EVP_PKEY **out, char *why, size_t whylen);
/* One CRL, PEM or DER. */
int x509_crl_read(const uint8_t *data, size_t len, X509_CRL **out, char *why, size_t whylen);
/* Whether KEY is the private half of CERT's public key. */
bool x509_key_matches(X509 *cert, EVP_PKEY *key);
/* The IKE auth method a key signs with: IKE_AUTH_RSA_SIG for RSA,
 * IKE_AUTH_ECDSA_256/384/521 for P-256/P-384/P-521; 0 for anything else. */
uint16_t x509_auth_method_for_key(EVP_PKEY *key);

/* --- trust (x509_trust.c) --------------------------------------------- */

struct x509_trust; /* the anchors (cacerts/) and CRLs (crls/) */

struct x509_trust *x509_trust_new(void);
void x509_trust_free(struct x509_trust *t);
/* Adds a CA certificate (a reference is taken).  Self-signed ones are
 * anchors; the others are intermediates offered to our own chains only
 * (x509_chain_for), never trusted for a peer: a peer's intermediates come
 * in its CERT payloads. */
int x509_trust_add_ca(struct x509_trust *t, X509 *ca);
int x509_trust_add_crl(struct x509_trust *t, X509_CRL *crl);

/* The peer's certificate LEAF checked, with UNTRUSTED (its other CERT
 * payloads, may be NULL), against T at time NOW by X509_verify_cert:
 * validity dates, basic constraints, key usage when present, the CRLs of
 * T for every certificate of the chain that has one.  CA_DN (DER, rightca=;
 * NULL: any anchor) must be the DN of a CA in the chain (wildcards as
 * x509_dn_match); PIN (rightcert=; NULL: none) must be LEAF itself, and
 * is then trusted itself (as strongSwan trusts the certificates of its
 * configuration): a pinned self-signed or unknown-CA certificate passes,
 * its dates and the CRLs still apply.  A CRL is checked only for an issuer
 * that has one in T (strictcrlpolicy=no); a stale CRL still revokes.
 * Returns 0 when it holds, else the ISAKMP notify to send (> 0) with WHY:
 *   "certificate for CN=east expired 2026-01-01"           INVALID_CERTIFICATE
 *   "certificate for CN=east is not valid before 2027-01-01" INVALID_CERTIFICATE
 *   "no trusted path: issuer CN=Other CA not in cacerts/"  INVALID_CERT_AUTHORITY
 *   "revoked (CRL from CN=Test CA, 2026-11-01)"            INVALID_CERTIFICATE
 *   "issuer is not rightca=C=CH, O=oakley, CN=Test CA"     INVALID_CERT_AUTHORITY
 *   "not the certificate of rightcert="                    INVALID_CERTIFICATE
 * (names as x509_name_short: the CN when there is one, else the whole DN;
 * dates as YYYY-MM-DD, UTC).  -errno on a system error. */
int x509_verify_peer(const struct x509_trust *t, X509 *leaf, STACK_OF(X509) * untrusted, time_t now,
		     const uint8_t *ca_dn, size_t ca_dn_len, X509 *pin, char *why, size_t whylen);

/* The intermediates to send after LEAF so that a peer trusting only the
 * root can build the path: from EXTRA (the rest of the leftcert file, may
 * be NULL) and T's non-anchor CAs, in order up to (without) the root.
 * *out: a new stack, empty when LEAF's issuer is an anchor. */
int x509_chain_for(const struct x509_trust *t, X509 *leaf, STACK_OF(X509) * extra,
		   STACK_OF(X509) * *out);

/* For CR payloads: the DER subject of every anchor, in turn (*i from 0);
 * false at the end. */
bool x509_trust_next_anchor(const struct x509_trust *t, unsigned *i, const uint8_t **der,
			    size_t *len);

/* --- names (x509_name.c) ---------------------------------------------- */

/* "C=US, O=Example, CN=west" (strongSwan's order: as written, first RDN
 * first; ',' or '/' between RDNs; values may be quoted; '*' is a value
 * that matches any) into DER.  0, or -EINVAL with *why. */
int x509_dn_parse(const char *s, uint8_t *der, size_t *len, size_t max, const char **why);
/* DER -> "C=US, O=Example, CN=west" (strongSwan's printing).  Length, or
 * -EINVAL (not a DN), output truncated to OUTLEN. */
int x509_dn_str(const uint8_t *der, size_t len, char *out, size_t outlen);
/* strongSwan's rule: the same RDNs in the same order; a PATTERN value "*"
 * matches any value of that type. */
bool x509_dn_match(const uint8_t *der, size_t len, const uint8_t *pattern, size_t plen);
/* The DER of CERT's subject or issuer (into at most MAX bytes): 0, or
 * -ENOSPC when it is longer. */
int x509_subject_der(X509 *cert, uint8_t *der, size_t *len, size_t max);
int x509_issuer_der(X509 *cert, uint8_t *der, size_t *len, size_t max);
/* "CN=east" when the name has a CN, else its x509_dn_str. */
void x509_name_short(const X509_NAME *n, char *out, size_t outlen);
/* Whether CERT's subjectAltName holds the ID: ID_FQDN as dNSName,
 * ID_USER_FQDN as rfc822Name (both without case), ID_IPV4_ADDR and
 * ID_IPV6_ADDR as iPAddress; ID_DER_ASN1_DN is the subject (the same RDNs;
 * a '*' in the ID is no wildcard: the ID is the peer's, not a rightid=).
 * Other types: false. */
bool x509_has_id(X509 *cert, uint8_t id_type, const uint8_t *data, size_t len);

/* For status and `oakleyctl certs`. */
struct x509_info {
	char subject[256], issuer[256];
	char not_before[32], not_after[32]; /* "2026-12-03 10:28:14 UTC" */
	char key[32];			    /* "RSA-3072", "ECDSA P-256" */
	char serial[64];		    /* hex */
	bool ca, self_signed;
};
void x509_info(X509 *cert, struct x509_info *out);
/* For `oakleyctl certs`: the CRL's issuer, last and next update, and how
 * many certificates it revokes. */
struct x509_crl_info {
	char issuer[256];
	char last_update[32], next_update[32];
	unsigned revoked;
};
void x509_crl_info(X509_CRL *crl, struct x509_crl_info *out);

/* --- signatures (x509_sig.c) ------------------------------------------ */

/* The SIG payload's body for IKEv1 method METHOD over HASH (HASH_I or
 * HASH_R), as strongSwan's pubkey_v1_authenticator makes it:
 *   IKE_AUTH_RSA_SIG: PKCS#1 v1.5 type 1 padding of HASH itself, no
 *     DigestInfo (strongSwan's SIGN_RSA_EMSA_PKCS1_NULL, and Libreswan);
 *   IKE_AUTH_ECDSA_256/384/521: ECDSA over HASH itself, not hashed again
 *     (strongSwan's SIGN_ECDSA_WITH_NULL), sent as r | s, each the curve's
 *     size (RFC 4754).  For these methods strongSwan computes HASH_I/HASH_R
 *     with HMAC-SHA-256/384/512 keyed with SKEYID (keymat_v1.c prf_auth),
 *     whatever prf the proposal chose: that is the ike layer's part.
 * SIG holds X509_SIG_MAX bytes; *siglen is set to the length written.
 * 0, -EINVAL (the key does not fit the method), -EIO. */
int x509_ike_sign(EVP_PKEY *key, uint16_t method, const uint8_t *hash, size_t hashlen, uint8_t *sig,
		  size_t *siglen);
/* 0 when SIG verifies with PUB, -EBADMSG when it does not, -EINVAL when the
 * key does not fit the method. */
int x509_ike_verify(EVP_PKEY *pub, uint16_t method, const uint8_t *hash, size_t hashlen,
		    const uint8_t *sig, size_t siglen);

#endif
