/* Initiation pacing on a daemon with no sockets: starts wait in order for
 * a free slot, a second start of a queued name joins it, a cancel and a
 * shutdown answer the waiters, and the window narrows on a retransmission
 * and widens back as phase 1s are established.  The conns are not
 * configured, so each start, once it leaves the queue, is answered at
 * once ("no connection named"): that answer shows when it left. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/pacing.h"

struct answers {
	char log[512];
	unsigned n;
};

struct waiter {
	struct answers *a;
	const char *tag;
};

static void answered(void *arg, bool ok, const char *why)
{
	struct waiter *w = arg;
	size_t len = strlen(w->a->log);

	snprintf(w->a->log + len, sizeof(w->a->log) - len, "%s%s:%s", len ? "|" : "", w->tag, why);
	w->a->n++;
}

struct fixture {
	struct loop *loop;
	struct conf conf;
	struct ike_daemon d;
	struct timer stop;
};

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

/* Runs the loop long enough for zero-delay timers to fire. */
static void spin(struct fixture *f)
{
	timer_arm(f->loop, &f->stop, 5);
	assert_int_equal(loop_run(f->loop), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(loop_new(&f->loop), 0);
	f->d.loop = f->loop;
	f->d.conf = &f->conf;
	timer_init(&f->stop, stop_loop, f->loop);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pacing_free(f->d.pacing, "shutting down");
	timer_cancel(f->loop, &f->stop);
	loop_free(f->loop);
	free(f);
	return 0;
}

static struct conn busy_conn = {.name = "busy"};

static struct ike_sa *fake_sa(struct fixture *f)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	assert_non_null(sa);
	sa->d = &f->d;
	sa->initiator = true;
	sa->conn = &busy_conn;
	pacing_started(sa);
	return sa;
}

static void test_queue_order(void **state)
{
	struct fixture *f = *state;
	struct answers a = {0};
	struct waiter wa = {&a, "a"}, wb = {&a, "b"}, wb2 = {&a, "b2"}, wc = {&a, "c"};
	struct ike_sa *s1, *s2;

	assert_int_equal(pacing_new(&f->d, 2, &f->d.pacing), 0);
	s1 = fake_sa(f);
	s2 = fake_sa(f);
	assert_int_equal(pacing_inflight(&f->d), 2);
	assert_true(pacing_hold(&f->d, "a", answered, &wa));
	assert_true(pacing_hold(&f->d, "b", answered, &wb));
	assert_true(pacing_hold(&f->d, "b", answered, &wb2)); /* joins b */
	assert_true(pacing_hold(&f->d, "c", answered, &wc));
	assert_int_equal(pacing_queued(&f->d), 3);
	assert_true(pacing_is_queued(&f->d, "b"));
	spin(f);
	assert_int_equal(a.n, 0); /* both slots taken: nothing left */

	/* a slot frees: every queued start goes (each answered at once) */
	pacing_finished(s1, true);
	pacing_finished(s1, true); /* counted once */
	assert_int_equal(pacing_inflight(&f->d), 1);
	spin(f);
	assert_string_equal(a.log, "a:no connection named 'a'|b:no connection named 'b'|"
				   "b2:no connection named 'b'|c:no connection named 'c'");
	assert_int_equal(pacing_queued(&f->d), 0);
	assert_false(pacing_is_queued(&f->d, "b"));
	pacing_finished(s2, false);
	assert_int_equal(pacing_inflight(&f->d), 0);
	free(s1);
	free(s2);
}

static void test_cancel_and_free(void **state)
{
	struct fixture *f = *state;
	struct answers a = {0};
	struct waiter wa = {&a, "a"}, wb = {&a, "b"};
	struct ike_sa *s1;

	assert_int_equal(pacing_new(&f->d, 1, &f->d.pacing), 0);
	s1 = fake_sa(f);
	assert_true(pacing_hold(&f->d, "a", answered, &wa));
	assert_true(pacing_hold(&f->d, "b", answered, &wb));
	pacing_cancel(&f->d, "a", "taken back");
	pacing_cancel(&f->d, "nothing", "not queued");
	assert_string_equal(a.log, "a:taken back");
	assert_int_equal(pacing_queued(&f->d), 1);
	pacing_free(f->d.pacing, "shutting down");
	f->d.pacing = NULL;
	assert_string_equal(a.log, "a:taken back|b:shutting down");
	pacing_finished(s1, false); /* no pacing any more: nothing to count */
	free(s1);
}

static void test_window(void **state)
{
	struct fixture *f = *state;
	struct ike_sa *s[40];
	unsigned i;

	assert_int_equal(pacing_new(&f->d, 32, &f->d.pacing), 0);
	assert_int_equal(pacing_window(&f->d), 32);
	for (i = 0; i < 40; i++)
		s[i] = fake_sa(f);
	pacing_retransmitted(s[0]);
	assert_int_equal(pacing_window(&f->d), 16);
	pacing_retransmitted(s[1]); /* the same burst of timeouts */
	assert_int_equal(pacing_window(&f->d), 16);
	/* one wider per window's worth established, never past max */
	for (i = 0; i < 16; i++)
		pacing_finished(s[i], true);
	assert_int_equal(pacing_window(&f->d), 17);
	for (i = 16; i < 33; i++)
		pacing_finished(s[i], true);
	assert_int_equal(pacing_window(&f->d), 18);
	for (i = 33; i < 40; i++)
		pacing_finished(s[i], false); /* failures do not widen it */
	assert_int_equal(pacing_window(&f->d), 18);
	assert_int_equal(pacing_inflight(&f->d), 0);
	pacing_set_max(f->d.pacing, 0);
	assert_int_equal(pacing_max(&f->d), PACING_DEFAULT_MAX);
	for (i = 0; i < 40; i++)
		free(s[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
