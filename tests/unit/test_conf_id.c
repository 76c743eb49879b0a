/* IDs and addresses as ipsec.conf writes them: conf_id_parse,
 * conf_id_str, conf_id_equal, conf_addr_parse, conf_addr_str.  Expected
 * bytes are the RFC 2407 4.6.2 encodings (IPv4 in 4 bytes, names as
 * their text without '@'). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "wire/isakmp.h"

static void expect_id(const char *s, uint8_t type, const void *data, size_t len, const char *str)
{
	struct conf_id id;
	char out[CONF_ID_STRLEN];
	const char *why = "unset";

	if (conf_id_parse(s, &id, &why))
		fail_msg("%s: %s", s, why);
	assert_int_equal(id.type, type);
	assert_int_equal(id.len, len);
	assert_memory_equal(id.data, data, len);
	assert_int_equal(conf_id_str(&id, out, sizeof(out)), 0);
	assert_string_equal(out, str);
}

static void expect_bad_id(const char *s, const char *why_want)
{
	struct conf_id id;
	const char *why = NULL;

	assert_int_equal(conf_id_parse(s, &id, &why), -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, why_want);
}

static void test_id_forms(void **state)
{
	static const uint8_t v4[4] = {10, 1, 2, 3};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};

	expect_id("@gw.example", ID_FQDN, "gw.example", 10, "gw.example");
	expect_id("gw.example", ID_FQDN, "gw.example", 10, "gw.example");
	expect_id("user@example.org", ID_USER_FQDN, "user@example.org", 16, "user@example.org");
	expect_id("@@user@example.org", ID_USER_FQDN, "user@example.org", 16, "user@example.org");
	expect_id("10.1.2.3", ID_IPV4_ADDR, v4, 4, "10.1.2.3");
	expect_id("2001:db8::7", ID_IPV6_ADDR, v6, 16, "2001:db8::7");
	expect_id("@#00ff", ID_KEY_ID, "\x00\xff", 2, "@#00ff");
	expect_id("@#0A0b", ID_KEY_ID, "\x0a\x0b", 2, "@#0a0b");
	expect_id("%any", CONF_ID_ANY, "", 0, "%any");
	expect_id("%any6", CONF_ID_ANY, "", 0, "%any");
	/* strongSwan's typed prefixes; the text form keeps the prefix when
	 * the plain one would read back as another type */
	expect_id("fqdn:10.0.0.1", ID_FQDN, "10.0.0.1", 8, "fqdn:10.0.0.1");
	expect_id("fqdn:host", ID_FQDN, "host", 4, "host");
	expect_id("email:x", ID_USER_FQDN, "x", 1, "email:x");
	expect_id("userfqdn:a@b", ID_USER_FQDN, "a@b", 3, "a@b");
	expect_id("rfc822:a@b", ID_USER_FQDN, "a@b", 3, "a@b");
	expect_id("keyid:#0102", ID_KEY_ID, "\x01\x02", 2, "@#0102");
	expect_id("keyid:abc", ID_KEY_ID, "abc", 3, "@#616263");
	expect_id("@a@b", ID_FQDN, "a@b", 3, "fqdn:a@b");
	expect_id("my host", ID_FQDN, "my host", 7, "my host");
}

static void test_id_errors(void **state)
{
	char longname[300];

	expect_bad_id("", "is empty");
	expect_bad_id("@", "is empty");
	expect_bad_id("@@", "is empty");
	expect_bad_id("fqdn:", "is empty");
	expect_bad_id("@#", "needs an even number of hex digits after '#'");
	expect_bad_id("@#123", "needs an even number of hex digits after '#'");
	expect_bad_id("@#zz", "needs an even number of hex digits after '#'");
	expect_bad_id("%defaultroute", "is not an ID (of the % names only %any is one)");
	expect_bad_id("C=CH, O=Org, XX=gw", "has an unknown attribute type");
	expect_bad_id("10.0.0.0/8", "is not supported by oakley: it matches no subnet IDs");
	memset(longname, 'a', 256);
	longname[256] = 0;
	expect_bad_id(longname, "is longer than 255 bytes");
	longname[255] = 0;
	{
		struct conf_id id;

		assert_int_equal(conf_id_parse(longname, &id, NULL), 0);
		assert_int_equal(id.len, 255);
	}
}

