/* The event loop: timer order, cancel and re-arm (also from callbacks),
 * descriptor callbacks and deletion during a batch, stop, signals. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/loop.h"

#define GUARD_MS  1000 /* any test still running after this has failed */
#define MAX_FIRED 256

struct rec {
	struct loop *l;
	int order[MAX_FIRED];
	uint64_t at[MAX_FIRED];
	int n;
	bool timed_out;
	int stop_after; /* loop_stop once this many have fired; 0: never */
};

struct tmr {
	struct timer t;
	struct rec *r;
	int id;
	struct tmr *victim; /* cancelled by this one's callback, if set */
	int rearm_left;	    /* re-arms itself this many times */
};

static void on_guard(void *arg)
{
	struct rec *r = arg;

	r->timed_out = true;
	loop_stop(r->l);
}

static void on_tmr(void *arg)
{
	struct tmr *m = arg;
	struct rec *r = m->r;

	assert_true(r->n < MAX_FIRED);
	r->order[r->n] = m->id;
	r->at[r->n] = loop_now_ms();
	r->n++;
	assert_false(timer_armed(&m->t));
	/* Firing is never early. */
	assert_true(r->at[r->n - 1] >= m->t.due_ms);
	if (m->victim)
		timer_cancel(r->l, &m->victim->t);
	if (m->rearm_left > 0) {
		m->rearm_left--;
		assert_int_equal(timer_arm(r->l, &m->t, 1), 0);
	}
	if (r->stop_after && r->n == r->stop_after)
		loop_stop(r->l);
}

static void tmr_init(struct tmr *m, struct rec *r, int id)
{
	memset(m, 0, sizeof(*m));
	m->r = r;
	m->id = id;
	timer_init(&m->t, on_tmr, m);
}

/* Runs l with a guard timer; returns what loop_run returned. */
static int run_guarded(struct rec *r)
{
	struct timer guard;
	int err;

	timer_init(&guard, on_guard, r);
	assert_int_equal(timer_arm(r->l, &guard, GUARD_MS), 0);
	err = loop_run(r->l);
	timer_cancel(r->l, &guard);
	return err;
}

static int setup(void **state)
{
	struct rec *r = calloc(1, sizeof(*r));

	if (!r || loop_new(&r->l) != 0)
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct rec *r = *state;

	loop_free(r->l);
	free(r);
	return 0;
}

static void test_timers_in_due_order(void **state)
{
	static const uint64_t delay[] = {40, 10, 30, 0, 20, 10};
	/* ids by due time; id 5 has id 1's delay but was armed later */
	static const int want[] = {3, 1, 5, 4, 2, 0};
	struct rec *r = *state;
	struct tmr m[6];
	size_t i;

	for (i = 0; i < 6; i++) {
		tmr_init(&m[i], r, (int)i);
		assert_int_equal(timer_arm(r->l, &m[i].t, delay[i]), 0);
		assert_true(timer_armed(&m[i].t));
	}
	r->stop_after = 6;
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(r->n, 6);
	assert_memory_equal(r->order, want, sizeof(want));
}

static void test_cancel(void **state)
{
	struct rec *r = *state;
	struct tmr a, b, c;

	tmr_init(&a, r, 1);
	tmr_init(&b, r, 2);
	tmr_init(&c, r, 3);
	timer_cancel(r->l, &c.t); /* never armed: a no-op */
	assert_int_equal(timer_arm(r->l, &a.t, 5), 0);
	assert_int_equal(timer_arm(r->l, &b.t, 20), 0);
	timer_cancel(r->l, &a.t);
	assert_false(timer_armed(&a.t));
	timer_cancel(r->l, &a.t); /* twice: still a no-op */
	assert_int_equal(timer_remaining_ms(&a.t), UINT64_MAX);
	assert_true(timer_remaining_ms(&b.t) <= 20);
	r->stop_after = 1;
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->order[0], 2);
}

