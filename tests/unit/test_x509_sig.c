/* crypto/x509_sig: the SIG payload's signatures against known answers made
 * by the openssl command line (tests/unit/vectors/mk_x509_sig.sh says how):
 * RSA PKCS#1 v1.5 without DigestInfo is deterministic, so ours must equal
 * openssl's byte for byte; ECDSA is not, so openssl's r|s must verify with
 * ours, and ours must verify through a second path (DER ECDSA-Sig-Value
 * and EVP_PKEY_verify of the public key alone). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "crypto/x509.h"
#include "wire/isakmp.h"

// clang-format off
#include "vectors/x509_sig.h"
// clang-format on

#define BYTES(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

static EVP_PKEY *priv(const char *pem)
{
	EVP_PKEY *k = NULL;
	size_t len = strlen(pem);

	assert_int_equal(x509_key_read((const uint8_t *)pem, len, &k, NULL, 0), 0);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *pub(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);

	BIO_free(b);
	assert_non_null(k);
	return k;
}

static void test_rsa_kat(void **state)
{
	EVP_PKEY *k = priv(kat_rsa_key), *p = pub(kat_rsa_pub);
	uint8_t sig[X509_SIG_MAX];
	size_t siglen = 0;

	assert_int_equal(x509_auth_method_for_key(k), IKE_AUTH_RSA_SIG);
	assert_int_equal(x509_ike_sign(k, IKE_AUTH_RSA_SIG, BYTES(kat_h256), sig, &siglen), 0);
	assert_int_equal(siglen, sizeof(kat_rsa_sig) - 1);
	assert_memory_equal(sig, kat_rsa_sig, siglen);
	assert_int_equal(x509_ike_verify(p, IKE_AUTH_RSA_SIG, BYTES(kat_h256), BYTES(kat_rsa_sig)),
			 0);
	/* a changed hash, a changed signature */
	assert_int_equal(x509_ike_verify(p, IKE_AUTH_RSA_SIG, BYTES(kat_h384), BYTES(kat_rsa_sig)),
			 -EBADMSG);
	sig[10] ^= 1;
	assert_int_equal(x509_ike_verify(p, IKE_AUTH_RSA_SIG, BYTES(kat_h256), sig, siglen),
			 -EBADMSG);
	assert_int_equal(x509_ike_verify(p, IKE_AUTH_RSA_SIG, BYTES(kat_h256), sig, siglen - 1),
			 -EBADMSG);
	/* the key does not fit ECDSA */
	assert_int_equal(x509_ike_sign(k, IKE_AUTH_ECDSA_256, BYTES(kat_h256), sig, &siglen),
			 -EINVAL);
	assert_int_equal(
		x509_ike_verify(p, IKE_AUTH_ECDSA_256, BYTES(kat_h256), BYTES(kat_rsa_sig)),
		-EINVAL);
	assert_int_equal(x509_ike_sign(k, IKE_AUTH_PSK, BYTES(kat_h256), sig, &siglen), -EINVAL);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
}

/* The second path: r|s -> DER by hand, verified by EVP_PKEY_verify. */
static void verify_der(EVP_PKEY *p, const uint8_t *hash, size_t hashlen, const uint8_t *sig,
		       size_t siglen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *der = NULL;
	int derlen;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(p, NULL);

	assert_true(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)siglen / 2, NULL),
				   BN_bin2bn(sig + siglen / 2, (int)siglen / 2, NULL)));
	assert_true((derlen = i2d_ECDSA_SIG(es, &der)) > 0);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_verify(ctx, der, (size_t)derlen, hash, hashlen), 1);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
}

static void ecdsa(uint16_t method, const char *key, const char *pubkey, const char *h, size_t hlen,
		  const char *ref, size_t reflen, size_t half)
{
	EVP_PKEY *k = priv(key), *p = pub(pubkey);
	const uint8_t *hash = (const uint8_t *)h;
	uint8_t sig[X509_SIG_MAX], bad[X509_SIG_MAX];
	size_t siglen = 0;

	assert_int_equal(x509_auth_method_for_key(k), method);
	assert_int_equal(x509_auth_method_for_key(p), method);
	assert_int_equal(reflen, 2 * half);
	/* openssl's signature verifies with ours */
	assert_int_equal(x509_ike_verify(p, method, hash, hlen, (const uint8_t *)ref, reflen), 0);
	/* ours: r | s of the curve's size, verifies both ways */
	assert_int_equal(x509_ike_sign(k, method, hash, hlen, sig, &siglen), 0);
	assert_int_equal(siglen, 2 * half);
	assert_int_equal(x509_ike_verify(p, method, hash, hlen, sig, siglen), 0);
	verify_der(p, hash, hlen, sig, siglen);
	/* refused: a flipped bit in s, a wrong length, another method */
	memcpy(bad, ref, reflen);
	bad[reflen - 1] ^= 0x80;
	assert_int_equal(x509_ike_verify(p, method, hash, hlen, bad, reflen), -EBADMSG);
	assert_int_equal(x509_ike_verify(p, method, hash, hlen, (const uint8_t *)ref, reflen - 1),
			 -EBADMSG);
	assert_int_equal(
		x509_ike_verify(p, IKE_AUTH_RSA_SIG, hash, hlen, (const uint8_t *)ref, reflen),
		-EINVAL);
	assert_int_equal(x509_ike_sign(k,
				       method == IKE_AUTH_ECDSA_256 ? IKE_AUTH_ECDSA_384
								    : IKE_AUTH_ECDSA_256,
				       hash, hlen, sig, &siglen),
			 -EINVAL);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
}

static void test_ecdsa_256(void **state)
{
	ecdsa(IKE_AUTH_ECDSA_256, kat_ec256_key, kat_ec256_pub, kat_h256, sizeof(kat_h256) - 1,
	      kat_ec256_sig, sizeof(kat_ec256_sig) - 1, 32);
}

static void test_ecdsa_384(void **state)
{
	ecdsa(IKE_AUTH_ECDSA_384, kat_ec384_key, kat_ec384_pub, kat_h384, sizeof(kat_h384) - 1,
	      kat_ec384_sig, sizeof(kat_ec384_sig) - 1, 48);
}

static void test_ecdsa_521(void **state)
{
	ecdsa(IKE_AUTH_ECDSA_521, kat_ec521_key, kat_ec521_pub, kat_h512, sizeof(kat_h512) - 1,
	      kat_ec521_sig, sizeof(kat_ec521_sig) - 1, 66);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_kat),
		cmocka_unit_test(test_ecdsa_256),
		cmocka_unit_test(test_ecdsa_384),
		cmocka_unit_test(test_ecdsa_521),
	};

	return cmocka_run_group_tests_name("x509_sig", tests, NULL, NULL);
}
