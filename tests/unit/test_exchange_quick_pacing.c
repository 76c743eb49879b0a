/* Many connections under one ISAKMP SA (the same gateways and IDs,
 * different subnets), brought up at once from west, through two
 * in-process engines (exchange_fixture.h).  East keeps at most
 * QUICK_MAX_UNDER_WAY Quick Modes of a peer in progress per ISAKMP SA and
 * drops the peer's next QM1 beyond that; west must not start more than
 * that at once, but queue the rest and start each as one ends.  Also: a
 * Quick Mode's log lines name its own connection, not the ISAKMP SA's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "exchange_fixture.h"
#include "stderr_capture.h"
#include "util/log.h"

#define NCONNS	 40 /* brought up at once, besides t0 */
#define CONF_LEN 16384

static void start_many(struct net *n, const char *west_setup)
{
	char west[CONF_LEN], east[CONF_LEN], setup[256];

	snprintf(setup, sizeof(setup), "\tretransmit_timeout=0.2\n\tretransmit_tries=2\n%s",
		 west_setup);
	net_conf_many(west, sizeof(west), setup, NCONNS);
	net_conf_many(east, sizeof(east), "\tretransmit_timeout=0.2\n\tretransmit_tries=2\n",
		      NCONNS);
	net_start_confs(n, west, east, "same secret", "same secret");
}

/* The Quick Modes a side has started and not yet ended. */
static unsigned initiating(const struct ike_daemon *d)
{
	const struct ike_sa *sa;
	const struct quick *q;
	unsigned k = 0;

	for (sa = d->sas; sa; sa = sa->next)
		for (q = sa->quicks; q; q = q->next_in_sa)
			k += q->initiator && q->state == QUICK_NEGOTIATING;
	return k;
}

static unsigned peak; /* most Quick Modes west had in progress */

static void watch_west(struct net *n)
{
	unsigned k = initiating(n->d[WEST]);

	if (k > peak)
		peak = k;
}

/* The answers to many ups. */
struct tally {
	struct net *n;
	unsigned want, answered, ok;
	unsigned failed_as; /* failed with the sentence `as` */
	const char *as;
	char why[512]; /* the last failure */
};

static void tally_done(void *arg, bool ok, const char *why)
{
	struct tally *t = arg;

	t->answered++;
	t->ok += ok;
	if (!ok)
		snprintf(t->why, sizeof(t->why), "%s", why);
	if (!ok && t->as && !strcmp(why, t->as))
		t->failed_as++;
	if (t->answered == t->want)
		loop_stop(t->n->loop);
}

/* ike_up of t<first> ... t<NCONNS> at west, all before the loop runs. */
static void up_all(struct net *n, struct tally *t, unsigned first)
{
	char name[16];
	unsigned i;

	*t = (struct tally){.n = n, .want = NCONNS + 1 - first};
	for (i = first; i <= NCONNS; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		ike_up(n->d[WEST], name, tally_done, t);
	}
}

static void run_until_answered(struct net *n, struct tally *t)
{
	timer_arm(n->loop, &n->guard, 20000);
	if (t->answered < t->want)
		loop_run(n->loop);
	timer_cancel(n->loop, &n->guard);
	assert_false(n->timed_out);
	assert_int_equal(t->answered, t->want);
}

static unsigned count_children(const struct ike_daemon *d)
{
	const struct child_sa *c;
	unsigned k = 0;

	for (c = d->children; c; c = c->next)
		k++;
	return k;
}

/* Every IPsec SA came up on both sides under one ISAKMP SA each, west
 * never had more Quick Modes in progress than east accepts, and none was
 * retransmitted (east dropped none). */
