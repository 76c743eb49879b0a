/* Address pools (src/conf/ra_pool.c): which addresses a CIDR hands out
 * (strongSwan's mem_pool: not the network's address nor the broadcast
 * one, from the given address when it is inside the network), ranges,
 * one address, IPv6, the 65536-address limit; conns naming the same range
 * share one pool, overlapping ones are refused; DNS lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "conf/ra.h"

static void test_pool_ranges(void **state)
{
	static const struct {
		const char *text, *first, *last;
	} ok[] = {
		{"10.3.0.0/24", "10.3.0.1", "10.3.0.254"},
		{"10.3.0.100/24", "10.3.0.100", "10.3.0.254"},
		{"10.3.0.0/30", "10.3.0.1", "10.3.0.2"},
		{"10.3.0.0/31", "10.3.0.0", "10.3.0.1"},
		{"10.3.0.1/31", "10.3.0.1", "10.3.0.1"},
		{"10.3.0.5/32", "10.3.0.5", "10.3.0.5"},
		{"10.0.0.0/16", "10.0.0.1", "10.0.255.254"},
		{"10.3.0.7", "10.3.0.7", "10.3.0.7"},
		{"10.3.0.10-10.3.0.20", "10.3.0.10", "10.3.0.20"},
		{"10.3.0.10-10.3.0.10", "10.3.0.10", "10.3.0.10"},
		{"10.0.0.0-10.0.255.255", "10.0.0.0", "10.0.255.255"},
		{"10.0.255.250-10.1.0.5", "10.0.255.250", "10.1.0.5"},
		{"2001:db8::/120", "2001:db8::1", "2001:db8::fe"},
		{"2001:db8::/112", "2001:db8::1", "2001:db8::fffe"},
		{"2001:db8::1:0/112", "2001:db8::1:1", "2001:db8::1:fffe"},
		{"2001:db8::1-2001:db8::ff", "2001:db8::1", "2001:db8::ff"},
		{"2001:db8::ffff:fff0-2001:db8::1:0:f", "2001:db8::ffff:fff0", "2001:db8::1:0:f"},
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"10.3.0.255/24", "holds no address to hand out (it is the broadcast address)"},
		{"10.0.0.0/15", "holds more than 65536 addresses (oakley's largest pool)"},
		{"10.0.0.0-10.1.0.0", "holds more than 65536 addresses (oakley's largest pool)"},
		{"2001:db8::-2001:db9::",
		 "holds more than 65536 addresses (oakley's largest pool)"},
		{"2001:db8::/64", "holds more than 65536 addresses (oakley's largest pool)"},
		{"10.3.0.20-10.3.0.10", "ends before it starts"},
		{"10.3.0.1-2001:db8::1", "mixes IPv4 and IPv6"},
		{"10.3.0.1-", "is not a range FIRST-LAST of two addresses"},
		{"x-10.3.0.1", "is not a range FIRST-LAST of two addresses"},
		{"10.3.0.0/33", "is not a subnet ADDRESS/PREFIXLEN"},
		{"10.3.0.0/", "is not a subnet ADDRESS/PREFIXLEN"},
		{"10.3.0.0/2x", "is not a subnet ADDRESS/PREFIXLEN"},
		{"vpn.example", "is not a pool (CIDR such as 10.3.0.0/24, or FIRST-LAST)"},
		{"10.3.0.0/24,10.4.0.0/24", "names several pools; oakley takes one per conn"},
	};
	struct conf_addr first, last;
	const char *why;
	unsigned i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (conf_pool_parse(ok[i].text, &first, &last, &why))
			fail_msg("%s: %s", ok[i].text, why);
		assert_addr(&first, ok[i].first);
		assert_addr(&last, ok[i].last);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(conf_pool_parse(bad[i].text, &first, &last, &why), -EINVAL);
		assert_non_null(why);
		if (strcmp(why, bad[i].why))
			fail_msg("%s: want \"%s\", got \"%s\"", bad[i].text, bad[i].why, why);
	}
}

/* The same range in either spelling: one pool, named as first written. */
static void test_pool_shared(void **state)
{
	struct loaded l;
	const struct conf *c;

	c = load_ok(&l,
		    "conn %default\n left=10.0.0.1\n right=%any\n leftxauthserver=yes\n"
		    " leftmodecfgserver=yes\n"
		    "conn a\n rightsourceip=10.3.0.0/24\n"
		    "conn b\n rightaddresspool=10.3.0.1-10.3.0.254\n"
		    "conn c\n rightaddresspool=10.4.0.1-10.4.0.9\n"
		    "conn d\n leftsubnet=2001:db8:1::/48\n rightsourceip=2001:db8:2::/120\n",
		    NULL);
	assert_int_equal(c->npools, 3);
	assert_string_equal(c->pools[0].name, "10.3.0.0/24");
	assert_string_equal(c->pools[1].name, "10.4.0.1-10.4.0.9");
	assert_string_equal(c->pools[2].name, "2001:db8:2::/120");
	assert_int_equal(c->conns[0].ra.pool, 1);
	assert_int_equal(c->conns[1].ra.pool, 1);
	assert_int_equal(c->conns[2].ra.pool, 2);
	assert_int_equal(c->conns[3].ra.pool, 3);
	assert_addr(&c->pools[2].last, "2001:db8:2::fe");
	loaded_free(&l);
}

static void test_pool_errors(void **state)
{
	expect_error("conn a\n left=10.0.0.1\n right=%any\n rightsourceip=10.3.0.0/24\n"
		     "conn b\n left=10.0.0.1\n right=%any\n rightaddresspool=10.3.0.200-10.3.1.5\n",
		     8,
		     "rightaddresspool=10.3.0.200-10.3.1.5 overlaps the pool 10.3.0.0/24 of "
		     "another conn (conns share a pool when they name the same range)");
	expect_error("conn a\n left=10.0.0.1\n right=%any\n rightsourceip=10.3.0.0/8\n", 4,
		     "rightsourceip=10.3.0.0/8 holds more than 65536 addresses (oakley's largest "
		     "pool)");
	expect_error("conn a\n left=10.0.0.1\n right=%any\n rightaddresspool=10.3.0.9-10.3.0.1\n",
		     4, "rightaddresspool=10.3.0.9-10.3.0.1 ends before it starts");
}

static void test_dns_lists(void **state)
{
	struct conf_addr a[CONF_MAX_DNS];
	unsigned nconfig;
	const char *why;
	uint8_t n;

	assert_int_equal(conf_dns_parse("10.1.0.53, 10.1.0.54 2001:db8::53", a, &n, NULL, &why), 0);
	assert_int_equal(n, 3);
	assert_addr(&a[0], "10.1.0.53");
	assert_addr(&a[1], "10.1.0.54");
	assert_addr(&a[2], "2001:db8::53");
	assert_int_equal(conf_dns_parse("%config4,%config6", a, &n, &nconfig, &why), 0);
	assert_int_equal(n, 0);
	assert_int_equal(nconfig, 2);
	assert_int_equal(conf_dns_parse("%config4", a, &n, NULL, &why), -EINVAL);
	assert_string_equal(why, "is not a list of addresses");
	assert_int_equal(conf_dns_parse(" , ", a, &n, NULL, &why), -EINVAL);
	assert_string_equal(why, "names no address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_ranges),
		cmocka_unit_test(test_pool_shared),
		cmocka_unit_test(test_pool_errors),
		cmocka_unit_test(test_dns_lists),
	};

	log_setup(true, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
