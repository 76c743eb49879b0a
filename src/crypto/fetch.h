/* OpenSSL algorithms fetched once per name and kept for the process's
 * life: a fetch by name takes the library's store lock and compares names
 * (with the frees, a third of the phase-1 prf's cost).  Any thread; the
 * objects handed out are shared read-only, the caller does not free them.
 * Names are the alg table's `openssl` field; at most CRYPTO_FETCH_SLOTS of
 * each kind are kept (more than the table has), and an unknown name or a
 * full table gives NULL, as an unknown name always did. */
#ifndef OAKLEY_CRYPTO_FETCH_H
#define OAKLEY_CRYPTO_FETCH_H

#include <openssl/evp.h>

#define CRYPTO_FETCH_SLOTS 32

const EVP_MD *crypto_fetch_md(const char *name);
const EVP_CIPHER *crypto_fetch_cipher(const char *name);

/* A new HMAC context for digest md, not keyed yet: a copy of a kept
 * template that has the digest set, so neither the MAC nor the digest is
 * fetched by name.  EVP_MAC_init(ctx, key, keylen, NULL) keys it; the
 * caller frees it with EVP_MAC_CTX_free, which wipes the keyed state.
 * NULL for an unknown md or out of memory. */
EVP_MAC_CTX *crypto_hmac_ctx(const char *md);

#endif
