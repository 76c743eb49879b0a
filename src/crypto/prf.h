/* The IKEv1 prf (HMAC of the negotiated hash, RFC 2409 section 3.1) and
 * the plain hash, over scattered input.  md is an EVP digest name, the
 * alg table's `openssl` field: "MD5", "SHA1", "SHA256", "SHA384", "SHA512". */
#ifndef OAKLEY_CRYPTO_PRF_H
#define OAKLEY_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Output length of md in bytes; 0 when OpenSSL does not know md. */
size_t crypto_md_len(const char *md);

/* out = HMAC-md(key, iov[0] | ... | iov[n-1]); out holds crypto_md_len(md)
 * bytes.  keylen may be 0; iov entries may be empty.  0, -EINVAL (unknown
 * md) or -EIO. */
int crypto_prf(const char *md, const uint8_t *key, size_t keylen, const struct iovec *iov,
	       unsigned n, uint8_t *out);

/* out = md(iov[0] | ... | iov[n-1]).  0, -EINVAL or -EIO. */
int crypto_hash(const char *md, const struct iovec *iov, unsigned n, uint8_t *out);

#endif
