/* Phase-1 encryption (RFC 2409 appendix B, RFC 2408 3.1): CBC without
 * OpenSSL's padding; the caller pads to the block and keeps the IV chain.
 * cipher is an EVP cipher name, the alg table's `openssl` field. */
#ifndef OAKLEY_CRYPTO_CBC_H
#define OAKLEY_CRYPTO_CBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Block size of cipher in bytes (16 for AES, 8 for 3DES); 0 if unknown. */
size_t crypto_cipher_block(const char *cipher);
/* Key length of cipher in bytes; 0 if unknown. */
size_t crypto_cipher_key_len(const char *cipher);

/* Encrypts or decrypts len bytes (a multiple of the block) from in to out
 * with key (keylen must be the cipher's key length) and iv (one block).
 * in and out may be the same buffer.  The last ciphertext block is the
 * next IV of the chain.  0, -EINVAL (unknown cipher, bad lengths) or -EIO. */
int crypto_cbc(const char *cipher, const uint8_t *key, size_t keylen, const uint8_t *iv,
	       const uint8_t *in, size_t len, uint8_t *out, bool encrypt);

#endif
