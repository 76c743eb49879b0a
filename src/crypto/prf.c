#include "crypto/prf.h"

#include <errno.h>

#include <openssl/evp.h>

#include "crypto/fetch.h"

size_t crypto_md_len(const char *md)
{
	const EVP_MD *m = crypto_fetch_md(md);
	int len = m ? EVP_MD_get_size(m) : 0;

	return len > 0 ? (size_t)len : 0;
}

int crypto_prf(const char *md, const uint8_t *key, size_t keylen, const struct iovec *iov,
	       unsigned n, uint8_t *out)
{
	static const uint8_t no_key; /* EVP_MAC_init reads a NULL key as "keep the old one" */
	EVP_MAC_CTX *ctx = NULL;
	size_t outlen, mdlen = crypto_md_len(md);
	unsigned i;
	int ret = -EIO;

	if (!mdlen)
		return -EINVAL;
	if (!(ctx = crypto_hmac_ctx(md)))
		goto out;
	if (!EVP_MAC_init(ctx, keylen ? key : &no_key, keylen, NULL))
		goto out;
	for (i = 0; i < n; i++)
		if (iov[i].iov_len && !EVP_MAC_update(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (!EVP_MAC_final(ctx, out, &outlen, mdlen) || outlen != mdlen)
		goto out;
	ret = 0;
out:
	EVP_MAC_CTX_free(ctx); /* wipes the keyed state */
	return ret;
}

int crypto_hash(const char *md, const struct iovec *iov, unsigned n, uint8_t *out)
{
	EVP_MD_CTX *ctx = NULL;
	const EVP_MD *m = crypto_fetch_md(md);
	unsigned i;
	int ret = -EIO;

	if (!m)
		return -EINVAL;
	if (!(ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex2(ctx, m, NULL))
		goto out;
	for (i = 0; i < n; i++)
		if (iov[i].iov_len && !EVP_DigestUpdate(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, NULL))
		goto out;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}
