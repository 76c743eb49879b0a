/* The SIG payload of IKEv1 (RFC 2409 5.1, RFC 4754), as strongSwan's
 * pubkey_v1_authenticator signs it: RSA is SIGN_RSA_EMSA_PKCS1_NULL (PKCS#1
 * v1.5 type 1 padding of HASH itself, no DigestInfo); ECDSA is
 * SIGN_ECDSA_WITH_NULL (ECDSA over HASH itself, which for methods 9/10/11
 * the ike layer computes with HMAC-SHA-256/384/512), sent as r | s, each
 * the curve's size. */
#include "crypto/x509.h"

#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "wire/isakmp.h"

static bool is_ecdsa(uint16_t method)
{
	return method == IKE_AUTH_ECDSA_256 || method == IKE_AUTH_ECDSA_384 ||
	       method == IKE_AUTH_ECDSA_521;
}

/* A signing or verifying context for KEY and METHOD; NULL (with *err) when
 * the key does not fit the method or OpenSSL fails. */
static EVP_PKEY_CTX *sig_ctx(EVP_PKEY *key, uint16_t method, bool sign, int *err)
{
	EVP_PKEY_CTX *ctx;

	*err = -EINVAL;
	if (!key || (method != IKE_AUTH_RSA_SIG && !is_ecdsa(method)) ||
	    x509_auth_method_for_key(key) != method)
		return NULL;
	*err = -EIO;
	if (!(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)))
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) <= 0)
		goto fail;
	if (method == IKE_AUTH_RSA_SIG && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
		goto fail;
	return ctx;
fail:
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

/* The size of r (and of s) for an EC key. */
static size_t ec_half(EVP_PKEY *key)
{
	return ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
}

static int der_to_rs(EVP_PKEY *key, const uint8_t *der, size_t derlen, uint8_t *sig, size_t *siglen)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	const BIGNUM *r, *s;
	size_t n = ec_half(key);
	int ret = -EIO;

	if (!es || 2 * n > X509_SIG_MAX)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, (int)n) < 0 || BN_bn2binpad(s, sig + n, (int)n) < 0)
		goto out;
	*siglen = 2 * n;
	ret = 0;
out:
	ECDSA_SIG_free(es);
	return ret;
}

int x509_ike_sign(EVP_PKEY *key, uint16_t method, const uint8_t *hash, size_t hashlen, uint8_t *sig,
		  size_t *siglen)
{
	uint8_t der[X509_SIG_MAX + 16];
	size_t len = sizeof(der);
	int ret;
	EVP_PKEY_CTX *ctx = sig_ctx(key, method, true, &ret);

	if (!ctx)
		goto out;
	ret = -EIO;
	if ((size_t)EVP_PKEY_get_size(key) > X509_SIG_MAX)
		goto out;
	if (EVP_PKEY_sign(ctx, der, &len, hash, hashlen) <= 0)
		goto out;
	if (method == IKE_AUTH_RSA_SIG) {
		memcpy(sig, der, len);
		*siglen = len;
		ret = 0;
	} else {
		ret = der_to_rs(key, der, len, sig, siglen);
	}
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

/* r | s (each the curve's size) -> DER ECDSA-Sig-Value into *der (freed by
 * the caller with OPENSSL_free); -EBADMSG for a wrong length. */
static int rs_to_der(EVP_PKEY *key, const uint8_t *sig, size_t siglen, unsigned char **der,
		     size_t *derlen)
{
	size_t n = ec_half(key);
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int len, ret = -EBADMSG;

	if (!n || siglen != 2 * n)
		return -EBADMSG;
	ret = -ENOMEM;
	if (!(es = ECDSA_SIG_new()) || !(r = BN_bin2bn(sig, (int)n, NULL)) ||
	    !(s = BN_bin2bn(sig + n, (int)n, NULL)))
		goto out;
	if (!ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL; /* owned by es */
	*der = NULL;
	if ((len = i2d_ECDSA_SIG(es, der)) <= 0)
		goto out;
	*derlen = (size_t)len;
	ret = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return ret;
}

int x509_ike_verify(EVP_PKEY *pub, uint16_t method, const uint8_t *hash, size_t hashlen,
		    const uint8_t *sig, size_t siglen)
{
	unsigned char *der = NULL;
	size_t derlen = siglen;
	const unsigned char *check = sig;
	int ret;
	EVP_PKEY_CTX *ctx = sig_ctx(pub, method, false, &ret);

	if (!ctx)
		goto out;
	if (is_ecdsa(method)) {
		if ((ret = rs_to_der(pub, sig, siglen, &der, &derlen)) < 0)
			goto out;
		check = der;
	}
	ret = EVP_PKEY_verify(ctx, check, derlen, hash, hashlen) == 1 ? 0 : -EBADMSG;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	return ret;
}
