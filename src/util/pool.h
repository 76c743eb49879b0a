/* Inside util/job: what the worker pool (pool.c) and the registry of
 * waiting slots (job.c) use of each other.  Callers use util/job.h. */
#ifndef OAKLEY_UTIL_POOL_H
#define OAKLEY_UTIL_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "util/job.h"

/* Queues r for a worker when a pool runs for l; false: run it inline. */
bool pool_take(struct loop *l, struct job_rec *r);
/* The loop's thread: done() into the slot still registered for r's
 * serial, if any; then r is freed. */
void job_finish(struct job_rec *r);
bool job_registered(uint64_t serial);
/* A worked record completes from l by a 0 ms timer (or is freed now when
 * its slot is gone).  0 or -ENOMEM (r untouched). */
int job_complete_inline(struct loop *l, struct job_rec *r);

#endif