static void test_id_equal(void **state)
{
	struct conf_id a, b;

	assert_int_equal(conf_id_parse("@GW.Example", &a, NULL), 0);
	assert_int_equal(conf_id_parse("gw.example", &b, NULL), 0);
	assert_true(conf_id_equal(&a, &b));
	assert_int_equal(conf_id_parse("Bob@Example.org", &a, NULL), 0);
	assert_int_equal(conf_id_parse("bob@example.org", &b, NULL), 0);
	assert_true(conf_id_equal(&a, &b));
	assert_int_equal(conf_id_parse("@#0A", &a, NULL), 0);
	assert_int_equal(conf_id_parse("keyid:\n", &b, NULL), 0); /* the byte 0x0a as text */
	assert_true(conf_id_equal(&a, &b));
	assert_int_equal(conf_id_parse("keyid:\x4a", &b, NULL), 0); /* 'J': no case folding */
	assert_int_equal(conf_id_parse("keyid:j", &a, NULL), 0);
	assert_false(conf_id_equal(&a, &b));
	/* same bytes, other type */
	assert_int_equal(conf_id_parse("fqdn:a@b", &a, NULL), 0);
	assert_int_equal(conf_id_parse("a@b", &b, NULL), 0);
	assert_false(conf_id_equal(&a, &b));
	assert_int_equal(conf_id_parse("10.0.0.1", &a, NULL), 0);
	assert_int_equal(conf_id_parse("10.0.0.2", &b, NULL), 0);
	assert_false(conf_id_equal(&a, &b));
}

/* IDs from the wire reach the logs: what is not printable is escaped. */
static void test_id_str_wire(void **state)
{
	struct conf_id id = {.type = ID_FQDN, .len = 5, .data = {'a', 0x01, '\\', 0xff, 'b'}};
	struct conf_id dn = {.type = ID_DER_ASN1_DN, .len = 2, .data = {0x30, 0x00}};
	struct conf_id bad4 = {.type = ID_IPV4_ADDR, .len = 3, .data = {1, 2, 3}};
	char out[CONF_ID_STRLEN];

	assert_int_equal(conf_id_str(&id, out, sizeof(out)), 0);
	assert_string_equal(out, "a\\x01\\x5c\\xffb");
	assert_int_equal(conf_id_str(&dn, out, sizeof(out)), 0);
	assert_string_equal(out, "(ID type 9) 3000");
	assert_int_equal(conf_id_str(&bad4, out, sizeof(out)), 0);
	assert_string_equal(out, "(ID type 1) 010203");
	assert_int_equal(conf_id_parse("gw.example", &id, NULL), 0);
	assert_int_equal(conf_id_str(&id, out, 5), -ENOSPC);
	assert_string_equal(out, "gw.e");
	assert_int_equal(conf_id_str(&id, out, 0), -ENOSPC);
}

static void test_addr(void **state)
{
	static const uint8_t v4[4] = {192, 0, 2, 1};
	struct conf_addr a, b;
	char out[CONF_ADDR_STRLEN];

	assert_int_equal(conf_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.a.b, v4, 4);
	assert_int_equal(conf_addr_parse("2001:db8::1", &b), 0);
	assert_int_equal(b.family, AF_INET6);
	assert_false(conf_addr_equal(&a, &b));
	assert_int_equal(conf_addr_str(&b, out, sizeof(out)), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(conf_addr_str(&b, out, 4), -ENOSPC);
	assert_int_equal(conf_addr_parse("192.0.2", &a), -EINVAL);
	assert_int_equal(conf_addr_parse("gw.example", &a), -EINVAL);
	assert_int_equal(conf_addr_parse("%any", &a), -EINVAL);
	assert_int_equal(conf_addr_parse("10.0.0.1/8", &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	assert_int_equal(conf_addr_str(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "%any");
	assert_int_equal(conf_addr_str(&a, out, 4), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_forms), cmocka_unit_test(test_id_errors),
		cmocka_unit_test(test_id_equal), cmocka_unit_test(test_id_str_wire),
		cmocka_unit_test(test_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
