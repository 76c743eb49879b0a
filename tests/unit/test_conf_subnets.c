/* Several subnets per conn (src/conf/subnets.c): leftsubnet= and
 * rightsubnet= lists become one conn per pair, NAME/LxR, next to one
 * another, with the lists' subnets in the user's left/right terms; bad
 * lists are refused at their line; the pairs cross the privileged
 * helper's configuration message whole. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "priv/internal.h"

#define BASE "conn a\n left=10.0.0.1\n right=10.0.0.2\n"

static void assert_ts(const struct conf_ts *ts, const char *addr, unsigned len)
{
	assert_addr(&ts->addr, addr);
	assert_int_equal(ts->prefixlen, len);
}

static void test_pairs(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l,
				       BASE " leftsubnet=10.1.0.0/24,10.11.0.0/24\n"
					    " rightsubnet=\"10.2.0.0/24, 10.12.0.0/24\"\n"
					    " auto=start\n"
					    "conn b\n left=10.0.0.1\n right=10.0.0.3\n",
				       NULL);
	static const char *const names[] = {"a/1x1", "a/1x2", "a/2x1", "a/2x2"};
	static const char *const lefts[] = {"10.1.0.0", "10.1.0.0", "10.11.0.0", "10.11.0.0"};
	static const char *const rights[] = {"10.2.0.0", "10.12.0.0", "10.2.0.0", "10.12.0.0"};
	const struct conn *g;
	unsigned i, n = 0;
	char group[64];

	assert_int_equal(c->nconns, 5);
	for (i = 0; i < 4; i++) {
		const struct conn *k = &c->conns[i];

		assert_string_equal(k->name, names[i]);
		assert_true(k->local.has_subnet && k->remote.has_subnet);
		assert_ts(&k->local.subnet, lefts[i], 24); /* left is local here */
		assert_ts(&k->remote.subnet, rights[i], 24);
		assert_int_equal(k->group_n, 4);
		assert_int_equal(k->group_i, i);
		assert_int_equal(k->subnet_left, 1 + i / 2);
		assert_int_equal(k->subnet_right, 1 + i % 2);
		assert_int_equal(k->auto_, AUTO_START);
		assert_ptr_equal(conf_conn(c, names[i]), k);
		assert_int_equal(conf_group_name(k, group, sizeof(group)), 0);
		assert_string_equal(group, "a");
	}
	assert_string_equal(c->conns[4].name, "b");
	assert_int_equal(c->conns[4].group_n, 0);
	assert_int_equal(conf_group_name(&c->conns[4], group, sizeof(group)), -ENOENT);
	assert_null(conf_conn(c, "a"));
	g = conf_group(c, "a", &n);
	assert_ptr_equal(g, &c->conns[0]);
	assert_int_equal(n, 4);
	assert_null(conf_group(c, "b", &n));
	assert_null(conf_group(c, "nosuch", &n));
	loaded_free(&l);
}

/* Right on this host: the lists keep their left/right meaning. */
static void test_right_local_and_one_side(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l,
				       "conn x\n left=10.0.0.2\n right=10.0.0.1\n"
				       " leftsubnet=10.2.0.0/24 10.12.0.0/24 10.22.0.0/24\n"
				       " leftprotoport=tcp/80\n",
				       NULL);
	unsigned i;

	assert_int_equal(c->nconns, 3);
	for (i = 0; i < 3; i++) {
		const struct conn *k = &c->conns[i];
		char want[32];

		snprintf(want, sizeof(want), "x/%ux1", i + 1);
		assert_string_equal(k->name, want);
		assert_false(k->local.has_subnet); /* right: the host */
		assert_ts(&k->local.subnet, "10.0.0.1", 32);
		assert_true(k->remote.has_subnet);
		assert_int_equal(k->remote.subnet.addr.a.b[1], (i == 0 ? 2 : i == 1 ? 12 : 22));
		assert_int_equal(k->remote.subnet.proto, 6);
		assert_int_equal(k->remote.subnet.port, 80);
	}
	loaded_free(&l);
}

static void test_ipv6_pairs_and_one_subnet(void **state)
{
	struct loaded l;
	const struct conf *c =
		load_ok(&l,
			"conn v6\n left=2001:db8::1\n right=2001:db8::2\n"
			" leftsubnet=fd00:1::/64,fd00:11::/64\n rightsubnet=fd00:2::/64\n" BASE
			" leftsubnet=10.1.0.0/24\n rightsubnet=10.2.0.0/24\n",
			NULL);

	assert_int_equal(c->nconns, 3);
	assert_string_equal(c->conns[0].name, "v6/1x1");
	assert_string_equal(c->conns[1].name, "v6/2x1");
	assert_ts(&c->conns[1].local.subnet, "fd00:11::", 64);
	assert_ts(&c->conns[1].remote.subnet, "fd00:2::", 64);
	/* one subnet each: an ordinary conn, as before */
	assert_string_equal(c->conns[2].name, "a");
	assert_int_equal(c->conns[2].group_n, 0);
	loaded_free(&l);
}

