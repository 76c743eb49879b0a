/* crypto/x509_read: certificates, keys and CRLs of the test PKI
 * (tests/pki/mkpki.sh) in PEM and DER; what is refused and in which words. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "crypto/x509.h"
#include "pki_fixture.h"
#include "wire/isakmp.h"

static void test_certs_pem_der(void **state)
{
	size_t len;
	uint8_t *pem = pki_read("chain-west-int.pem", &len), *der = NULL;
	STACK_OF(X509) *certs = NULL;
	char why[128] = "", cn[64];
	int derlen;

	assert_int_equal(x509_certs_read(pem, len, &certs, why, sizeof(why)), 0);
	assert_int_equal(sk_X509_num(certs), 2);
	X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(certs, 0)), NID_commonName,
				  cn, sizeof(cn));
	assert_string_equal(cn, "west");
	X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(certs, 1)), NID_commonName,
				  cn, sizeof(cn));
	assert_string_equal(cn, "Test Intermediate CA");
	derlen = i2d_X509(sk_X509_value(certs, 0), &der);
	sk_X509_pop_free(certs, X509_free);
	certs = NULL;
	assert_int_equal(x509_certs_read(der, (size_t)derlen, &certs, why, sizeof(why)), 0);
	assert_int_equal(sk_X509_num(certs), 1);
	sk_X509_pop_free(certs, X509_free);
	/* DER with trailing bytes, truncated DER, garbage, PEM with no certificate */
	der = OPENSSL_realloc(der, (size_t)derlen + 1);
	der[derlen] = 0;
	assert_int_equal(x509_certs_read(der, (size_t)derlen + 1, &certs, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "not PEM or DER: bytes after the certificate");
	assert_int_equal(x509_certs_read(der, (size_t)derlen / 2, &certs, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "not PEM or DER"));
	assert_int_equal(x509_certs_read((const uint8_t *)"hello", 5, &certs, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "not PEM or DER"));
	OPENSSL_free(der);
	free(pem);
	pem = pki_read("west-rsa.key", &len);
	assert_int_equal(x509_certs_read(pem, len, &certs, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "no certificate in it");
	free(pem);
}

static void key_ok(const char *name, uint16_t method, const char *cert)
{
	size_t len;
	uint8_t *data = pki_read(name, &len);
	EVP_PKEY *k = NULL;
	X509 *c = pki_cert(cert), *other = pki_cert("ca.pem");
	char why[128];

	assert_int_equal(x509_key_read(data, len, &k, why, sizeof(why)), 0);
	assert_int_equal(x509_auth_method_for_key(k), method);
	assert_true(x509_key_matches(c, k));
	assert_false(x509_key_matches(other, k));
	EVP_PKEY_free(k);
	X509_free(c);
	X509_free(other);
	free(data);
}

static void test_keys(void **state)
{
	key_ok("west-rsa.key", IKE_AUTH_RSA_SIG, "west-rsa.pem");
	key_ok("west-ec256.key", IKE_AUTH_ECDSA_256, "west-ec256.pem");
	key_ok("west-ec384.key", IKE_AUTH_ECDSA_384, "west-ec384.pem");
	key_ok("east-ec521.key", IKE_AUTH_ECDSA_521, "east-ec521.pem");
	assert_int_equal(x509_auth_method_for_key(NULL), 0);
}

static void test_key_der_and_garbage(void **state)
{
	EVP_PKEY *k = pki_key("east-ec256.key"), *back = NULL;
	unsigned char *der = NULL;
	int derlen = i2d_PrivateKey(k, &der);
	char why[128];

	assert_true(derlen > 0);
	assert_int_equal(x509_key_read(der, (size_t)derlen, &back, why, sizeof(why)), 0);
	assert_int_equal(EVP_PKEY_eq(k, back), 1);
	EVP_PKEY_free(back);
	assert_int_equal(x509_key_read(der, (size_t)derlen / 2, &back, why, sizeof(why)), -EINVAL);
	assert_null(back);
	assert_non_null(strstr(why, "not a private key in PEM or DER"));
	assert_int_equal(x509_key_read((const uint8_t *)"x", 1, &back, why, sizeof(why)), -EINVAL);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

static const char enc_why[] =
	"is encrypted; oakley needs it unencrypted (openssl pkey -in KEY -out PLAIN)";

static void test_key_encrypted(void **state)
{
	EVP_PKEY *k = pki_key("west-ec256.key"), *back = NULL;
	BIO *b;
	char *data, why[128];
	long len;

	/* PKCS#8 "ENCRYPTED PRIVATE KEY" */
	b = BIO_new(BIO_s_mem());
	assert_int_equal(
		PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_128_cbc(), "pw", 2, NULL, NULL), 1);
	len = BIO_get_mem_data(b, &data);
	assert_int_equal(x509_key_read((uint8_t *)data, (size_t)len, &back, why, sizeof(why)),
			 -EINVAL);
	assert_null(back);
	assert_string_equal(why, enc_why);
	BIO_free(b);
	/* traditional, "Proc-Type: 4,ENCRYPTED" */
	b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(b, k, EVP_aes_128_cbc(),
							      (unsigned char *)"pw", 2, NULL, NULL),
			 1);
	len = BIO_get_mem_data(b, &data);
	assert_non_null(strstr(data, "ENCRYPTED"));
	assert_int_equal(x509_key_read((uint8_t *)data, (size_t)len, &back, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, enc_why);
	BIO_free(b);
	/* DER PKCS#8 EncryptedPrivateKeyInfo */
	b = BIO_new(BIO_s_mem());
	assert_int_equal(i2d_PKCS8PrivateKey_bio(b, k, EVP_aes_128_cbc(), "pw", 2, NULL, NULL), 1);
	len = BIO_get_mem_data(b, &data);
	assert_int_equal(x509_key_read((uint8_t *)data, (size_t)len, &back, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, enc_why);
	BIO_free(b);
	EVP_PKEY_free(k);
}

static void test_crl(void **state)
{
	size_t len;
	uint8_t *pem = pki_read("crl.pem", &len), *der;
	X509_CRL *crl = NULL;
	char why[128];

	assert_int_equal(x509_crl_read(pem, len, &crl, why, sizeof(why)), 0);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 1);
	X509_CRL_free(crl);
	free(pem);
	der = pki_read("crl.der", &len);
	assert_int_equal(x509_crl_read(der, len, &crl, why, sizeof(why)), 0);
	X509_CRL_free(crl);
	assert_int_equal(x509_crl_read(der, len - 1, &crl, why, sizeof(why)), -EINVAL);
	assert_null(crl);
	assert_non_null(strstr(why, "not a CRL in PEM or DER"));
	free(der);
	pem = pki_read("ca.pem", &len);
	assert_int_equal(x509_crl_read(pem, len, &crl, why, sizeof(why)), -EINVAL);
	free(pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certs_pem_der),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_key_der_and_garbage),
		cmocka_unit_test(test_key_encrypted),
		cmocka_unit_test(test_crl),
	};

	return cmocka_run_group_tests_name("x509_read", tests, NULL, NULL);
}
