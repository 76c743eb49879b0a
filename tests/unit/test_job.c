/* util/job without a pool (inline, as with threads=0): the work runs, the
 * completion comes later from the loop, never inside job_submit; a
 * cancelled job never completes and its record is freed at once; a slot
 * takes one job at a time and may take the next from its completion. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "util/job.h"

struct counting_rec {
	struct job_rec head;
	int in, out;
};

struct owner {
	struct job job;
	struct loop *loop;
	int worked, done, freed, last_out, resubmit;
};

static int works, frees;

static void count_work(struct job_rec *r)
{
	struct counting_rec *c = (struct counting_rec *)r;

	c->out = c->in * 3 + 1;
	works++;
}

static int submit(struct owner *o, int in);

static void count_done(struct job *j, struct job_rec *r)
{
	struct owner *o = container_of(j, struct owner, job);

	o->done++;
	o->last_out = ((struct counting_rec *)r)->out;
	assert_false(j->pending);
	if (o->resubmit && o->resubmit--)
		assert_int_equal(submit(o, o->last_out), 0);
	else
		loop_stop(o->loop);
}

static void count_free(struct job_rec *r)
{
	frees++;
	free(r);
}

static const struct job_type counting = {count_work, count_done, count_free};

static int submit(struct owner *o, int in)
{
	struct counting_rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->head.type = &counting;
	r->in = in;
	return job_submit(o->loop, &o->job, &r->head);
}

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

static void run_for(struct loop *l, uint64_t ms)
{
	struct timer guard;

	timer_init(&guard, stop_loop, l);
	assert_int_equal(timer_arm(l, &guard, ms), 0);
	assert_int_equal(loop_run(l), 0);
	timer_cancel(l, &guard);
}

static int setup(void **state)
{
	struct owner *o = calloc(1, sizeof(*o));

	assert_int_equal(loop_new(&o->loop), 0);
	job_init(&o->job);
	works = frees = 0;
	*state = o;
	return 0;
}

static int teardown(void **state)
{
	struct owner *o = *state;

	loop_free(o->loop);
	free(o);
	return 0;
}

static void test_completion_from_loop(void **state)
{
	struct owner *o = *state;

	assert_int_equal(job_pool_threads(), 0);
	assert_int_equal(submit(o, 4), 0);
	assert_true(o->job.pending);
	assert_int_equal(works, 1);   /* inline: at submission */
	assert_int_equal(o->done, 0); /* but not completed from inside it */
	assert_int_equal(loop_run(o->loop), 0);
	assert_int_equal(o->done, 1);
	assert_int_equal(o->last_out, 13);
	assert_int_equal(frees, 1);
	assert_false(o->job.pending);
}

static void test_cancel(void **state)
{
	struct owner *o = *state;

	assert_int_equal(submit(o, 1), 0);
	job_cancel(o->loop, &o->job);
	assert_false(o->job.pending);
	assert_int_equal(frees, 1); /* the loop held it: freed at once */
	run_for(o->loop, 30);
	assert_int_equal(o->done, 0);
	job_cancel(o->loop, &o->job); /* twice is harmless */
}

static void test_one_at_a_time(void **state)
{
	struct owner *o = *state;

	assert_int_equal(submit(o, 1), 0);
	assert_int_equal(submit(o, 2), -EBUSY);
	assert_int_equal(frees, 1); /* the refused record */
	assert_int_equal(loop_run(o->loop), 0);
	assert_int_equal(o->last_out, 4);
	assert_int_equal(frees, 2);
}

static void test_resubmit_from_done(void **state)
{
	struct owner *o = *state;

	o->resubmit = 2;
	assert_int_equal(submit(o, 0), 0);
	assert_int_equal(loop_run(o->loop), 0);
	assert_int_equal(o->done, 3);
	assert_int_equal(o->last_out, 13); /* 0 -> 1 -> 4 -> 13 */
	assert_int_equal(frees, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_completion_from_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_from_done, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