static void test_bad_lists(void **state)
{
	char text[1024], list[600];
	size_t at = 0;
	unsigned i;

	expect_error(BASE " leftsubnet=10.1.0.0/24,,nonsense\n", 4,
		     "leftsubnet=10.1.0.0/24,,nonsense: 'nonsense' is not a subnet "
		     "(ADDRESS/PREFIXLEN, or an address)");
	expect_error(BASE " rightsubnet=10.2.0.0/24,10.2.0.0/24\n", 4,
		     "rightsubnet=10.2.0.0/24,10.2.0.0/24 lists '10.2.0.0/24' twice");
	expect_error(BASE " leftsubnet=,\n", 4,
		     "leftsubnet=, is not a subnet (ADDRESS/PREFIXLEN, or an address)");
	for (i = 0; i < 17; i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s10.%u.0.0/16", i ? "," : "",
				       i + 1);
	snprintf(text, sizeof(text), BASE " leftsubnet=%s\n", list);
	{
		char msg[800];

		snprintf(msg, sizeof(msg),
			 "leftsubnet=%s lists more than 16 subnets, the most a side may have",
			 list);
		expect_error(text, 4, msg);
	}
	/* sixteen are fine: 16 x 2 pairs */
	list[strrchr(list, ',') - list] = 0;
	snprintf(text, sizeof(text), BASE " leftsubnet=%s\n rightsubnet=10.2.0.0/24,10.3.0.0/24\n",
		 list);
	{
		struct loaded l;

		assert_int_equal(load_ok(&l, text, NULL)->nconns, 32);
		assert_string_equal(l.c->conns[31].name, "a/16x2");
		loaded_free(&l);
	}
	expect_error(BASE " leftsubnet=10.1.0.0/24,fd00::/64\n rightsubnet=10.2.0.0/24\n", 1,
		     "conn 'a': pair 2x1 mixes IPv4 and IPv6 (leftsubnet fd00::/64, rightsubnet "
		     "10.2.0.0/24); a pair is of one address family");
	expect_error(BASE " type=transport\n leftsubnet=10.0.0.1/32,10.0.0.9/32\n", 1,
		     "conn 'a': type=transport protects the hosts' own traffic; several subnets "
		     "need type=tunnel");
	expect_error(BASE " leftsubnet=10.1.0.0/24,10.11.0.0/24\n"
			  "conn a/2x1\n left=10.0.0.1\n right=10.0.0.2\n",
		     1, "conn 'a': its pair 2x1 would be named 'a/2x1', the name of another conn");
}

/* %default and also= pass lists on like any key. */
static void test_inherited(void **state)
{
	struct loaded l;
	const struct conf *c =
		load_ok(&l,
			"conn %default\n leftsubnet=10.1.0.0/24,10.11.0.0/24\n"
			"conn base\n rightsubnet=10.2.0.0/24,10.12.0.0/24\n"
			" auto=ignore\n left=10.9.9.9\n right=10.9.9.8\n" BASE " also=base\n",
			NULL);

	assert_int_equal(c->nconns, 4);
	assert_string_equal(c->conns[3].name, "a/2x2");
	assert_ts(&c->conns[3].remote.subnet, "10.12.0.0", 24);
	loaded_free(&l);
}

static void test_conf_msg(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;
	unsigned i, n = 0;

	load_ok(&l,
		BASE " leftsubnet=10.1.0.0/24,10.11.0.0/24\n rightsubnet=10.2.0.0/24,10.12.0.0/24\n"
		     "conn b\n left=10.0.0.1\n right=10.0.0.3\n",
		NULL);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_int_equal(back->nconns, 5);
	for (i = 0; i < 5; i++) {
		const struct conn *x = &l.c->conns[i], *y = &back->conns[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->group_n, y->group_n);
		assert_int_equal(x->group_i, y->group_i);
		assert_int_equal(x->subnet_left, y->subnet_left);
		assert_int_equal(x->subnet_right, y->subnet_right);
		assert_memory_equal(&x->local.subnet, &y->local.subnet, sizeof(x->local.subnet));
		assert_memory_equal(&x->remote.subnet, &y->remote.subnet, sizeof(x->remote.subnet));
	}
	assert_ptr_equal(conf_group(back, "a", &n), &back->conns[0]);
	assert_int_equal(n, 4);
	conf_free(back);
	buf_free(&b);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_right_local_and_one_side),
		cmocka_unit_test(test_ipv6_pairs_and_one_subnet),
		cmocka_unit_test(test_bad_lists),
		cmocka_unit_test(test_inherited),
		cmocka_unit_test(test_conf_msg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
