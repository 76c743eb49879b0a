#include "crypto/prf.h"

#include <errno.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

size_t crypto_md_len(const char *md)
{
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
	int len;

	if (!m)
		return 0;
	len = EVP_MD_get_size(m);
	EVP_MD_free(m);
	return len > 0 ? (size_t)len : 0;
}

int crypto_prf(const char *md, const uint8_t *key, size_t keylen, const struct iovec *iov,
	       unsigned n, uint8_t *out)
{
	static const uint8_t no_key; /* EVP_MAC_init reads a NULL key as "keep the old one" */
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac = NULL;
	size_t outlen, mdlen = crypto_md_len(md);
	unsigned i;
	int ret = -EIO;

	if (!mdlen)
		return -EINVAL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac || !(ctx = EVP_MAC_CTX_new(mac)))
		goto out;
	if (!EVP_MAC_init(ctx, keylen ? key : &no_key, keylen, params))
		goto out;
	for (i = 0; i < n; i++)
		if (iov[i].iov_len && !EVP_MAC_update(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (!EVP_MAC_final(ctx, out, &outlen, mdlen) || outlen != mdlen)
		goto out;
	ret = 0;
out:
	EVP_MAC_CTX_free(ctx); /* wipes the keyed state */
	EVP_MAC_free(mac);
	return ret;
}

int crypto_hash(const char *md, const struct iovec *iov, unsigned n, uint8_t *out)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
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
	EVP_MD_free(m);
	return ret;
}
