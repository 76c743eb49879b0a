/* The one algorithm table.  Each algorithm oakley knows is one row: its
 * name in proposal strings, its IKE and ESP numbers, key length, and its
 * names in OpenSSL, XFRM and Wireshark.  Proposal parsing, matching,
 * keying, kernel install and key export all read these rows. */
#ifndef OAKLEY_WIRE_ALG_H
#define OAKLEY_WIRE_ALG_H

#include <stdbool.h>
#include <stdint.h>

enum alg_kind {
	ALG_ENCR,  /* a cipher: phase 1 (ike_id) and/or ESP (esp_id) */
	ALG_INTEG, /* phase-1 hash/PRF (ike_id) and/or ESP auth (esp_id) */
	ALG_DH,	   /* a Diffie-Hellman group (ike_id = group number) */
};

struct alg {
	const char *name; /* proposal token: "aes128", "sha256", "modp2048" */
	enum alg_kind kind;
	uint16_t ike_id;       /* phase-1 attribute value; 0: not in phase 1 */
	uint16_t esp_id;       /* ESP transform id / IPsec auth id; 0: not in ESP */
	uint16_t key_bits;     /* cipher key length; 0 for NULL */
	bool keylen_attr;      /* the KEY_LENGTH attribute is sent (variable-length ciphers) */
	uint16_t block_bytes;  /* cipher block size (phase-1 padding, IV length) */
	uint16_t salt_bytes;   /* extra KEYMAT for CTR/GCM nonces (RFC 3686, 4106) */
	uint16_t icv_bits;     /* ESP integrity truncation or AEAD ICV length */
	bool aead;	       /* combined mode: no separate integrity */
	const char *openssl;   /* EVP cipher or digest name; DH: group name */
	const char *xfrm;      /* kernel algorithm name, "cbc(aes)", "hmac(sha1)" */
	const char *wireshark; /* Wireshark ESP SA table name (ESP rows) */
	const char *display;   /* name in logs and status: "AES_CBC-128" */
	bool weak;	       /* RFC 9395/8247: warn when configured */
};

/* Looks a proposal token up ("aes128", "sha1", "modp2048", "aes128gcm16").
 * Aliases ("aes" = aes128, "sha" = sha1, "sha2_256" = sha256) resolve to
 * their row. */
const struct alg *alg_by_name(const char *name, enum alg_kind kind);
/* Phase-1 lookups by attribute value; encryption also by key length. */
const struct alg *alg_ike_encr(uint16_t ike_id, uint16_t key_bits);
const struct alg *alg_ike_hash(uint16_t ike_id);
const struct alg *alg_dh(uint16_t group);
/* ESP lookups by transform id (and key length), and by auth algorithm. */
const struct alg *alg_esp_encr(uint16_t esp_id, uint16_t key_bits);
const struct alg *alg_esp_auth(uint16_t auth_id);

/* Digest output length in bytes of an ALG_INTEG row's phase-1 hash. */
unsigned alg_hash_bytes(const struct alg *a);
/* ESP integrity key length in bytes (the HMAC's digest length). */
unsigned alg_auth_key_bytes(const struct alg *a);

/* Iteration over all rows, for tests and listings. */
const struct alg *alg_table(unsigned *n);

#endif