static void assert_all_up_paced(struct net *n, const struct tally *t, unsigned sent_before)
{
	if (t->ok != t->want)
		fail_msg("%u of %u failed, the last: %s", t->want - t->ok, t->want, t->why);
	assert_int_equal(count_children(n->d[WEST]), NCONNS + 1);
	assert_non_null(n->d[WEST]->sas);
	assert_null(n->d[WEST]->sas->next);
	net_run_ms(n, 50); /* east installs on the last QM3 */
	assert_int_equal(count_children(n->d[EAST]), NCONNS + 1);
	if (peak > QUICK_MAX_UNDER_WAY)
		fail_msg("west had %u Quick Modes in progress at once; east accepts %u", peak,
			 QUICK_MAX_UNDER_WAY);
	/* QM1 and QM3 of each Quick Mode, none sent again */
	assert_int_equal(n->sent[WEST] - sent_before, 2 * t->want);
}

/* The ISAKMP SA is up (t0); then 40 more connections at once. */
static void test_many_up_on_established_sa(void **state)
{
	struct tally t;
	struct net n;
	unsigned sent;

	start_many(&n, "");
	net_up_at(&n, WEST, "t0");
	assert_true(n.ok);
	peak = 0;
	n.watch = watch_west;
	sent = n.sent[WEST];
	up_all(&n, &t, 1);
	run_until_answered(&n, &t);
	assert_all_up_paced(&n, &t, sent);
	net_stop(&n);
}

/* All 41 at once before anything is up (max_inflight=1: one Main Mode,
 * the others wait for it and go as Quick Modes under its ISAKMP SA). */
static void test_many_up_at_once(void **state)
{
	struct tally t;
	struct net n;

	start_many(&n, "\tmax_inflight=1\n");
	peak = 0;
	n.watch = watch_west;
	up_all(&n, &t, 0);
	run_until_answered(&n, &t);
	/* Main Mode's MM1, MM3 and MM5 besides the Quick Modes */
	assert_all_up_paced(&n, &t, 3);
	net_stop(&n);
}

/* The ISAKMP SA is deleted while Quick Modes wait: every caller hears,
 * those that waited with a sentence that says so. */
static void test_queued_fail_with_sa(void **state)
{
	static const char why[] = "ISAKMP SA deleted before this Quick Mode started";
	struct tally t;
	struct net n;

	start_many(&n, "");
	net_up_at(&n, WEST, "t0");
	assert_true(n.ok);
	up_all(&n, &t, 1);
	t.as = why;
	/* the queue drains from the loop: nothing has been answered yet */
	assert_int_equal(t.answered, 0);
	ike_sa_free(n.d[WEST]->sas);
	run_until_answered(&n, &t);
	assert_int_equal(t.ok, 0);
	assert_int_equal(t.failed_as, NCONNS - QUICK_MAX_UNDER_WAY);
	net_stop(&n);
}

/* ---- log lines name the Quick Mode's own connection ---- */

/* t1 runs its Quick Mode under t0's ISAKMP SA: every Quick Mode line of
 * both sides names t1. */
static void test_quick_log_names_its_conn(void **state)
{
	enum log_level was = log_max_level();
	unsigned lines = 0;
	char *out, *line, *save = NULL;
	struct net n;

	start_many(&n, "");
	net_up_at(&n, WEST, "t0");
	assert_true(n.ok);
	log_setup(true, LOG_LVL_DEBUG);
	stderr_capture_start();
	net_up_at(&n, WEST, "t1");
	out = stderr_capture_stop();
	log_setup(true, was);
	assert_true(n.ok);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* t1's pair, on either side (t0's may still be logged by east) */
		if (strstr(line, ": IPsec SA established: ") && strstr(line, " 10.1.1.0/24")) {
			lines++;
			if (!strstr(line, " t1: IPsec SA established: "))
				fail_msg("t1's IPsec SA line names another connection: %s", line);
			continue;
		}
		if (!strstr(line, ": Quick Mode "))
			continue;
		lines++;
		if (!strstr(line, " t1: Quick Mode "))
			fail_msg("a Quick Mode line of t1 names another connection: %s", line);
	}
	assert_true(lines >= 2); /* a Quick Mode line and west's IPsec SA line */
	free(out);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_up_on_established_sa),
		cmocka_unit_test(test_many_up_at_once),
		cmocka_unit_test(test_queued_fail_with_sa),
		cmocka_unit_test(test_quick_log_names_its_conn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
