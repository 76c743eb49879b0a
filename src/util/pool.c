/* The worker pool behind util/job: threads take records from one queue,
 * run their work and put them on the done queue; an eventfd in the loop
 * wakes the loop's thread, which completes them (job_finish).  Workers
 * touch records and the two queues only; the slots and every owner stay
 * with the loop's thread, so nothing else needs a lock. */
#include "util/pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/log.h"

#define POOL_MAX_THREADS 256

struct pool {
	struct loop *loop;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* a job was queued, or stop */
	struct job_rec *todo, **todo_tail;
	struct job_rec *done, **done_tail;
	bool stopping;
	int efd;
	unsigned n; /* threads running */
	pthread_t threads[POOL_MAX_THREADS];
};

static struct pool *pool;
static bool (*pool_idle)(void);
static bool workers_batch;

static void queue_push(struct job_rec ***tail, struct job_rec *r)
{
	r->next = NULL;
	**tail = r;
	*tail = &r->next;
}

static struct job_rec *queue_pop(struct job_rec **head, struct job_rec ***tail)
{
	struct job_rec *r = *head;

	if (r && !(*head = r->next))
		*tail = head;
	return r;
}

static void pool_notify(struct pool *p)
{
	uint64_t one = 1;

	/* Only EAGAIN (the counter is full) can fail, and then it is set. */
	if (write(p->efd, &one, sizeof(one)) < 0)
		return;
}

/* One record worked and handed back; true if the loop must be woken. */
static bool worker_run(struct pool *p, struct job_rec *r)
{
	bool was_empty;

	pthread_mutex_unlock(&p->mu);
	r->type->work(r);
	pthread_mutex_lock(&p->mu);
	was_empty = !p->done;
	queue_push(&p->done_tail, r);
	return was_empty;
}

/* SCHED_BATCH: a worker woken for a job does not preempt the running
 * thread (the loop, on a machine with as many workers as cores), it waits
 * for its turn; its share of the CPU is unchanged.  Failing leaves the
 * worker as it was: slower, not wrong. */
static void worker_set_batch(void)
{
	struct sched_param sp = {0};

	if (workers_batch && pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp))
		log_debug("job pool: a worker stays SCHED_OTHER");
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	bool idle_more = true;
	struct job_rec *r;

	worker_set_batch();
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		if ((r = queue_pop(&p->todo, &p->todo_tail))) {
			if (worker_run(p, r)) {
				pthread_mutex_unlock(&p->mu);
				pool_notify(p);
				pthread_mutex_lock(&p->mu);
			}
			idle_more = true;
			continue;
		}
		if (pool_idle && idle_more) {
			pthread_mutex_unlock(&p->mu);
			idle_more = pool_idle();
			pthread_mutex_lock(&p->mu);
			continue;
		}
		pthread_cond_wait(&p->wake, &p->mu);
		idle_more = true;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The loop's thread: every record the workers are done with. */
static void pool_readable(int fd, uint32_t events, void *arg)
{
	struct pool *p = arg;
	struct job_rec *r, *next;
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("job pool: reading its eventfd: %s", strerror(errno));
	pthread_mutex_lock(&p->mu);
	r = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->mu);
	for (; r; r = next) {
		next = r->next;
		job_finish(r);
	}
}

bool pool_take(struct loop *l, struct job_rec *r)
{
	struct pool *p = pool;

	if (!p || p->loop != l)
		return false;
	pthread_mutex_lock(&p->mu);
	queue_push(&p->todo_tail, r);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->mu);
	return true;
}

/* Workers block every signal but SIGSYS: signals are the loop's (signalfd),
 * and a seccomp trap with SIGSYS blocked would kill without a word. */
static int pool_spawn(struct pool *p, unsigned threads)
{
	sigset_t all, old;
	int err = 0;

	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (p->n < threads && !(err = pthread_create(&p->threads[p->n], NULL, worker, p)))
		p->n++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

static void pool_join(struct pool *p)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	p->n = 0;
}

/* After the join: a record still wanted completes inline (worked first if
 * no worker got to it); the others are freed. */
static void pool_leftover(struct pool *p, struct job_rec *r, bool worked)
{
	if (!job_registered(r->serial)) {
		r->type->free(r);
		return;
	}
	if (!worked)
		r->type->work(r);
	if (job_complete_inline(p->loop, r))
		job_finish(r); /* no timer: at once, rather than never */
}

static void pool_leftovers(struct pool *p)
{
	struct job_rec *r;

	while ((r = queue_pop(&p->done, &p->done_tail)))
		pool_leftover(p, r, true);
	while ((r = queue_pop(&p->todo, &p->todo_tail)))
		pool_leftover(p, r, false);
}

static void pool_free(struct pool *p)
{
	pool_join(p);
	if (p->efd >= 0) {
		loop_del_fd(p->loop, p->efd);
		close(p->efd);
	}
	pool_leftovers(p);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int job_pool_start(struct loop *l, unsigned threads)
{
	struct pool *p;
	int err;

	if (pool)
		return -EBUSY;
	if (!threads)
		return 0;
	if (threads > POOL_MAX_THREADS)
		return -EINVAL;
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->loop = l;
	p->todo_tail = &p->todo;
	p->done_tail = &p->done;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	err = p->efd < 0 ? -errno : loop_add_fd(l, p->efd, EPOLLIN, pool_readable, p);
	if (!err)
		err = pool_spawn(p, threads);
	if (err) {
		pool_free(p);
		return err;
	}
	pool = p;
	return 0;
}

void job_pool_stop(void)
{
	struct pool *p = pool;

	if (!p)
		return;
	pool = NULL;
	pool_free(p);
}

unsigned job_pool_threads(void)
{
	return pool ? pool->n : 0;
}

unsigned job_pool_default_threads(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

void job_pool_set_idle(bool (*idle)(void))
{
	pool_idle = idle;
}

void job_pool_set_batch(bool batch)
{
	workers_batch = batch;
}
