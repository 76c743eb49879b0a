/* util/job with worker threads (util/pool.c) and ike/dh_job on top: many
 * jobs complete on the loop's thread with the right results; a job
 * cancelled while a worker runs it never completes, and its owner may be
 * freed at once (ASan would see the pool touch it); threads=0 is inline;
 * the stock of key pairs made ahead never hands one out twice; workers
 * asked to run SCHED_BATCH do. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "crypto/dh.h"
#include "ike/dh_job.h"
#include "util/job.h"
#include "wire/isakmp.h"

#define MANY 1000

struct calc_rec {
	struct job_rec head;
	uint64_t in, out;
	pthread_t worker;
	int policy; /* the worker's scheduling policy */
	bool block; /* wait for the test's release before working */
};

struct owner {
	struct job job;
	uint64_t in, out;
	int policy;
	bool worker_was_loop;
};

static struct loop *loop;
static pthread_t loop_thread;
static int done_count, free_count, stop_at_done, stop_at_free;
static sem_t started, release;

static uint64_t calc(uint64_t x)
{
	unsigned i;

	for (i = 0; i < 1000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

static void calc_work(struct job_rec *r)
{
	struct calc_rec *c = (struct calc_rec *)r;

	if (c->block) {
		sem_post(&started);
		sem_wait(&release);
	}
	c->worker = pthread_self();
	c->policy = sched_getscheduler(0); /* Linux: the calling thread's */
	c->out = calc(c->in);
}

static void calc_done(struct job *j, struct job_rec *r)
{
	struct owner *o = container_of(j, struct owner, job);
	struct calc_rec *c = (struct calc_rec *)r;

	assert_true(pthread_equal(pthread_self(), loop_thread));
	o->out = c->out;
	o->policy = c->policy;
	o->worker_was_loop = pthread_equal(c->worker, loop_thread);
	if (++done_count == stop_at_done)
		loop_stop(loop);
}

static void calc_free(struct job_rec *r)
{
	assert_true(pthread_equal(pthread_self(), loop_thread));
	free(r);
	if (++free_count == stop_at_free)
		loop_stop(loop);
}

static const struct job_type calc_type = {calc_work, calc_done, calc_free};

static int submit(struct owner *o, uint64_t in, bool block)
{
	struct calc_rec *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->head.type = &calc_type;
	c->in = o->in = in;
	c->block = block;
	return job_submit(loop, &o->job, &c->head);
}

static void fail_timeout(void *arg)
{
	fail_msg("timed out waiting for %s", (const char *)arg);
}

/* Runs the loop until a callback stops it; fails after 20 s. */
static void run_until(const char *what)
{
	struct timer guard;

	timer_init(&guard, fail_timeout, (void *)what);
	assert_int_equal(timer_arm(loop, &guard, 20000), 0);
	assert_int_equal(loop_run(loop), 0);
	timer_cancel(loop, &guard);
}

static void wait_started(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	assert_int_equal(sem_timedwait(&started, &ts), 0);
}

static int setup(void **state)
{
	assert_int_equal(loop_new(&loop), 0);
	loop_thread = pthread_self();
	done_count = free_count = 0;
	stop_at_done = stop_at_free = -1;
	sem_init(&started, 0, 0);
	sem_init(&release, 0, 0);
	return 0;
}

static int teardown(void **state)
{
	job_pool_stop();
	job_pool_set_idle(NULL);
	job_pool_set_batch(false);
	dh_stock_flush();
	loop_free(loop);
	sem_destroy(&started);
	sem_destroy(&release);
	return 0;
}

static void test_many_from_loop(void **state)
{
	struct owner *o = calloc(MANY, sizeof(*o));
	unsigned i;

	assert_int_equal(job_pool_start(loop, 4), 0);
	assert_int_equal(job_pool_threads(), 4);
	for (i = 0; i < MANY; i++) {
		job_init(&o[i].job);
		assert_int_equal(submit(&o[i], i + 1, false), 0);
	}
	stop_at_done = MANY;
	run_until("every completion");
	assert_int_equal(done_count, MANY);
	assert_int_equal(free_count, MANY);
	for (i = 0; i < MANY; i++) {
		assert_false(o[i].job.pending);
		assert_int_equal(o[i].out, calc(i + 1));
		assert_false(o[i].worker_was_loop);
	}
	free(o);
}

static void test_refusals(void **state)
{
	assert_int_equal(job_pool_start(loop, 300), -EINVAL);
	assert_int_equal(job_pool_start(loop, 1), 0);
	assert_int_equal(job_pool_start(loop, 1), -EBUSY);
}

/* The worker holds the record while its owner cancels and is freed. */
static void test_cancel_running_then_free(void **state)
{
	struct owner *o = calloc(1, sizeof(*o));

	assert_int_equal(job_pool_start(loop, 2), 0);
	job_init(&o->job);
	assert_int_equal(submit(o, 7, true), 0);
	wait_started();
	job_cancel(loop, &o->job);
	assert_false(o->job.pending);
	free(o);
	sem_post(&release);
	stop_at_free = 1;
	run_until("the cancelled record's return");
	assert_int_equal(done_count, 0);
	assert_int_equal(free_count, 1);
}

/* Stopping the pool: a job still wanted completes inline from the loop,
 * one cancelled is freed. */
static void test_stop_with_jobs_in_flight(void **state)
{
	struct owner o[4];
	unsigned i;

	assert_int_equal(job_pool_start(loop, 1), 0);
	for (i = 0; i < 4; i++)
		job_init(&o[i].job);
	assert_int_equal(submit(&o[0], 1, true), 0);
	wait_started();
	for (i = 1; i < 4; i++)
		assert_int_equal(submit(&o[i], i + 1, false), 0);
	job_cancel(loop, &o[3].job);
	sem_post(&release);
	job_pool_stop();
	assert_int_equal(job_pool_threads(), 0);
	assert_int_equal(free_count, 1); /* o[3]'s */
	stop_at_done = 3;
	run_until("the jobs left at the stop");
	for (i = 0; i < 3; i++)
		assert_int_equal(o[i].out, calc(i + 1));
	assert_false(o[3].job.pending);
	assert_int_equal(free_count, 4);
}

static void test_threads_0_inline(void **state)
{
	struct owner o;

	assert_int_equal(job_pool_start(loop, 0), 0);
	assert_int_equal(job_pool_threads(), 0);
	job_init(&o.job);
	assert_int_equal(submit(&o, 3, false), 0);
	assert_int_equal(done_count, 0);
	stop_at_done = 1;
	run_until("the inline completion");
	assert_int_equal(o.out, calc(3));
	assert_true(o.worker_was_loop);
}

/* Diffie-Hellman through the pool. */
struct dh_owner {
	struct dh_job dhj;
	int thens;
};

static int dh_thens;

static void dh_then(struct dh_job *j)
{
	struct dh_owner *o = container_of(j, struct dh_owner, dhj);

	assert_true(pthread_equal(pthread_self(), loop_thread));
	o->thens++;
	if (++dh_thens == stop_at_done)
		loop_stop(loop);
}

static void dh_run(unsigned n)
{
	stop_at_done = dh_thens + (int)n;
	run_until("the DH jobs");
}

/* job_pool_set_batch: every worker runs SCHED_BATCH (it does not preempt
 * the loop when woken); without it, the loop's own policy. */
static void test_workers_batch(void **state)
{
	struct owner o[4];
	unsigned i;

	(void)state;
	assert_int_equal(job_pool_start(loop, 2), 0);
	for (i = 0; i < 2; i++) {
		job_init(&o[i].job);
		assert_int_equal(submit(&o[i], i, false), 0);
	}
	stop_at_done = 2;
	run_until("two jobs without batch");
	for (i = 0; i < 2; i++)
		assert_int_equal(o[i].policy, SCHED_OTHER);
	job_pool_stop();

	job_pool_set_batch(true);
	assert_int_equal(job_pool_start(loop, 2), 0);
	done_count = 0;
	stop_at_done = 4;
	for (i = 0; i < 4; i++) {
		job_init(&o[i].job);
		assert_int_equal(submit(&o[i], i, false), 0);
	}
	run_until("four jobs with batch");
	for (i = 0; i < 4; i++) {
		assert_false(o[i].worker_was_loop);
		assert_int_equal(o[i].policy, SCHED_BATCH);
		assert_int_equal(o[i].out, calc(i));
	}
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER); /* the loop's is its own */
}

static void test_dh_agree(void **state)
{
	struct dh_owner a = {0}, b = {0};

	assert_int_equal(job_pool_start(loop, 2), 0);
	dh_job_init(&a.dhj);
	dh_job_init(&b.dhj);
	assert_int_equal(dh_job_start(loop, &a.dhj, IKE_GROUP_ECP256, NULL, 0, dh_then), 0);
	assert_int_equal(dh_job_start(loop, &b.dhj, IKE_GROUP_ECP256, NULL, 0, dh_then), 0);
	assert_int_equal(dh_job_start(loop, &b.dhj, IKE_GROUP_ECP256, NULL, 0, dh_then), -EBUSY);
	dh_run(2);
	assert_int_equal(a.dhj.err, 0);
	assert_int_equal(a.dhj.pub_len, 64);
	/* The secret with the same key pairs, kept in the slots meanwhile. */
	assert_int_equal(
		dh_job_start(loop, &a.dhj, IKE_GROUP_ECP256, b.dhj.pub, b.dhj.pub_len, dh_then), 0);
	assert_int_equal(
		dh_job_start(loop, &b.dhj, IKE_GROUP_ECP256, a.dhj.pub, a.dhj.pub_len, dh_then), 0);
	dh_run(2);
	assert_int_equal(a.dhj.err, 0);
	assert_int_equal(b.dhj.err, 0);
	assert_int_equal(a.dhj.secret_len, 32);
	assert_memory_equal(a.dhj.secret, b.dhj.secret, 32);
	dh_job_clear(loop, &a.dhj);
	dh_job_clear(loop, &b.dhj);
	assert_int_equal(a.dhj.secret_len, 0);
}

/* Owners cleared and freed right after starting: their results are
 * dropped; the others' arrive.  Under ASan: no use after free. */
static void test_dh_owner_gone(void **state)
{
	struct dh_owner *o[20];
	struct dh *peer;
	uint8_t pub[DH_MAX_PUBLIC];
	size_t len = dh_public_len(IKE_GROUP_MODP2048);
	unsigned i;

	assert_int_equal(dh_new(IKE_GROUP_MODP2048, &peer), 0);
	assert_int_equal(dh_public(peer, pub, len), 0);
	assert_int_equal(job_pool_start(loop, 2), 0);
	dh_thens = 0;
	for (i = 0; i < 20; i++) {
		assert_non_null(o[i] = calloc(1, sizeof(*o[i])));
		dh_job_init(&o[i]->dhj);
		assert_int_equal(
			dh_job_start(loop, &o[i]->dhj, IKE_GROUP_MODP2048, pub, len, dh_then), 0);
		if (i % 2) {
			dh_job_clear(loop, &o[i]->dhj);
			free(o[i]);
			o[i] = NULL;
		}
	}
	dh_run(10);
	job_pool_stop(); /* the dropped ones are surely back and freed */
	assert_int_equal(dh_thens, 10);
	for (i = 0; i < 20; i += 2) {
		assert_int_equal(o[i]->thens, 1);
		assert_int_equal(o[i]->dhj.err, 0);
		assert_int_equal(o[i]->dhj.secret_len, len);
		dh_job_clear(loop, &o[i]->dhj);
		free(o[i]);
	}
	dh_free(peer);
}

static bool all_distinct(uint8_t (*pubs)[DH_MAX_PUBLIC], unsigned n, size_t len)
{
	unsigned i, k;

	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (!memcmp(pubs[i], pubs[k], len))
				return false;
	return true;
}

/* Filled by hand: each key pair in stock is handed out once, then keys
 * are made afresh. */
static void test_stock_hands_out_once(void **state)
{
	enum { N = DH_STOCK_TARGET + 4 };
	uint8_t(*pubs)[DH_MAX_PUBLIC] = calloc(N, DH_MAX_PUBLIC);
	size_t len = dh_public_len(IKE_GROUP_ECP256);
	uint64_t before;
	struct dh *dh;
	unsigned i;

	dh_stock_flush();
	assert_false(dh_stock_fill()); /* no group taken from yet */
	assert_int_equal(dh_take(IKE_GROUP_ECP256, &dh), 0);
	dh_free(dh);
	for (i = 0; i < 2 * DH_STOCK_TARGET && dh_stock_fill(); i++)
		;
	assert_int_equal(i, DH_STOCK_TARGET);
	assert_int_equal(dh_stock_count(IKE_GROUP_ECP256), DH_STOCK_TARGET);
	assert_int_equal(dh_stock_count(IKE_GROUP_ECP384), 0);
	before = dh_stock_handed_out();
	for (i = 0; i < N; i++) {
		assert_int_equal(dh_take(IKE_GROUP_ECP256, &dh), 0);
		assert_int_equal(dh_public(dh, pubs[i], len), 0);
		dh_free(dh);
	}
	assert_int_equal(dh_stock_handed_out() - before, DH_STOCK_TARGET);
	assert_int_equal(dh_stock_count(IKE_GROUP_ECP256), 0);
	assert_true(all_distinct(pubs, N, len));
	free(pubs);
}

/* Filled by idle workers, used by dh_job: still never the same twice. */
static void test_stock_through_pool(void **state)
{
	enum { N = 48 };
	uint8_t(*pubs)[DH_MAX_PUBLIC] = calloc(N, DH_MAX_PUBLIC);
	struct dh_owner *o = calloc(N, sizeof(*o));
	size_t len = dh_public_len(IKE_GROUP_ECP256);
	struct timespec tick = {0, 10 * 1000 * 1000};
	uint64_t before;
	struct dh *dh;
	unsigned i;

	dh_stock_flush();
	assert_int_equal(dh_take(IKE_GROUP_ECP256, &dh), 0);
	dh_free(dh);
	job_pool_set_idle(dh_job_idle);
	assert_int_equal(job_pool_start(loop, 2), 0);
	for (i = 0; i < 2000 && dh_stock_count(IKE_GROUP_ECP256) < DH_STOCK_TARGET; i++)
		nanosleep(&tick, NULL);
	assert_int_equal(dh_stock_count(IKE_GROUP_ECP256), DH_STOCK_TARGET);
	before = dh_stock_handed_out();
	dh_thens = 0;
	for (i = 0; i < N; i++) {
		dh_job_init(&o[i].dhj);
		assert_int_equal(dh_job_start(loop, &o[i].dhj, IKE_GROUP_ECP256, NULL, 0, dh_then),
				 0);
	}
	dh_run(N);
	for (i = 0; i < N; i++) {
		assert_int_equal(o[i].dhj.err, 0);
		memcpy(pubs[i], o[i].dhj.pub, len);
		dh_job_clear(loop, &o[i].dhj);
	}
	assert_true(dh_stock_handed_out() - before >= DH_STOCK_TARGET);
	assert_true(all_distinct(pubs, N, len));
	free(o);
	free(pubs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_from_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_running_then_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_jobs_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_0_inline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workers_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dh_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dh_owner_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stock_hands_out_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stock_through_pool, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
