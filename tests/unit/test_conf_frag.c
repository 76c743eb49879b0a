/* fragmentation= (per conn, strongSwan's and Libreswan's values) and
 * fragment_size= (config setup): defaults, values, errors at their line,
 * and both carried through the privileged helper's message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "priv/internal.h"

#define BASE "conn a\n left=10.0.0.1\n right=10.0.0.2\n"

static void test_defaults(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l, BASE, NULL);

	assert_int_equal(c->setup.fragment_size, 0); /* the daemon's 1280 */
	assert_int_equal(CONF_FRAGMENT_SIZE_DEFAULT, 1280);
	assert_int_equal(c->conns[0].fragmentation, CONN_FRAG_YES);
	loaded_free(&l);
}

static void test_values(void **state)
{
	static const struct {
		const char *v;
		enum conn_frag want;
	} cases[] = {
		{"yes", CONN_FRAG_YES},
		{"no", CONN_FRAG_NO},
		{"force", CONN_FRAG_FORCE},
		{"accept", CONN_FRAG_ACCEPT},
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct loaded l;

		snprintf(text, sizeof(text),
			 "config setup\n fragment_size=300\n" BASE " fragmentation=%s\n",
			 cases[i].v);
		load_ok(&l, text, NULL);
		assert_int_equal(l.c->setup.fragment_size, 300);
		assert_int_equal(l.c->conns[0].fragmentation, cases[i].want);
		loaded_free(&l);
	}
}

/* %default and also= carry it as any conn key. */
static void test_inherited(void **state)
{
	struct loaded l;
	const struct conf *c =
		load_ok(&l,
			"conn %default\n fragmentation=force\n" BASE
			"conn b\n left=10.0.0.1\n right=10.0.0.3\n fragmentation=no\n",
			NULL);

	assert_int_equal(c->conns[0].fragmentation, CONN_FRAG_FORCE);
	assert_int_equal(c->conns[1].fragmentation, CONN_FRAG_NO);
	loaded_free(&l);
}

static void test_bad_values(void **state)
{
	expect_error(BASE " fragmentation=maybe\n", 4,
		     "fragmentation= takes yes, accept, no or force, not 'maybe'");
	expect_error("config setup\n fragment_size=100\n", 2,
		     "fragment_size= takes bytes from 128 to 65535, not '100'");
	expect_error("config setup\n fragment_size=70000\n", 2,
		     "fragment_size= takes bytes from 128 to 65535, not '70000'");
	expect_error("config setup\n fragment_size=1k\n", 2,
		     "fragment_size= takes bytes from 128 to 65535, not '1k'");
	expect_error("config setup\n fragment_size=-300\n", 2,
		     "fragment_size= takes bytes from 128 to 65535, not '-300'");
}

static void test_conf_msg(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;

	load_ok(&l,
		"config setup\n fragment_size=576\n" BASE " fragmentation=force\n"
		"conn b\n left=10.0.0.1\n right=10.0.0.3\n fragmentation=no\n"
		"conn c\n left=10.0.0.1\n right=10.0.0.4\n",
		NULL);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_int_equal(back->setup.fragment_size, 576);
	assert_int_equal(back->conns[0].fragmentation, CONN_FRAG_FORCE);
	assert_int_equal(back->conns[1].fragmentation, CONN_FRAG_NO);
	assert_int_equal(back->conns[2].fragmentation, CONN_FRAG_YES);
	conf_free(back);
	buf_free(&b);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),  cmocka_unit_test(test_values),
		cmocka_unit_test(test_inherited), cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_conf_msg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
