/* crypto/x509_name: DNs parsed, printed and matched as strongSwan does
 * (RDN order matters, '*' values), SAN IDs, and the info of status. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "crypto/x509.h"
#include "pki_fixture.h"
#include "wire/isakmp.h"

struct dn {
	uint8_t der[X509_DN_MAX];
	size_t len;
};

static struct dn dn(const char *s)
{
	struct dn d;
	const char *why = NULL;

	if (x509_dn_parse(s, d.der, &d.len, sizeof(d.der), &why))
		fail_msg("%s: %s", s, why);
	return d;
}

static void round_trip(const char *in, const char *want)
{
	struct dn d = dn(in);
	char out[256];

	assert_int_equal(x509_dn_str(d.der, d.len, out, sizeof(out)), (int)strlen(want));
	assert_string_equal(out, want);
}

static void test_parse_print(void **state)
{
	round_trip("C=CH, O=oakley, CN=west", "C=CH, O=oakley, CN=west");
	round_trip("  C = CH ,O=oakley,CN=west  ", "C=CH, O=oakley, CN=west");
	round_trip("/C=CH/O=oakley/CN=Test CA", "C=CH, O=oakley, CN=Test CA");
	round_trip("C=CH, O=\"Example, Inc.\", CN=west", "C=CH, O=Example, Inc., CN=west");
	round_trip("C=CH, OU=*, CN=west", "C=CH, OU=*, CN=west");
	round_trip("E=west@example.com, CN=west", "E=west@example.com, CN=west");
	round_trip("emailAddress=a@b, CN=Zürich", "E=a@b, CN=Zürich");
	round_trip("DC=example, DC=com, UID=w", "DC=example, DC=com, UID=w");
}

static void test_parse_errors(void **state)
{
	uint8_t der[X509_DN_MAX];
	size_t len;
	const char *why = NULL;
	char long_dn[600];

	assert_int_equal(x509_dn_parse("west", der, &len, sizeof(der), &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(x509_dn_parse("C=CH, XX=y", der, &len, sizeof(der), &why), -EINVAL);
	assert_string_equal(why, "has an unknown attribute type");
	assert_int_equal(x509_dn_parse("C=CH, CN=", der, &len, sizeof(der), &why), -EINVAL);
	assert_int_equal(x509_dn_parse("CN=\"open", der, &len, sizeof(der), &why), -EINVAL);
	assert_string_equal(why, "has an unterminated quoted value");
	assert_int_equal(x509_dn_parse("", der, &len, sizeof(der), &why), -EINVAL);
	memset(long_dn, 0, sizeof(long_dn));
	for (int i = 0; i < 30; i++)
		strcat(long_dn, "OU=abcdefghijkl, ");
	strcat(long_dn, "CN=x");
	assert_int_equal(x509_dn_parse(long_dn, der, &len, sizeof(der), &why), -EINVAL);
	assert_string_equal(why, "is too long a distinguished name");
	assert_int_equal(x509_dn_str((const uint8_t *)"\x30\x05", 2, (char *)der, sizeof(der)),
			 -EINVAL);
}

static bool match(const char *a, const char *pattern)
{
	struct dn d = dn(a), p = dn(pattern);

	return x509_dn_match(d.der, d.len, p.der, p.len);
}

static void test_match(void **state)
{
	assert_true(match("C=CH, O=oakley, CN=west", "C=CH, O=oakley, CN=west"));
	assert_true(match("C=CH, O=oakley, CN=west", "C=CH, O=oakley, CN=*"));
	assert_true(match("C=CH, O=oakley, CN=west", "C=*, O=*, CN=*"));
	/* RDN order matters */
	assert_false(match("C=CH, O=oakley, CN=west", "CN=west, O=oakley, C=CH"));
	/* all RDNs, no more, no fewer */
	assert_false(match("C=CH, O=oakley, CN=west", "C=CH, CN=west"));
	assert_false(match("C=CH, CN=west", "C=CH, O=*, CN=west"));
	/* another value, another type */
	assert_false(match("C=CH, O=oakley, CN=west", "C=CH, O=oakley, CN=east"));
	assert_false(match("C=CH, O=oakley, CN=west", "C=CH, OU=oakley, CN=west"));
	/* case: ignored in PrintableStrings (as strongSwan), kept in UTF8Strings */
	assert_true(match("C=CH, O=oakley, CN=west", "C=ch, O=OAKLEY, CN=West"));
	assert_false(match("CN=Zürich", "CN=zürich"));
	/* a '*' in the name is not a wildcard */
	assert_false(match("C=CH, CN=*", "C=CH, CN=west"));
}