static void test_rearm_moves(void **state)
{
	struct rec *r = *state;
	struct tmr a, b, c;
	uint64_t start = loop_now_ms();

	tmr_init(&a, r, 1);
	tmr_init(&b, r, 2);
	tmr_init(&c, r, 3);
	assert_int_equal(timer_arm(r->l, &a.t, 5), 0);
	assert_int_equal(timer_arm(r->l, &b.t, 25), 0);
	assert_int_equal(timer_arm(r->l, &c.t, 500), 0);
	assert_int_equal(timer_arm(r->l, &a.t, 50), 0); /* later */
	assert_int_equal(timer_arm(r->l, &c.t, 10), 0); /* earlier */
	r->stop_after = 3;
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->order[0], 3);
	assert_int_equal(r->order[1], 2);
	assert_int_equal(r->order[2], 1);
	assert_true(r->at[2] >= start + 50);
	assert_true(r->at[0] < start + 500);
}

/* Both are due in the same pass; the first cancels the second. */
static void test_callback_cancels_due_timer(void **state)
{
	struct rec *r = *state;
	struct tmr a, b, stop;

	tmr_init(&a, r, 1);
	tmr_init(&b, r, 2);
	tmr_init(&stop, r, 3);
	a.victim = &b;
	assert_int_equal(timer_arm(r->l, &a.t, 0), 0);
	assert_int_equal(timer_arm(r->l, &b.t, 0), 0);
	assert_int_equal(timer_arm(r->l, &stop.t, 10), 0);
	r->stop_after = 2;
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->order[0], 1);
	assert_int_equal(r->order[1], 3);
}

/* A timer re-arming itself with a short delay, and one that frees the
 * struct it is embedded in (ASan would see a later touch). */
static void on_free_self(void *arg)
{
	struct tmr *m = arg;
	struct rec *r = m->r;

	r->order[r->n++] = m->id;
	free(m);
}

static void test_callback_rearms_and_frees_itself(void **state)
{
	struct rec *r = *state;
	struct tmr a, *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tmr_init(&a, r, 1);
	a.rearm_left = 3;
	f->r = r;
	f->id = 9;
	timer_init(&f->t, on_free_self, f);
	assert_int_equal(timer_arm(r->l, &a.t, 0), 0);
	assert_int_equal(timer_arm(r->l, &f->t, 0), 0);
	r->stop_after = 5; /* a fires 4 times, f once (not counted by on_tmr) */
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(r->n, 5);
	assert_int_equal(r->order[0], 1);
	assert_int_equal(r->order[1], 9);
	assert_int_equal(r->order[4], 1);
	assert_false(timer_armed(&a.t));
}

/* Many timers with random delays, a third cancelled and a third re-armed:
 * each live timer fires once, in due order, cancelled ones never. */
static void test_heap_stress(void **state)
{
	enum { N = 200 };
	struct rec *r = *state;
	struct tmr *m = calloc(N, sizeof(*m));
	bool cancelled[N] = {false}, seen[N] = {false};
	int i, live = 0;

	assert_non_null(m);
	srand(1);
	for (i = 0; i < N; i++) {
		tmr_init(&m[i], r, i);
		assert_int_equal(timer_arm(r->l, &m[i].t, (uint64_t)(rand() % 30)), 0);
	}
	for (i = 0; i < N; i++) {
		if (i % 3 == 0) {
			timer_cancel(r->l, &m[i].t);
			cancelled[i] = true;
		} else if (i % 3 == 1) {
			assert_int_equal(timer_arm(r->l, &m[i].t, (uint64_t)(rand() % 30)), 0);
		}
	}
	for (i = 0; i < N; i++)
		live += !cancelled[i];
	r->stop_after = live;
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(r->n, live);
	for (i = 0; i < r->n; i++) {
		int id = r->order[i];

		assert_false(cancelled[id]);
		assert_false(seen[id]);
		seen[id] = true;
		if (i > 0) {
			const struct timer *prev = &m[r->order[i - 1]].t, *t = &m[id].t;

			assert_true(prev->due_ms < t->due_ms ||
				    (prev->due_ms == t->due_ms && prev->seq < t->seq));
		}
	}
	free(m);
}

