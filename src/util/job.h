/* Expensive work (Diffie-Hellman, signatures) as jobs.  A job's inputs and
 * outputs travel in a heap record of its own (struct job_rec at its head);
 * its owner keeps only a slot (struct job) that names the record in flight
 * by serial number.  The work touches nothing but the record, so it may run
 * on any thread; the completion re-enters the owner's state machine as an
 * event of the loop, on the loop's thread, never from inside job_submit.
 *
 * With a pool (job_pool_start) the work runs on worker threads and the
 * results come back through an eventfd registered in the loop.  Without
 * one (threads=0, tests, fuzzing) the work runs at submission and a 0 ms
 * timer completes it.  Callers see no difference: that is the promise.
 *
 * A cancelled job never completes: its slot is unregistered at once, and
 * its record, wherever it is (queued, being worked on, done), is freed by
 * its type's free (which wipes keys) when the pool is done with it.  So an
 * owner may cancel and free its slot's memory at any time. */
#ifndef OAKLEY_UTIL_JOB_H
#define OAKLEY_UTIL_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "util/hash.h"
#include "util/loop.h"

struct job;
struct job_rec;

struct job_type {
	/* Any thread: reads and writes *r only. */
	void (*work)(struct job_rec *r);
	/* The loop's thread, with the owner's slot (already unregistered: it
	 * may submit again or free its owner).  r is freed after it returns. */
	void (*done)(struct job *slot, struct job_rec *r);
	/* Wipes and frees r: after done, or when its owner went away. */
	void (*free)(struct job_rec *r);
};

/* The head of every job record; the type's own fields follow it. */
struct job_rec {
	const struct job_type *type;
	uint64_t serial;
	struct job_rec *next; /* the pool's queues */
	struct timer timer;   /* inline completion */
};

/* The owner's slot, embedded in it; the loop's thread only. */
struct job {
	struct hnode by_serial;
	uint64_t serial;	    /* of the record in flight, 0: none */
	struct job_rec *inline_rec; /* that record when the loop holds it */
	bool pending;
};

void job_init(struct job *j);
/* Runs r's work and completes it in j later.  r is the pool's from here,
 * also on failure (freed).  -EBUSY if j has a job in flight, -ENOMEM. */
int job_submit(struct loop *l, struct job *j, struct job_rec *r);
/* The completion will not run (the owner goes away); safe while a worker
 * is working on the record. */
void job_cancel(struct loop *l, struct job *j);

/* Worker threads for the jobs submitted with loop l: threads 0 means none
 * (inline).  One pool per process.  0 or -errno. */
int job_pool_start(struct loop *l, unsigned threads);
/* Joins the workers.  Jobs still in flight for a registered slot complete
 * inline from the loop afterwards; the others are freed. */
void job_pool_stop(void);
unsigned job_pool_threads(void); /* 0 when inline */
/* One per online processor. */
unsigned job_pool_default_threads(void);
/* Called by an idle worker (no job waiting) until it returns false; the
 * workers then sleep until the next job.  For work done ahead (key pairs).
 * Set before job_pool_start. */
void job_pool_set_idle(bool (*idle)(void));
/* Workers started after this run SCHED_BATCH: woken for a job, they do
 * not preempt the loop's thread, which does all the protocol work (an
 * oakleyd pair on 2 cores: 2-3x fewer context switches, ecp256 1.1x the
 * rate; README, Benchmarks).  Needs sched_setscheduler(2) (a seccomp
 * filter must allow it, with SCHED_BATCH).  Default off. */
void job_pool_set_batch(bool batch);

#endif
