#include "crypto/cbc.h"

#include <errno.h>
#include <limits.h>

#include <openssl/evp.h>

#include "crypto/fetch.h"

size_t crypto_cipher_block(const char *cipher)
{
	const EVP_CIPHER *c = crypto_fetch_cipher(cipher);
	int n = c ? EVP_CIPHER_get_block_size(c) : 0;

	return n > 0 ? (size_t)n : 0;
}

size_t crypto_cipher_key_len(const char *cipher)
{
	const EVP_CIPHER *c = crypto_fetch_cipher(cipher);
	int n = c ? EVP_CIPHER_get_key_length(c) : 0;

	return n > 0 ? (size_t)n : 0;
}

int crypto_cbc(const char *cipher, const uint8_t *key, size_t keylen, const uint8_t *iv,
	       const uint8_t *in, size_t len, uint8_t *out, bool encrypt)
{
	const EVP_CIPHER *c = crypto_fetch_cipher(cipher);
	EVP_CIPHER_CTX *ctx = NULL;
	int block, n, fin, ret = -EINVAL;

	if (!c)
		return -EINVAL;
	block = EVP_CIPHER_get_block_size(c);
	if (EVP_CIPHER_get_mode(c) != EVP_CIPH_CBC_MODE || block <= 0 ||
	    keylen != (size_t)EVP_CIPHER_get_key_length(c) || len % (size_t)block || len > INT_MAX)
		goto out;
	ret = -EIO;
	if (!(ctx = EVP_CIPHER_CTX_new()) ||
	    !EVP_CipherInit_ex2(ctx, c, key, iv, encrypt ? 1 : 0, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	if (!EVP_CipherUpdate(ctx, out, &n, in, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, out + n, &fin) || (size_t)(n + fin) != len)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
	return ret;
}