static void test_cert_names(void **state)
{
	X509 *c = pki_cert("west-rsa.pem");
	uint8_t der[1024];
	size_t len;
	char s[256];
	struct dn pat = dn("C=CH, O=oakley, CN=west"), wild = dn("C=CH, O=*, CN=west"),
		  other = dn("C=CH, O=oakley, CN=east");

	/* the certificate's UTF8Strings match a configured DN's PrintableStrings */
	assert_int_equal(x509_subject_der(c, der, &len, sizeof(der)), 0);
	assert_true(x509_dn_match(der, len, pat.der, pat.len));
	assert_int_equal(x509_subject_der(c, der, &len, 4), -ENOSPC);
	assert_int_equal(x509_issuer_der(c, der, &len, sizeof(der)), 0);
	x509_dn_str(der, len, s, sizeof(s));
	assert_string_equal(s, "C=CH, O=oakley, CN=Test CA");
	x509_name_short(X509_get_issuer_name(c), s, sizeof(s));
	assert_string_equal(s, "CN=Test CA");
	assert_true(x509_has_id(c, ID_DER_ASN1_DN, pat.der, pat.len));
	/* a peer's ID "O=*" is not a pattern against its own certificate */
	assert_false(x509_has_id(c, ID_DER_ASN1_DN, wild.der, wild.len));
	assert_false(x509_has_id(c, ID_DER_ASN1_DN, other.der, other.len));
	X509_free(c);
}

/* A CN with control bytes (a stranger's certificate, named in our log and
 * status) is printed with '?' in their place. */
static void test_name_short_control_bytes(void **state)
{
	X509_NAME *n = X509_NAME_new();
	char s[128];

	(void)state;
	assert_non_null(n);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
						    (const unsigned char *)"evil\nSA up\x1b[2J\x7f",
						    -1, -1, 0),
			 1);
	x509_name_short(n, s, sizeof(s));
	assert_string_equal(s, "CN=evil?SA up?[2J?");
	X509_NAME_free(n);
}

static void test_san(void **state)
{
	X509 *c = pki_cert("west-ec256.pem");
	uint8_t v4[4], v6[16] = {0};

	assert_true(x509_has_id(c, ID_FQDN, (const uint8_t *)"west.example", 12));
	assert_true(x509_has_id(c, ID_FQDN, (const uint8_t *)"WEST.Example", 12));
	assert_false(x509_has_id(c, ID_FQDN, (const uint8_t *)"east.example", 12));
	assert_false(x509_has_id(c, ID_FQDN, (const uint8_t *)"west.exampl", 11));
	assert_true(x509_has_id(c, ID_USER_FQDN, (const uint8_t *)"west@example.com", 16));
	assert_true(x509_has_id(c, ID_USER_FQDN, (const uint8_t *)"West@Example.COM", 16));
	/* an FQDN is not an e-mail address and back */
	assert_false(x509_has_id(c, ID_USER_FQDN, (const uint8_t *)"west.example", 12));
	assert_false(x509_has_id(c, ID_FQDN, (const uint8_t *)"west@example.com", 16));
	inet_pton(AF_INET, "192.0.2.1", v4);
	assert_true(x509_has_id(c, ID_IPV4_ADDR, v4, 4));
	inet_pton(AF_INET, "192.0.2.2", v4);
	assert_false(x509_has_id(c, ID_IPV4_ADDR, v4, 4));
	assert_false(x509_has_id(c, ID_IPV6_ADDR, v6, 16));
	assert_false(x509_has_id(c, ID_KEY_ID, (const uint8_t *)"west", 4));
	X509_free(c);
}

static void test_info(void **state)
{
	X509 *c = pki_cert("east-expired.pem"), *ca = pki_cert("ca.pem"),
	     *ec = pki_cert("east-ec384.pem");
	struct x509_info i;
	struct x509_crl_info ci;
	size_t len;
	uint8_t *data = pki_read("crl.der", &len);
	X509_CRL *crl = NULL;

	x509_info(c, &i);
	assert_string_equal(i.subject, "C=CH, O=oakley, CN=east");
	assert_string_equal(i.issuer, "C=CH, O=oakley, CN=Test CA");
	assert_string_equal(i.not_before, "2025-01-01 00:00:00 UTC");
	assert_string_equal(i.not_after, "2026-01-01 00:00:00 UTC");
	assert_string_equal(i.key, "RSA-3072");
	assert_true(strlen(i.serial) > 0);
	assert_false(i.ca);
	assert_false(i.self_signed);
	x509_info(ca, &i);
	assert_true(i.ca);
	assert_true(i.self_signed);
	x509_info(ec, &i);
	assert_string_equal(i.key, "ECDSA P-384");
	assert_int_equal(x509_crl_read(data, len, &crl, NULL, 0), 0);
	x509_crl_info(crl, &ci);
	assert_string_equal(ci.issuer, "C=CH, O=oakley, CN=Test CA");
	assert_int_equal(ci.revoked, 1);
	assert_true(strlen(ci.last_update) > 0 && strlen(ci.next_update) > 0);
	X509_CRL_free(crl);
	free(data);
	X509_free(c);
	X509_free(ca);
	X509_free(ec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_print),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_cert_names),
		cmocka_unit_test(test_name_short_control_bytes),
		cmocka_unit_test(test_san),
		cmocka_unit_test(test_info),
	};

	return cmocka_run_group_tests_name("x509_name", tests, NULL, NULL);
}
