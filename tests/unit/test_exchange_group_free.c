/* An ISAKMP SA freed (its lifetime over, a restarted peer's
 * INITIAL-CONTACT, `down NAME/1x1`) while the first pair of a group of
 * subnets still waits for its Quick Mode: the first pair's answer must not
 * start the other pairs under the SA being freed.  With 5x4 = 20 pairs,
 * more than QUICK_MAX_UNDER_WAY, the old code started 16 Quick Modes and
 * queued the rest in a new Quick Mode queue of the dying SA, whose drain
 * timer then ran on freed memory (ASan: heap-use-after-free). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exchange_fixture.h"

#define CONF_FMT                                                                                   \
	"config setup\n"                                                                           \
	"\tdataplane=none\n"                                                                       \
	"\tretransmit_timeout=0.2\n"                                                               \
	"\tretransmit_tries=2\n"                                                                   \
	"conn site\n"                                                                              \
	"\tleft=192.0.2.1\n"                                                                       \
	"\tleftsubnet=%s\n"                                                                        \
	"\tright=192.0.2.2\n"                                                                      \
	"\trightsubnet=%s\n"                                                                       \
	"\tauthby=secret\n"                                                                        \
	"\tike=aes128-sha256-ecp256\n"                                                             \
	"\tesp=aes128-sha256\n"                                                                    \
	"\tauto=add\n"

static unsigned count_quicks(const struct ike_daemon *d)
{
	const struct ike_sa *sa;
	unsigned n = 0;

	for (sa = d->sas; sa; sa = sa->next)
		n += quick_count(sa);
	return n;
}

/* West brings up the group; east answers phase 1 (its messages 1-3) but
 * none of the Quick Modes, so west's first pair waits.  Then west's SA is
 * freed as an expiry or INITIAL-CONTACT frees it. */
static void free_while_first_pending(const char *lefts, const char *rights, unsigned pairs)
{
	char conf[1024], want[64];
	struct ike_sa *sa;
	struct net n;

	snprintf(conf, sizeof(conf), CONF_FMT, lefts, rights);
	net_start_confs(&n, conf, conf, "same secret", "same secret");
	n.lose[EAST] = ~0ull << 3; /* every Quick Mode answer lost */
	n.done = false;
	ike_up(n.d[WEST], "site", up_done, &n);
	net_run_ms(&n, 100); /* phase 1 done, QM1 of the first pair sent */
	assert_false(n.done);
	sa = net_established(n.d[WEST]);
	assert_non_null(sa);
	assert_int_equal(count_quicks(n.d[WEST]), 1); /* only the first pair's */

	ike_sa_set_why(sa, "test: ISAKMP SA freed");
	ike_sa_free(sa);
	/* nothing under it, nothing found for the group's conns */
	assert_null(net_established(n.d[WEST]));
	assert_int_equal(count_quicks(n.d[WEST]), 0);
	net_run_ms(&n, 50); /* the group's 0 ms start runs from the loop */
	assert_true(n.done);
	assert_false(n.ok);
	snprintf(want, sizeof(want), "site: 0 of %u pairs of subnets up", pairs);
	assert_contains(n.why, want);
	assert_contains(n.why, "not started");
	assert_null(net_established(n.d[WEST]));
	assert_int_equal(count_quicks(n.d[WEST]), 0);
	net_run_ms(&n, 1000); /* any timer left behind fires here (ASan) */
	assert_null(n.d[WEST]->sas);
	net_stop(&n);
}

static void test_free_2x2(void **state)
{
	free_while_first_pending("10.1.0.0/24,10.11.0.0/24", "10.2.0.0/24,10.12.0.0/24", 4);
}

static void test_free_5x4_over_quick_limit(void **state)
{
	free_while_first_pending("10.1.0.0/24,10.11.0.0/24,10.21.0.0/24,10.31.0.0/24,10.41.0.0/24",
				 "10.2.0.0/24,10.12.0.0/24,10.22.0.0/24,10.32.0.0/24", 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_2x2),
		cmocka_unit_test(test_free_5x4_over_quick_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
