/* Several subnets per connection between two in-process engines
 * (exchange_fixture.h): leftsubnet= and rightsubnet= of two subnets each
 * make 2x2 pairs, brought up by one `up site` as one Main Mode and four
 * Quick Modes: 4 IPsec SA pairs (8 SAs) on each side, each with its own
 * reqid, and `down site` removes them all.  A peer that refuses one pair
 * fails that pair only. */
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

#define LEFTS  "10.1.0.0/24,10.11.0.0/24"
#define RIGHTS "10.2.0.0/24 10.12.0.0/24"

static unsigned count_sas(const struct ike_daemon *d)
{
	const struct ike_sa *sa;
	unsigned n = 0;

	for (sa = d->sas; sa; sa = sa->next)
		n += sa->state != IKE_SA_DEAD;
	return n;
}

static unsigned count_children(const struct ike_daemon *d)
{
	const struct child_sa *c;
	unsigned n = 0;

	for (c = d->children; c; c = c->next)
		n++;
	return n;
}

static const struct child_sa *child_of(const struct ike_daemon *d, const char *name)
{
	const struct child_sa *c, *found = NULL;

	for (c = d->children; c; c = c->next)
		if (!strcmp(c->conn_name, name)) {
			assert_null(found); /* one pair of SAs per pair of subnets */
			found = c;
		}
	return found;
}

static void start(struct net *n, const char *west_rights, const char *east_rights)
{
	char w[1024], e[1024];

	snprintf(w, sizeof(w), CONF_FMT, LEFTS, west_rights);
	snprintf(e, sizeof(e), CONF_FMT, LEFTS, east_rights);
	net_start_confs(n, w, e, "same secret", "same secret");
}

static void test_four_pairs(void **state)
{
	static const char *const pairs[] = {"site/1x1", "site/1x2", "site/2x1", "site/2x2"};
	static const char *const locals[] = {"10.1.0.0", "10.1.0.0", "10.11.0.0", "10.11.0.0"};
	static const char *const remotes[] = {"10.2.0.0", "10.12.0.0", "10.2.0.0", "10.12.0.0"};
	const struct child_sa *c, *e;
	uint32_t reqids[4];
	unsigned i, j;
	struct net n;

	start(&n, RIGHTS, RIGHTS);
	net_up(&n);
	if (!n.ok)
		fail_msg("up site: %s", n.why);
	assert_contains(n.why, "site: 4 of 4 pairs of subnets up");
	for (i = 0; i < 4; i++) {
		char line[64];

		snprintf(line, sizeof(line), "\n%s: up", pairs[i]);
		assert_contains(n.why, line);
	}
	net_run_ms(&n, 100);
	/* one ISAKMP SA each side, four Quick Modes under it: 8 SAs a side */
	assert_int_equal(count_sas(n.d[WEST]), 1);
	assert_int_equal(count_sas(n.d[EAST]), 1);
	assert_int_equal(count_children(n.d[WEST]), 4);
	assert_int_equal(count_children(n.d[EAST]), 4);
	for (i = 0; i < 4; i++) {
		c = child_of(n.d[WEST], pairs[i]);
		e = child_of(n.d[EAST], pairs[i]); /* the responder matched the same pair */
		assert_non_null(c);
		assert_non_null(e);
		assert_addr(&c->ts_local.addr, locals[i]);
		assert_addr(&c->ts_remote.addr, remotes[i]);
		assert_addr(&e->ts_local.addr, remotes[i]);
		assert_addr(&e->ts_remote.addr, locals[i]);
		assert_int_equal(c->spi_out, e->spi_in);
		assert_int_equal(c->spi_in, e->spi_out);
		assert_memory_equal(c->icookie, n.d[WEST]->sas->icookie, 8);
		reqids[i] = c->reqid;
		for (j = 0; j < i; j++)
			assert_int_not_equal(reqids[j], reqids[i]);
	}
	/* again: already up, each pair says so, no new SA */
	net_up(&n);
	assert_true(n.ok);
	assert_contains(n.why, "site/2x2: up");
	assert_int_equal(count_children(n.d[WEST]), 4);
	net_run_ms(&n, 1); /* the answer came at once: its loop_stop is spent here */
	/* down removes every pair, on both sides (the Deletes) */
	assert_int_equal(ike_down(n.d[WEST], "site"), 0);
	net_run_ms(&n, 100);
	assert_int_equal(count_children(n.d[WEST]), 0);
	assert_int_equal(count_children(n.d[EAST]), 0);
	assert_int_equal(count_sas(n.d[WEST]), 0);
	assert_int_equal(ike_down(n.d[WEST], "nosuch"), -ENOENT);
	net_stop(&n);
}

/* East has only 10.2.0.0/24 on its right: west's pairs with 10.12.0.0/24
 * are refused (INVALID_ID_INFORMATION naming their SPIs), the others come
 * up, and the answer says which is which. */
static void test_one_refused_pair_fails_alone(void **state)
{
	struct net n;

	start(&n, RIGHTS, "10.2.0.0/24");
	net_up(&n);
	assert_false(n.ok);
	assert_contains(n.why, "site: 2 of 4 pairs of subnets up");
	assert_contains(n.why, "\nsite/1x1: up");
	assert_contains(n.why, "\nsite/2x1: up");
	assert_contains(n.why, "\nsite/1x2: peer refused Quick Mode: it sent ");
	assert_contains(n.why, "\nsite/2x2: peer refused Quick Mode: it sent ");
	assert_contains(n.why, "10.11.0.0/24 === 10.12.0.0/24");
	net_run_ms(&n, 100);
	assert_int_equal(count_children(n.d[WEST]), 2);
	assert_non_null(child_of(n.d[WEST], "site/1x1"));
	assert_non_null(child_of(n.d[WEST], "site/2x1"));
	assert_null(child_of(n.d[WEST], "site/1x2"));
	/* east's pairs are named by its own conf: site/1x1, site/2x1 */
	assert_int_equal(count_children(n.d[EAST]), 2);
	assert_int_equal(count_sas(n.d[WEST]), 1);
	net_stop(&n);
}

/* Phase 1 fails (keys differ): every pair says why, no Main Mode each. */
static void test_phase1_failure_told_per_pair(void **state)
{
	char w[1024];
	struct net n;

	snprintf(w, sizeof(w), CONF_FMT, LEFTS, RIGHTS);
	net_start_confs(&n, w, w, "one secret", "another secret");
	net_up(&n);
	assert_false(n.ok);
	assert_contains(n.why, "site: 0 of 4 pairs of subnets up");
	assert_contains(n.why, "\nsite/1x2: not started: site/1x1 failed: peer refused");
	assert_int_equal(count_children(n.d[WEST]), 0);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_pairs),
		cmocka_unit_test(test_one_refused_pair_fails_alone),
		cmocka_unit_test(test_phase1_failure_told_per_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
