/* util/job: the work runs, the completion comes later from the loop,
 * never inside job_submit, and a cancelled job never completes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/job.h"

struct counting_job {
	struct job job;
	struct loop *loop;
	int worked, done;
};

static void count_work(struct job *j)
{
	((struct counting_job *)j)->worked++;
}

static void count_done(struct job *j)
{
	struct counting_job *c = (struct counting_job *)j;

	c->done++;
	loop_stop(c->loop);
}

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

static void test_completion_from_loop(void **state)
{
	struct counting_job c = {0};
	struct loop *l;

	(void)state;
	assert_int_equal(loop_new(&l), 0);
	c.loop = l;
	job_init(&c.job, count_work, count_done);
	assert_int_equal(job_submit(l, &c.job), 0);
	assert_true(c.job.pending);
	assert_int_equal(c.done, 0); /* not from inside the submitter */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(c.worked, 1);
	assert_int_equal(c.done, 1);
	assert_false(c.job.pending);
	loop_free(l);
}

static void test_cancel(void **state)
{
	struct counting_job c = {0};
	struct timer guard;
	struct loop *l;

	(void)state;
	assert_int_equal(loop_new(&l), 0);
	c.loop = l;
	job_init(&c.job, count_work, count_done);
	assert_int_equal(job_submit(l, &c.job), 0);
	job_cancel(l, &c.job);
	assert_false(c.job.pending);
	timer_init(&guard, stop_loop, l);
	assert_int_equal(timer_arm(l, &guard, 50), 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(c.done, 0);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_completion_from_loop),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