struct piper {
	struct loop *l;
	int rd[2], wr[2]; /* two pipes: read ends, write ends */
	int fired[2];
	int stale_calls;
	int reused_fd;
	int newpipe[2];
};

static void on_stale(int fd, uint32_t events, void *arg)
{
	struct piper *p = arg;
	char c;

	p->stale_calls++;
	assert_int_equal(read(fd, &c, 1), 1); /* a stale event would find nothing */
}

/* Whichever of the two readable pipes is dispatched first deletes and
 * closes the other, and reuses its fd number for a new pipe that is not
 * readable: the other's already collected event must reach nobody. */
static void on_pipe(int fd, uint32_t events, void *arg)
{
	struct piper *p = arg;
	int me = fd == p->rd[0] ? 0 : 1, other = !me;
	char c;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	p->fired[me]++;
	if (p->rd[other] >= 0) {
		loop_del_fd(p->l, p->rd[other]);
		close(p->rd[other]);
		p->reused_fd = p->rd[other];
		p->rd[other] = -1;
		assert_int_equal(pipe2(p->newpipe, O_NONBLOCK | O_CLOEXEC), 0);
		assert_int_equal(loop_add_fd(p->l, p->newpipe[0], EPOLLIN, on_stale, p), 0);
	}
	loop_del_fd(p->l, fd); /* its own */
}

static void test_fd_callbacks(void **state)
{
	struct rec *r = *state;
	struct piper p = {.l = r->l};
	struct tmr stop;
	int i;

	for (i = 0; i < 2; i++) {
		int fds[2];

		assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
		p.rd[i] = fds[0];
		p.wr[i] = fds[1];
		assert_int_equal(loop_add_fd(r->l, p.rd[i], EPOLLIN, on_pipe, &p), 0);
		assert_int_equal(write(p.wr[i], "x", 1), 1);
	}
	assert_int_equal(loop_add_fd(r->l, p.rd[0], EPOLLIN, on_pipe, &p), -EEXIST);
	tmr_init(&stop, r, 1);
	assert_int_equal(timer_arm(r->l, &stop.t, 20), 0);
	r->stop_after = 1;
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(p.fired[0] + p.fired[1], 1);
	assert_int_equal(p.newpipe[0], p.reused_fd); /* the test did reuse the number */
	assert_int_equal(p.stale_calls, 0);

	/* The new pipe does fire once written to. */
	assert_int_equal(write(p.newpipe[1], "y", 1), 1);
	assert_int_equal(timer_arm(r->l, &stop.t, 20), 0);
	r->stop_after = 2;
	assert_int_equal(run_guarded(r), 0);
	assert_true(p.stale_calls > 0);
	loop_del_fd(r->l, p.newpipe[0]);
	loop_del_fd(r->l, p.newpipe[0]); /* unregistered: a no-op */
	for (i = 0; i < 2; i++) {
		if (p.rd[i] >= 0)
			close(p.rd[i]);
		close(p.wr[i]);
		close(p.newpipe[i]);
	}
}

struct spinner {
	struct loop *l;
	struct timer t;
	int spins, spins_at_fd;
	int rd;
};

static void on_spin(void *arg)
{
	struct spinner *s = arg;

	s->spins++;
	assert_int_equal(timer_arm(s->l, &s->t, 0), 0);
}

static void on_spin_fd(int fd, uint32_t events, void *arg)
{
	struct spinner *s = arg;

	s->spins_at_fd = s->spins;
	loop_stop(s->l);
}

/* A timer that keeps re-arming itself with delay 0 runs once per pass:
 * a ready descriptor is served right after its first run. */
