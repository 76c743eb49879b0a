/* The keys of issue 9 (NAT traversal, Dead Peer Detection, rekeying): their
 * defaults, strongSwan's and Libreswan's spellings, every bad value
 * refused at its line, and each value carried whole through the
 * privileged helper's configuration message. */
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
	const struct conn *k = &c->conns[0];

	assert_int_equal(c->setup.keep_alive_s, 20);
	assert_false(k->forceencaps);
	assert_int_equal(k->dpd_action, DPD_NONE);
	assert_int_equal(k->dpd_delay_s, 30);
	assert_int_equal(k->dpd_timeout_s, 150);
	assert_true(k->rekey);
	assert_int_equal(k->margin_s, 540);
	assert_int_equal(k->fuzz_pct, 100);
	loaded_free(&l);
}

static void test_strongswan_keys(void **state)
{
	struct loaded l;
	const struct conn *k = &load_ok(&l,
					"config setup\n keep_alive=45\n" BASE
					" forceencaps=yes\n dpdaction=restart\n dpddelay=10s\n"
					" dpdtimeout=1m\n rekey=no\n margintime=3m\n"
					" rekeyfuzz=50%\n",
					NULL)
					->conns[0];

	assert_int_equal(l.c->setup.keep_alive_s, 45);
	assert_true(k->forceencaps);
	assert_int_equal(k->dpd_action, DPD_RESTART);
	assert_int_equal(k->dpd_delay_s, 10);
	assert_int_equal(k->dpd_timeout_s, 60);
	assert_false(k->rekey);
	assert_int_equal(k->margin_s, 180);
	assert_int_equal(k->fuzz_pct, 50);
	loaded_free(&l);
}

/* Libreswan: keep-alive=, encapsulation=, rekeymargin=; dpddelay= alone
 * turns DPD on with hold. */
static void test_libreswan_keys(void **state)
{
	struct loaded l;
	const struct conf *c =
		load_ok(&l,
			"config setup\n keep-alive=0\n" BASE
			" encapsulation=yes\n dpddelay=5\n rekeymargin=2m\n"
			"conn b\n left=10.0.0.1\n right=10.0.0.3\n encapsulation=auto\n"
			" dpdaction=clear\n rekeyfuzz=200\n",
			NULL);

	assert_int_equal(c->setup.keep_alive_s, 0);
	assert_true(c->conns[0].forceencaps);
	assert_int_equal(c->conns[0].dpd_action, DPD_HOLD);
	assert_int_equal(c->conns[0].dpd_delay_s, 5);
	assert_int_equal(c->conns[0].margin_s, 120);
	assert_false(c->conns[1].forceencaps);
	assert_int_equal(c->conns[1].dpd_action, DPD_CLEAR);
	assert_int_equal(c->conns[1].fuzz_pct, 200);
	loaded_free(&l);
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{"forceencaps=sometimes", "forceencaps= takes yes or no, not 'sometimes'"},
		{"encapsulation=maybe", "encapsulation= takes yes, no or auto, not 'maybe'"},
		{"dpdaction=reboot", "dpdaction= takes none, clear, hold or restart, not 'reboot'"},
		{"dpddelay=0", "dpddelay=0: must be at least 1s"},
		{"dpdtimeout=soon",
		 "dpdtimeout= takes a time such as 3600, 60m, 3h or 1d, not 'soon'"},
		{"rekey=perhaps", "rekey= takes yes or no, not 'perhaps'"},
		{"margintime=9x", "margintime= takes a time such as 3600, 60m, 3h or 1d, not '9x'"},
		{"rekeyfuzz=lots", "rekeyfuzz= takes a percentage such as 100%, not 'lots'"},
		{"rekeyfuzz=10%%", "rekeyfuzz= takes a percentage such as 100%, not '10%%'"},
		{"rekeyfuzz=20000%", "rekeyfuzz=20000%: at most 10000%"},
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text), BASE " %s\n", cases[i].line);
		expect_error(text, 4, cases[i].msg);
	}
	expect_error("config setup\n keep_alive=-1\n", 2,
		     "keep_alive= takes seconds from 0 (none) to 3600, not '-1'");
	expect_error("config setup\n keep-alive=2h\n", 2,
		     "keep-alive= takes seconds from 0 (none) to 3600, not '2h'");
}

/* The privileged helper's message carries every new field, and refuses
 * values out of range. */
static void test_conf_msg(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;
	unsigned i;

	load_ok(&l,
		"config setup\n keep_alive=7\n" BASE
		" forceencaps=yes\n dpdaction=hold\n dpddelay=9\n dpdtimeout=33\n rekey=no\n"
		" margintime=77\n rekeyfuzz=42%\n"
		"conn b\n left=10.0.0.1\n right=10.0.0.3\n dpdaction=restart\n",
		NULL);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_int_equal(back->setup.keep_alive_s, 7);
	for (i = 0; i < 2; i++) {
		const struct conn *x = &l.c->conns[i], *y = &back->conns[i];

		assert_int_equal(x->forceencaps, y->forceencaps);
		assert_int_equal(x->dpd_action, y->dpd_action);
		assert_int_equal(x->dpd_delay_s, y->dpd_delay_s);
		assert_int_equal(x->dpd_timeout_s, y->dpd_timeout_s);
		assert_int_equal(x->rekey, y->rekey);
		assert_int_equal(x->margin_s, y->margin_s);
		assert_int_equal(x->fuzz_pct, y->fuzz_pct);
	}
	assert_true(back->conns[0].forceencaps);
	assert_int_equal(back->conns[1].dpd_action, DPD_RESTART);
	conf_free(back);
	buf_free(&b);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),       cmocka_unit_test(test_strongswan_keys),
		cmocka_unit_test(test_libreswan_keys), cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_conf_msg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
