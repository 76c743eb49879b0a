/* config setup's policy_hash_thresholds=: the kernel's policy hash
 * thresholds (`ip xfrm policy set hthresh4 L R hthresh6 L R`), IPv4's and
 * optionally IPv6's, each LOCAL/REMOTE prefix lengths; every malformed
 * value refused with its FILE:LINE. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "priv/internal.h"

#define HTHRESH_ERR                                                                                \
	"policy_hash_thresholds= takes LOCAL/REMOTE prefix lengths for IPv4 (0 to 32), "           \
	"optionally followed by ,LOCAL/REMOTE for IPv6 (0 to 128), e.g. 24/24 or 24/24,64/64; "    \
	"not '%s'"

static void assert_hthresh(const struct conf_setup *s, bool v4, unsigned v4l, unsigned v4r, bool v6,
			   unsigned v6l, unsigned v6r)
{
	assert_int_equal(s->hthresh_v4, v4);
	assert_int_equal(s->hthresh_v4_local, v4l);
	assert_int_equal(s->hthresh_v4_remote, v4r);
	assert_int_equal(s->hthresh_v6, v6);
	assert_int_equal(s->hthresh_v6_local, v6l);
	assert_int_equal(s->hthresh_v6_remote, v6r);
}

/* Not given: nothing to set, the kernel's stay (as before the key). */
static void test_hthresh_default(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l, "config setup\n dataplane=kernel\n", NULL);

	assert_hthresh(&c->setup, false, 0, 0, false, 0, 0);
	loaded_free(&l);
}

static void test_hthresh_values(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l, "config setup\n policy_hash_thresholds=24/16\n", NULL);

	assert_hthresh(&c->setup, true, 24, 16, false, 0, 0);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n policy_hash_thresholds=24/24,64/48\n", NULL);
	assert_hthresh(&c->setup, true, 24, 24, true, 64, 48);
	loaded_free(&l);
	/* The bounds: 0 hashes every policy, 32 and 128 are the kernel's defaults. */
	c = load_ok(&l, "config setup\n policy_hash_thresholds=0/32,128/0\n", NULL);
	assert_hthresh(&c->setup, true, 0, 32, true, 128, 0);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n policy_hash_thresholds=\"8/8,96/96\"\n", NULL);
	assert_hthresh(&c->setup, true, 8, 8, true, 96, 96);
	loaded_free(&l);
}

/* Given twice, the later wins; given empty, it is unset again. */
static void test_hthresh_reset(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l,
				       "config setup\n policy_hash_thresholds=24/24,64/64\n"
				       " policy_hash_thresholds=20/20\n",
				       NULL);

	assert_hthresh(&c->setup, true, 20, 20, false, 0, 0);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n policy_hash_thresholds=24/24\n policy_hash_thresholds=\n",
		    NULL);
	assert_hthresh(&c->setup, false, 0, 0, false, 0, 0);
	loaded_free(&l);
}

static void test_hthresh_errors(void **state)
{
	static const char *const bad[] = {
		"24",
		"24/",
		"/24",
		"33/24",
		"24/33",
		"24/24,",
		"24/24,64",
		"24/24,129/64",
		"24/24,64/129",
		"24/24/24",
		"24 / 24",
		"-1/24",
		"+24/24",
		"24/24,64/64,1/1",
		"a/b",
		"24/24;64/64",
		"99999999999999999999/1",
		",64/64",
		"24/24,,64/64",
	};
	char text[256], msg[512];
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "config setup\n dataplane=kernel\n"
			 " policy_hash_thresholds=\"%s\"\n",
			 bad[i]);
		snprintf(msg, sizeof(msg), HTHRESH_ERR, bad[i]);
		expect_error(text, 3, msg);
	}
}

/* A reload reads the configuration in the privileged helper: the setting
 * travels in its message with the rest of config setup. */
static void test_hthresh_through_helper(void **state)
{
	struct loaded l;
	const struct conf *c =
		load_ok(&l, "config setup\n policy_hash_thresholds=24/20,64/56\n", NULL);
	struct conf *back = NULL;
	struct buf b;

	buf_init(&b);
	assert_int_equal(conf_pack(c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_hthresh(&back->setup, true, 24, 20, true, 64, 56);
	conf_free(back);
	buf_free(&b);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hthresh_default),
		cmocka_unit_test(test_hthresh_values),
		cmocka_unit_test(test_hthresh_reset),
		cmocka_unit_test(test_hthresh_errors),
		cmocka_unit_test(test_hthresh_through_helper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