static void test_zero_delay_timer_does_not_starve_fds(void **state)
{
	struct rec *r = *state;
	struct spinner s = {.l = r->l};
	int fds[2];

	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(loop_add_fd(r->l, fds[0], EPOLLIN, on_spin_fd, &s), 0);
	timer_init(&s.t, on_spin, &s);
	assert_int_equal(timer_arm(r->l, &s.t, 0), 0);
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(s.spins_at_fd, 1);
	timer_cancel(r->l, &s.t);
	loop_del_fd(r->l, fds[0]);
	close(fds[0]);
	close(fds[1]);
}

struct writer {
	struct loop *l;
	int calls;
};

static void on_writable(int fd, uint32_t events, void *arg)
{
	struct writer *w = arg;

	assert_true(events & EPOLLOUT);
	w->calls++;
	loop_stop(w->l);
}

static void test_mod_fd(void **state)
{
	struct rec *r = *state;
	struct writer w = {.l = r->l};
	struct tmr stop;
	int fds[2];

	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(loop_mod_fd(r->l, fds[1], EPOLLOUT), -ENOENT);
	/* A pipe's write end never becomes readable. */
	assert_int_equal(loop_add_fd(r->l, fds[1], EPOLLIN, on_writable, &w), 0);
	tmr_init(&stop, r, 1);
	assert_int_equal(timer_arm(r->l, &stop.t, 10), 0);
	r->stop_after = 1;
	assert_int_equal(run_guarded(r), 0);
	assert_int_equal(w.calls, 0);
	assert_int_equal(loop_mod_fd(r->l, fds[1], EPOLLOUT), 0);
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(w.calls, 1);
	loop_del_fd(r->l, fds[1]);
	close(fds[0]);
	close(fds[1]);
}

/* loop_stop from a timer returns from loop_run; a later timer waits for
 * the next loop_run. */
static void test_stop_from_timer(void **state)
{
	struct rec *r = *state;
	struct tmr a, b;
	uint64_t start = loop_now_ms();

	tmr_init(&a, r, 1);
	tmr_init(&b, r, 2);
	assert_int_equal(timer_arm(r->l, &a.t, 10), 0);
	assert_int_equal(timer_arm(r->l, &b.t, 60), 0);
	r->stop_after = 1;
	assert_int_equal(run_guarded(r), 0);
	assert_int_equal(r->n, 1);
	assert_true(loop_now_ms() - start >= 10);
	assert_true(loop_now_ms() - start < 60);
	assert_true(timer_armed(&b.t));
	r->stop_after = 2;
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(r->order[1], 2);
}

struct sigrec {
	struct loop *l;
	int got[4];
	int n;
};

static void on_signal(int signo, void *arg)
{
	struct sigrec *s = arg;

	s->got[s->n++] = signo;
	if (s->n == 2)
		loop_stop(s->l);
}

static void test_signals(void **state)
{
	struct rec *r = *state;
	struct sigrec s = {.l = r->l};
	int i, usr1 = 0, usr2 = 0;

	assert_int_equal(loop_add_signal(r->l, SIGKILL, on_signal, &s), -EINVAL);
	assert_int_equal(loop_add_signal(r->l, SIGUSR1, on_signal, &s), 0);
	assert_int_equal(loop_add_signal(r->l, SIGUSR2, on_signal, &s), 0);
	/* Blocked now, so they wait in the signalfd instead of killing us. */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(kill(getpid(), SIGUSR2), 0);
	assert_int_equal(run_guarded(r), 0);
	assert_false(r->timed_out);
	assert_int_equal(s.n, 2);
	for (i = 0; i < 2; i++) {
		usr1 += s.got[i] == SIGUSR1;
		usr2 += s.got[i] == SIGUSR2;
	}
	assert_int_equal(usr1, 1);
	assert_int_equal(usr2, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timers_in_due_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rearm_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_cancels_due_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_rearms_and_frees_itself, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_heap_stress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_delay_timer_does_not_starve_fds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fd_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mod_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_from_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
