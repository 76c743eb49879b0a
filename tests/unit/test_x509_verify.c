/* crypto/x509_trust: the peer's certificate against the anchors and CRLs
 * of the test PKI (tests/pki/mkpki.sh), with the exact refusal sentences. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "crypto/x509.h"
#include "pki_fixture.h"
#include "wire/isakmp.h"

static struct x509_trust *trust(bool crl, bool with_int)
{
	struct x509_trust *t = x509_trust_new();
	X509 *ca = pki_cert("ca.pem"), *in = pki_cert("int.pem");
	size_t len;
	uint8_t *data;
	X509_CRL *c = NULL;

	assert_int_equal(x509_trust_add_ca(t, ca), 0);
	if (with_int)
		assert_int_equal(x509_trust_add_ca(t, in), 0);
	if (crl) {
		data = pki_read("crl.pem", &len);
		assert_int_equal(x509_crl_read(data, len, &c, NULL, 0), 0);
		assert_int_equal(x509_trust_add_crl(t, c), 0);
		X509_CRL_free(c);
		free(data);
	}
	X509_free(ca);
	X509_free(in);
	return t;
}

static int verify(struct x509_trust *t, const char *leaf, const char *untrusted, const uint8_t *ca,
		  size_t calen, X509 *pin, char *why)
{
	X509 *l = pki_cert(leaf);
	STACK_OF(X509) *u = NULL;
	int ret;

	if (untrusted) {
		u = sk_X509_new_null();
		sk_X509_push(u, pki_cert(untrusted));
	}
	why[0] = '\0';
	ret = x509_verify_peer(t, l, u, time(NULL), ca, calen, pin, why, 256);
	sk_X509_pop_free(u, X509_free);
	X509_free(l);
	return ret;
}

static void test_good(void **state)
{
	struct x509_trust *t = trust(true, false);
	char why[256];

	assert_int_equal(verify(t, "east-rsa.pem", NULL, NULL, 0, NULL, why), 0);
	assert_int_equal(verify(t, "east-ec256.pem", NULL, NULL, 0, NULL, why), 0);
	assert_int_equal(verify(t, "west-ec384.pem", NULL, NULL, 0, NULL, why), 0);
	assert_int_equal(verify(t, "east-ec521.pem", NULL, NULL, 0, NULL, why), 0);
	x509_trust_free(t);
}

static void test_chain(void **state)
{
	/* the intermediate only as the peer's CERT payload; ours is not used for a peer */
	struct x509_trust *t = trust(true, true);
	char why[256];

	assert_int_equal(verify(t, "east-int.pem", "int.pem", NULL, 0, NULL, why), 0);
	assert_int_equal(verify(t, "east-int.pem", NULL, NULL, 0, NULL, why),
			 ISAKMP_N_INVALID_CERT_AUTHORITY);
	assert_string_equal(why, "no trusted path: issuer CN=Test Intermediate CA not in cacerts/");
	x509_trust_free(t);
}

static void test_expired(void **state)
{
	struct x509_trust *t = trust(false, false);
	char why[256];

	assert_int_equal(verify(t, "east-expired.pem", NULL, NULL, 0, NULL, why),
			 ISAKMP_N_INVALID_CERTIFICATE);
	assert_string_equal(why, "certificate for CN=east expired 2026-01-01");
	x509_trust_free(t);
}

static void test_not_yet_valid(void **state)
{
	struct x509_trust *t = trust(false, false);
	X509 *l = pki_cert("east-rsa.pem"), *ca = pki_cert("ca.pem");
	char why[256], want[256], date[16];
	struct tm tm;

	/* a day before the root was made: OpenSSL checks from the root down, so the
	 * sentence names the root */
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notBefore(ca), &tm), 1);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(want, sizeof(want), "certificate for CN=Test CA is not valid before %s", date);
	assert_int_equal(
		x509_verify_peer(t, l, NULL, timegm(&tm) - 86400, NULL, 0, NULL, why, sizeof(why)),
		ISAKMP_N_INVALID_CERTIFICATE);
	assert_string_equal(why, want);
	X509_free(l);
	X509_free(ca);
	x509_trust_free(t);
}

static void test_other_ca(void **state)
{
	struct x509_trust *t = trust(true, false);
	char why[256];

	assert_int_equal(verify(t, "east-other.pem", NULL, NULL, 0, NULL, why),
			 ISAKMP_N_INVALID_CERT_AUTHORITY);
	assert_string_equal(why, "no trusted path: issuer CN=Other CA not in cacerts/");
	/* the peer sending the root it chains to does not make it trusted */
	assert_int_equal(verify(t, "east-other.pem", "other-ca.pem", NULL, 0, NULL, why),
			 ISAKMP_N_INVALID_CERT_AUTHORITY);
	assert_string_equal(why, "no trusted path: issuer CN=Other CA not in cacerts/");
	x509_trust_free(t);
}

