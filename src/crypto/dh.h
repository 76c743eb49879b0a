/* Diffie-Hellman for the KE payload: MODP groups 1, 2 (RFC 2409 6) and
 * 5, 14..18 (RFC 3526), ECP groups 19..21 (RFC 5903), Curve25519 (31,
 * RFC 8031).  Wire forms: MODP values big-endian, left-padded to the
 * prime's length; ECP public x | y, secret x (RFC 5903 7); X25519 the
 * 32-byte u coordinate (RFC 7748). */
#ifndef OAKLEY_CRYPTO_DH_H
#define OAKLEY_CRYPTO_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DH_MAX_PUBLIC 1024 /* MODP 8192 */
#define DH_MAX_SECRET 1024

struct dh;

bool dh_supported(uint16_t group);
/* KE payload length: MODP prime bytes, ECP 2 * coordinate bytes, X25519
 * 32; 0 for an unsupported group. */
size_t dh_public_len(uint16_t group);
/* Shared secret length: MODP prime bytes, ECP coordinate bytes, X25519
 * 32; 0 for an unsupported group. */
size_t dh_secret_len(uint16_t group);

/* Generates a key pair.  0, -ENOTSUP (group), -ENOMEM or -EIO. */
int dh_new(uint16_t group, struct dh **out);
/* For tests: the key pair of a given private value (big-endian integer
 * for MODP and ECP, the 32-byte scalar for X25519).  Not for daemon use:
 * the daemon's keys come from dh_new. */
int dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len, struct dh **out);
uint16_t dh_group(const struct dh *dh);
/* Writes the public value; len must equal dh_public_len.  0 or -EINVAL. */
int dh_public(const struct dh *dh, uint8_t *out, size_t len);
/* Checks the peer's public value, then computes the shared secret into
 * secret (DH_MAX_SECRET bytes of room) and its length into *secret_len.
 * Refused with -EINVAL: a wrong length; MODP y outside 1 < y < p-1 (for
 * these safe primes the whole test, RFC 6989 section 2); an ECP point not on
 * the curve; an X25519 value giving the all-zero secret (RFC 7748 6.1).
 * Else 0, -ENOMEM or -EIO.  The secret is wiped on failure. */
int dh_shared(struct dh *dh, const uint8_t *peer, size_t len, uint8_t *secret, size_t *secret_len);
/* Frees the key pair; OpenSSL wipes the private value.  NULL is fine. */
void dh_free(struct dh *dh);

/* Key pairs made ahead, as high-rate responders do.  dh_take hands out a
 * key pair of group from the stock when one is ready (it leaves the stock:
 * no key pair is ever handed out twice), else makes one as dh_new does.
 * dh_stock_fill, called by idle workers, makes one key pair for the group
 * taken most recently whose stock is short (DH_STOCK_TARGET, for groups
 * taken from in the last DH_STOCK_RECENT_MS), or frees the stock of a group
 * no longer used; false when there was nothing to do.  Any thread. */
#define DH_STOCK_TARGET	   16
#define DH_STOCK_RECENT_MS 60000
int dh_take(uint16_t group, struct dh **out);
bool dh_stock_fill(void);
size_t dh_stock_count(uint16_t group);
uint64_t dh_stock_handed_out(void); /* key pairs dh_take took from the stock */
void dh_stock_flush(void);	    /* frees every key pair in stock, and the spare peer keys */

#endif
