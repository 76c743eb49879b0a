/* The crypto workers start under oakleyd's seccomp filter (as oakleyd
 * starts them: after the filter) and do Diffie-Hellman there.  In a child
 * process, since a filter cannot be unloaded; a call the filter refuses
 * ends the child with 159 (128 + SIGSYS). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ike/dh_job.h"
#include "priv/priv.h"
#include "util/job.h"
#include "wire/isakmp.h"

static struct loop *loop;
static int left;

static void then(struct dh_job *j)
{
	if (j->err)
		_exit(3);
	if (--left == 0)
		loop_stop(loop);
}

static int child(void)
{
	struct dh_job a, b;
	char why[256];

	if (loop_new(&loop))
		return 1;
	if (priv_seccomp(why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		return 2;
	}
	job_pool_set_idle(dh_job_idle);
	job_pool_set_batch(true); /* as oakleyd: the workers make themselves SCHED_BATCH */
	if (job_pool_start(loop, 2))
		return 4;
	dh_job_init(&a);
	dh_job_init(&b);
	left = 2;
	if (dh_job_start(loop, &a, IKE_GROUP_ECP256, NULL, 0, then) ||
	    dh_job_start(loop, &b, IKE_GROUP_ECP256, NULL, 0, then) || loop_run(loop))
		return 5;
	left = 2;
	if (dh_job_start(loop, &a, IKE_GROUP_ECP256, b.pub, b.pub_len, then) ||
	    dh_job_start(loop, &b, IKE_GROUP_ECP256, a.pub, a.pub_len, then) || loop_run(loop))
		return 6;
	if (a.secret_len != 32 || memcmp(a.secret, b.secret, 32))
		return 7;
	job_pool_stop();
	return 0;
}

static void test_workers_under_filter(void **state)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(child()); /* no exit handlers: LeakSanitizer's among them */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A thread that fills and frees an arena of its own: glibc then shrinks
 * the arena's heap, and the first shrink in a process reads
 * /proc/sys/vm/overcommit_memory.  Under the filter that was an openat
 * and the end of oakleyd (exit 159), at random under load, in the
 * optimised build only: ASan's allocator has no arenas (make check runs
 * this binary from both builds). */
static void *arena_churn(void *arg)
{
	void *p[128];
	int i;

	for (i = 0; i < 128; i++)
		p[i] = malloc(16 * 1024);
	for (i = 127; i >= 0; i--)
		free(p[i]);
	return arg;
}

static int churn_child(void)
{
	char why[256];
	pthread_t t;

	if (priv_seccomp(why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		return 2;
	}
	if (pthread_create(&t, NULL, arena_churn, NULL) || pthread_join(t, NULL))
		return 3;
	return 0;
}

static void test_worker_arena_shrinks_under_filter(void **state)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(churn_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_under_filter),
		cmocka_unit_test(test_worker_arena_shrinks_under_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
