/* `down NAME` while NAME's Quick Mode waits under another connection's
 * ISAKMP SA (per-SA Quick Mode pacing, pacing.c): the wait is taken back
 * and its `up` caller told so, and it never starts.  Two in-process
 * engines (exchange_fixture.h). */
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
#include "ike/pacing.h"

#define NCONNS	 40 /* besides t0: more than QUICK_MAX_UNDER_WAY, so some wait */
#define CONF_LEN 16384
#define VICTIM	 "t35" /* queued: after the first QUICK_MAX_UNDER_WAY */

/* One `up` caller's answer. */
struct answer {
	struct net *n;
	unsigned *left; /* answers still to come; the loop stops at 0 */
	bool answered, ok;
	char why[256];
};

static void answer_done(void *arg, bool ok, const char *why)
{
	struct answer *a = arg;

	assert_false(a->answered);
	a->answered = true;
	a->ok = ok;
	snprintf(a->why, sizeof(a->why), "%s", why);
	if (!--*a->left)
		loop_stop(a->n->loop);
}

static bool has_child(const struct ike_daemon *d, const char *name)
{
	const struct child_sa *c;

	for (c = d->children; c; c = c->next)
		if (!strcmp(c->conn_name, name))
			return true;
	return false;
}

static void test_down_takes_back_queued_quick(void **state)
{
	char conf[CONF_LEN], name[16];
	struct answer a[NCONNS + 1];
	unsigned i, left = NCONNS, victim = (unsigned)atoi(VICTIM + 1);
	struct net n;

	net_conf_many(conf, sizeof(conf), "", NCONNS);
	net_start_confs(&n, conf, conf, "same secret", "same secret");
	net_up_at(&n, WEST, "t0");
	assert_true(n.ok);
	for (i = 1; i <= NCONNS; i++) {
		a[i] = (struct answer){.n = &n, .left = &left};
		snprintf(name, sizeof(name), "t%u", i);
		ike_up(n.d[WEST], name, answer_done, &a[i]);
	}
	assert_true(pacing_quick_queued(n.d[WEST]->sas) > 0);
	assert_true(pacing_quick_is_queued(n.d[WEST], VICTIM));
	assert_int_equal(ike_down(n.d[WEST], VICTIM), 0);
	/* answered at once, and said why */
	assert_true(a[victim].answered);
	assert_false(a[victim].ok);
	assert_string_equal(a[victim].why,
			    "brought down by the operator before its Quick Mode started");
	assert_false(pacing_quick_is_queued(n.d[WEST], VICTIM));
	timer_arm(n.loop, &n.guard, 20000);
	if (left)
		loop_run(n.loop);
	timer_cancel(n.loop, &n.guard);
	assert_false(n.timed_out);
	net_run_ms(&n, 50);
	for (i = 1; i <= NCONNS; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		if (i == victim) {
			assert_false(has_child(n.d[WEST], name));
			assert_false(has_child(n.d[EAST], name));
			continue;
		}
		if (!a[i].ok)
			fail_msg("%s failed: %s", name, a[i].why);
		assert_true(has_child(n.d[WEST], name));
	}
	/* the others' SA is untouched */
	assert_non_null(n.d[WEST]->sas);
	assert_int_equal(pacing_quick_queued(n.d[WEST]->sas), 0);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_takes_back_queued_quick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
