/* Expensive work (Diffie-Hellman, signatures) as jobs.  The work runs,
 * then its completion re-enters the owner's state machine as an event of
 * the loop, never from inside the handler that submitted it.  Today the
 * work runs at submission, on the one thread; a worker pool can take it
 * later without changing any caller, since callers already wait for the
 * completion event. */
#ifndef OAKLEY_UTIL_JOB_H
#define OAKLEY_UTIL_JOB_H

#include <stdbool.h>

#include "util/loop.h"

struct job {
	void (*work)(struct job *j); /* touches only the job's own data */
	void (*done)(struct job *j); /* on the loop's thread */
	struct timer timer;
	bool pending;
};

void job_init(struct job *j, void (*work)(struct job *), void (*done)(struct job *));
int job_submit(struct loop *l, struct job *j);
/* The completion will not run (the owner goes away). */
void job_cancel(struct loop *l, struct job *j);

#endif
