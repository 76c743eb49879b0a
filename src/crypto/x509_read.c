/* Reading certificates, private keys and CRLs (PEM or DER) with OpenSSL,
 * and what a key is good for (crypto/x509.h). */
#include "crypto/x509.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "crypto/x509_internal.h"
#include "wire/isakmp.h"

static const char encrypted_why[] =
	"is encrypted; oakley needs it unencrypted (openssl pkey -in KEY -out PLAIN)";

void x509_why_ssl(char *why, size_t whylen, const char *prefix)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (why && whylen)
		snprintf(why, whylen, "%s%s%s", prefix, reason ? ": " : "", reason ? reason : "");
	ERR_clear_error();
}

static bool is_pem(const uint8_t *data, size_t len)
{
	static const char tag[] = "-----BEGIN ";

	return len >= sizeof(tag) - 1 && memmem(data, len, tag, sizeof(tag) - 1);
}

static BIO *mem_bio(const uint8_t *data, size_t len)
{
	return len > INT32_MAX ? NULL : BIO_new_mem_buf(data, (int)len);
}

static int certs_pem(const uint8_t *data, size_t len, STACK_OF(X509) * certs, char *why,
		     size_t whylen)
{
	BIO *bio = mem_bio(data, len);
	X509 *c;
	int ret = -EINVAL;

	if (!bio)
		return -ENOMEM;
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		if (!sk_X509_push(certs, c)) {
			X509_free(c);
			ret = -ENOMEM;
			goto out;
		}
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
		x509_why_ssl(why, whylen, "not PEM or DER");
		goto out;
	}
	ERR_clear_error();
	if (!sk_X509_num(certs)) {
		snprintf(why, whylen, "no certificate in it");
		goto out;
	}
	ret = 0;
out:
	BIO_free(bio);
	return ret;
}

int x509_certs_read(const uint8_t *data, size_t len, STACK_OF(X509) * *out, char *why,
		    size_t whylen)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	const unsigned char *p = data;
	X509 *c;
	int ret = -ENOMEM;

	if (!certs)
		return -ENOMEM;
	if (is_pem(data, len)) {
		if ((ret = certs_pem(data, len, certs, why, whylen)) < 0)
			goto out;
	} else {
		ret = -EINVAL;
		if (!len || len > INT32_MAX || !(c = d2i_X509(NULL, &p, (long)len))) {
			x509_why_ssl(why, whylen, len ? "not PEM or DER" : "no certificate in it");
			goto out;
		}
		if (p != data + len || !sk_X509_push(certs, c)) {
			X509_free(c);
			snprintf(why, whylen, "not PEM or DER: bytes after the certificate");
			goto out;
		}
	}
	*out = certs;
	certs = NULL;
	ret = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	return ret;
}

/* Called by PEM reading only for an encrypted key: notes it, gives no
 * passphrase. */
static int no_pass(char *buf, int size, int rwflag, void *u)
{
	*(bool *)u = true;
	return -1;
}

static int key_der(const uint8_t *data, size_t len, EVP_PKEY **out, char *why, size_t whylen)
{
	const unsigned char *p = data;
	X509_SIG *enc;

	if ((*out = d2i_AutoPrivateKey(NULL, &p, (long)len)))
		return 0;
	p = data;
	if ((enc = d2i_X509_SIG(NULL, &p, (long)len))) { /* PKCS#8 EncryptedPrivateKeyInfo */
		X509_SIG_free(enc);
		ERR_clear_error();
		snprintf(why, whylen, "%s", encrypted_why);
		return -EINVAL;
	}
	x509_why_ssl(why, whylen, "not a private key in PEM or DER");
	return -EINVAL;
}

int x509_key_read(const uint8_t *data, size_t len, EVP_PKEY **out, char *why, size_t whylen)
{
	bool encrypted = false;
	BIO *bio;

	*out = NULL;
	if (!len || len > INT32_MAX) {
		snprintf(why, whylen, "not a private key in PEM or DER");
		return -EINVAL;
	}
	if (!is_pem(data, len))
		return key_der(data, len, out, why, whylen);
	if (!(bio = mem_bio(data, len)))
		return -ENOMEM;
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_pass, &encrypted);
	BIO_free(bio);
	if (*out)
		return 0;
	if (encrypted) {
		ERR_clear_error();
		snprintf(why, whylen, "%s", encrypted_why);
	} else {
		x509_why_ssl(why, whylen, "not a private key in PEM or DER");
	}
	return -EINVAL;
}

int x509_crl_read(const uint8_t *data, size_t len, X509_CRL **out, char *why, size_t whylen)
{
	const unsigned char *p = data;
	BIO *bio;

	*out = NULL;
	if (!len || len > INT32_MAX) {
		snprintf(why, whylen, "no CRL in it");
		return -EINVAL;
	}
	if (is_pem(data, len)) {
		if (!(bio = mem_bio(data, len)))
			return -ENOMEM;
		*out = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else if ((*out = d2i_X509_CRL(NULL, &p, (long)len)) && p != data + len) {
		X509_CRL_free(*out);
		*out = NULL;
	}
	if (*out)
		return 0;
	x509_why_ssl(why, whylen, "not a CRL in PEM or DER");
	return -EINVAL;
}

bool x509_key_matches(X509 *cert, EVP_PKEY *key)
{
	EVP_PKEY *pub = cert ? X509_get0_pubkey(cert) : NULL;
	bool same = pub && key && EVP_PKEY_eq(pub, key) == 1;

	ERR_clear_error();
	return same;
}

/* The NID of an EC key's named curve, NID_undef for anything else. */
static int ec_curve_nid(EVP_PKEY *key)
{
	char name[64];
	int nid;

	if (!EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					    NULL))
		return NID_undef;
	if ((nid = OBJ_sn2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

uint16_t x509_auth_method_for_key(EVP_PKEY *key)
{
	if (!key)
		return 0;
	if (EVP_PKEY_is_a(key, "RSA"))
		return IKE_AUTH_RSA_SIG;
	switch (ec_curve_nid(key)) {
	case NID_X9_62_prime256v1:
		return IKE_AUTH_ECDSA_256;
	case NID_secp384r1:
		return IKE_AUTH_ECDSA_384;
	case NID_secp521r1:
		return IKE_AUTH_ECDSA_521;
	}
	return 0;
}
