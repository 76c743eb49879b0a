/* No duplicate SA from a retransmitted or duplicated message: every
 * message of Main Mode, Aggressive Mode and Quick Mode (QM1, QM2, QM3),
 * from either side, is in turn delivered twice, or lost so that its
 * sender (or the peer) retransmits; each run ends with exactly one
 * ISAKMP SA and one IPsec SA pair per pair of subnets on each side, the
 * two sides' SPIs matching.  With several subnets (2x2 pairs) the four
 * Quick Modes run at once under one ISAKMP SA. */
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
	"\tretransmit_timeout=0.1\n"                                                               \
	"\tretransmit_tries=3\n"                                                                   \
	"conn site\n"                                                                              \
	"\tleft=192.0.2.1\n"                                                                       \
	"\tleftsubnet=%s\n"                                                                        \
	"\tright=192.0.2.2\n"                                                                      \
	"\trightsubnet=%s\n"                                                                       \
	"\tauthby=secret\n"                                                                        \
	"\tike=aes128-sha256-ecp256\n"                                                             \
	"\tesp=aes128-sha256\n"                                                                    \
	"\taggressive=%s\n"                                                                        \
	"\tauto=add\n"

enum fault { DUPLICATE, LOSE };

static unsigned live_sas(const struct ike_daemon *d)
{
	const struct ike_sa *sa;
	unsigned n = 0;

	for (sa = d->sas; sa; sa = sa->next)
		if (sa->state != IKE_SA_DEAD) {
			assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
			n++;
		}
	return n;
}

static const struct child_sa *child_named(const struct ike_daemon *d, const char *name)
{
	const struct child_sa *c, *found = NULL;

	for (c = d->children; c; c = c->next)
		if (!strcmp(c->conn_name, name)) {
			if (found)
				fail_msg("two IPsec SAs for %s: %08x and %08x", name, found->spi_in,
					 c->spi_in);
			found = c;
		}
	return found;
}

static unsigned children(const struct ike_daemon *d)
{
	const struct child_sa *c;
	unsigned n = 0;

	for (c = d->children; c; c = c->next)
		n++;
	return n;
}

static void run_case(bool aggressive, bool several, int side, unsigned nth, enum fault f)
{
	static const char *const pairs[] = {"site/1x1", "site/1x2", "site/2x1", "site/2x2"};
	const char *one = "site";
	unsigned npairs = several ? 4 : 1, i;
	char conf[1024];
	struct net n;

	snprintf(conf, sizeof(conf), CONF_FMT, several ? "10.1.0.0/24,10.11.0.0/24" : "10.1.0.0/24",
		 several ? "10.2.0.0/24,10.12.0.0/24" : "10.2.0.0/24", aggressive ? "yes" : "no");
	net_start_confs(&n, conf, conf, "same secret", "same secret");
	if (f == DUPLICATE)
		net_duplicate(&n, side, nth);
	else
		net_lose(&n, side, nth);
	net_up(&n);
	if (!n.ok)
		fail_msg("%s %s, %s's message %u %s: %s", aggressive ? "AM" : "MM",
			 several ? "2x2" : "1x1", side == WEST ? "west" : "east", nth,
			 f == LOSE ? "lost" : "twice", n.why);
	net_run_ms(&n, 400); /* the copies and retransmissions still on the way */
	for (i = 0; i < 2; i++) {
		assert_int_equal(live_sas(n.d[i]), 1);
		assert_int_equal(children(n.d[i]), npairs);
	}
	for (i = 0; i < npairs; i++) {
		const char *name = several ? pairs[i] : one;
		const struct child_sa *w = child_named(n.d[WEST], name),
				      *e = child_named(n.d[EAST], name);

		assert_non_null(w);
		assert_non_null(e);
		assert_int_equal(w->spi_in, e->spi_out);
		assert_int_equal(w->spi_out, e->spi_in);
	}
	net_stop(&n);
}

/* Main Mode + Quick Mode: west sends MM1 MM3 MM5 QM1 QM3, east MM2 MM4
 * MM6 QM2. */
static void test_main_mode(void **state)
{
	unsigned nth;

	for (nth = 1; nth <= 5; nth++) {
		run_case(false, false, WEST, nth, DUPLICATE);
		run_case(false, false, WEST, nth, LOSE);
	}
	for (nth = 1; nth <= 4; nth++) {
		run_case(false, false, EAST, nth, DUPLICATE);
		run_case(false, false, EAST, nth, LOSE);
	}
}

/* Aggressive Mode: west sends AM1 AM3 QM1 QM3, east AM2 QM2.  A lost AM3
 * (east does not retransmit AM2) goes out again with QM1's retransmission
 * (loss.c). */
static void test_aggressive_mode(void **state)
{
	unsigned nth;

	for (nth = 1; nth <= 4; nth++) {
		run_case(true, false, WEST, nth, DUPLICATE);
		run_case(true, false, WEST, nth, LOSE);
	}
	for (nth = 1; nth <= 2; nth++) {
		run_case(true, false, EAST, nth, DUPLICATE);
		run_case(true, false, EAST, nth, LOSE);
	}
}

/* 2x2 pairs: west sends MM1 MM3 MM5, then the first pair's QM1 QM3, the
 * other three QM1s and their QM3s (11); east MM2 MM4 MM6 and four QM2s. */
static void test_several_subnets(void **state)
{
	unsigned nth;

	for (nth = 4; nth <= 11; nth++) {
		run_case(false, true, WEST, nth, DUPLICATE);
		run_case(false, true, WEST, nth, LOSE);
	}
	for (nth = 4; nth <= 7; nth++) {
		run_case(false, true, EAST, nth, DUPLICATE);
		run_case(false, true, EAST, nth, LOSE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_mode),
		cmocka_unit_test(test_aggressive_mode),
		cmocka_unit_test(test_several_subnets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