static void test_revoked(void **state)
{
	struct x509_trust *t = trust(true, false), *nocrl = trust(false, false);
	X509 *l = pki_cert("east-revoked.pem");
	char why[256], want[256], date[16];
	size_t len;
	uint8_t *data = pki_read("crl.pem", &len);
	X509_CRL *crl = NULL;
	X509_REVOKED *rev;
	struct tm tm;

	assert_int_equal(x509_crl_read(data, len, &crl, NULL, 0), 0);
	assert_int_equal(X509_CRL_get0_by_cert(crl, &rev, l), 1);
	assert_int_equal(ASN1_TIME_to_tm(X509_REVOKED_get0_revocationDate(rev), &tm), 1);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(want, sizeof(want), "revoked (CRL from CN=Test CA, %s)", date);
	assert_int_equal(verify(t, "east-revoked.pem", NULL, NULL, 0, NULL, why),
			 ISAKMP_N_INVALID_CERTIFICATE);
	assert_string_equal(why, want);
	/* without the CRL it is not known to be revoked */
	assert_int_equal(verify(nocrl, "east-revoked.pem", NULL, NULL, 0, NULL, why), 0);
	X509_CRL_free(crl);
	X509_free(l);
	free(data);
	x509_trust_free(t);
	x509_trust_free(nocrl);
}

static void test_rightca(void **state)
{
	struct x509_trust *t = trust(true, true);
	uint8_t dn[X509_DN_MAX];
	size_t len;
	const char *why_parse;
	char why[256];

	assert_int_equal(
		x509_dn_parse("C=CH, O=oakley, CN=Test CA", dn, &len, sizeof(dn), &why_parse), 0);
	assert_int_equal(verify(t, "east-rsa.pem", NULL, dn, len, NULL, why), 0);
	assert_int_equal(verify(t, "east-int.pem", "int.pem", dn, len, NULL, why), 0);
	assert_int_equal(x509_dn_parse("C=CH, O=oakley, CN=Test Intermediate CA", dn, &len,
				       sizeof(dn), &why_parse),
			 0);
	assert_int_equal(verify(t, "east-int.pem", "int.pem", dn, len, NULL, why), 0);
	assert_int_equal(verify(t, "east-rsa.pem", NULL, dn, len, NULL, why),
			 ISAKMP_N_INVALID_CERT_AUTHORITY);
	assert_string_equal(why, "issuer is not rightca=C=CH, O=oakley, CN=Test Intermediate CA");
	assert_int_equal(x509_dn_parse("C=CH, O=oakley, CN=*", dn, &len, sizeof(dn), &why_parse),
			 0);
	assert_int_equal(verify(t, "east-rsa.pem", NULL, dn, len, NULL, why), 0);
	x509_trust_free(t);
}

static void test_pin(void **state)
{
	struct x509_trust *t = trust(true, false), *none = x509_trust_new();
	X509 *pin = pki_cert("east-rsa.pem"), *other = pki_cert("east-other.pem");
	char why[256];

	assert_int_equal(verify(t, "east-rsa.pem", NULL, NULL, 0, pin, why), 0);
	assert_int_equal(verify(t, "east-ec256.pem", NULL, NULL, 0, pin, why),
			 ISAKMP_N_INVALID_CERTIFICATE);
	assert_string_equal(why, "not the certificate of rightcert=");
	/* a pinned certificate is trusted itself, dates still checked */
	assert_int_equal(verify(none, "east-other.pem", NULL, NULL, 0, other, why), 0);
	X509_free(pin);
	X509_free(other);
	x509_trust_free(t);
	x509_trust_free(none);
}

static void test_chain_for(void **state)
{
	struct x509_trust *t = trust(false, true), *bare = trust(false, false);
	X509 *leaf = pki_cert("west-int.pem"), *rsa = pki_cert("west-rsa.pem");
	STACK_OF(X509) *out = NULL, *extra = sk_X509_new_null();
	char cn[64];
	const uint8_t *der;
	size_t len;
	unsigned i = 0;

	assert_int_equal(x509_chain_for(t, leaf, NULL, &out), 0);
	assert_int_equal(sk_X509_num(out), 1);
	x509_name_short(X509_get_subject_name(sk_X509_value(out, 0)), cn, sizeof(cn));
	assert_string_equal(cn, "CN=Test Intermediate CA");
	sk_X509_pop_free(out, X509_free);
	/* from the rest of the leftcert file */
	sk_X509_push(extra, pki_cert("int.pem"));
	assert_int_equal(x509_chain_for(bare, leaf, extra, &out), 0);
	assert_int_equal(sk_X509_num(out), 1);
	sk_X509_pop_free(out, X509_free);
	assert_int_equal(x509_chain_for(t, rsa, NULL, &out), 0);
	assert_int_equal(sk_X509_num(out), 0);
	sk_X509_pop_free(out, X509_free);
	/* CR payloads: the anchors only */
	assert_true(x509_trust_next_anchor(t, &i, &der, &len));
	assert_int_equal(x509_dn_str(der, len, cn, sizeof(cn)),
			 strlen("C=CH, O=oakley, CN=Test CA"));
	assert_string_equal(cn, "C=CH, O=oakley, CN=Test CA");
	assert_false(x509_trust_next_anchor(t, &i, &der, &len));
	sk_X509_pop_free(extra, X509_free);
	X509_free(leaf);
	X509_free(rsa);
	x509_trust_free(t);
	x509_trust_free(bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	  cmocka_unit_test(test_chain),
		cmocka_unit_test(test_expired),	  cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_other_ca),  cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_rightca),	  cmocka_unit_test(test_pin),
		cmocka_unit_test(test_chain_for),
	};

	return cmocka_run_group_tests_name("x509_verify", tests, NULL, NULL);
}
