/* Jobs: a registry of the slots waiting for a record (the loop's thread
 * only), inline completion by timer, and the worker pool (pool.c). */
#include "util/job.h"
#include "util/pool.h"

#include <errno.h>
#include <stddef.h>

/* Slots with a job in flight, by the serial of its record.  A record names
 * its owner by serial only: a completion whose serial is no longer here
 * belongs to an owner that cancelled, and is dropped. */
static struct htable registry;
static bool registry_ready;
static uint64_t next_serial = 1;

static uint64_t serial_hash(uint64_t serial)
{
	return htable_hash(&registry, &serial, sizeof(serial));
}

static struct job *registry_find(uint64_t serial)
{
	uint64_t h;
	struct hnode *n;

	if (!registry_ready)
		return NULL;
	h = serial_hash(serial);
	for (n = htable_first(&registry, h); n; n = htable_next(n, h)) {
		struct job *j = container_of(n, struct job, by_serial);

		if (j->serial == serial)
			return j;
	}
	return NULL;
}

static int registry_add(struct job *j, uint64_t serial)
{
	int err;

	if (!registry_ready) {
		if ((err = htable_init(&registry)))
			return err;
		registry_ready = true;
	}
	j->serial = serial;
	j->pending = true;
	j->inline_rec = NULL;
	htable_add(&registry, &j->by_serial, serial_hash(serial));
	return 0;
}

static void registry_del(struct job *j)
{
	htable_del(&registry, &j->by_serial);
	j->serial = 0;
	j->pending = false;
	j->inline_rec = NULL;
}

void job_finish(struct job_rec *r)
{
	struct job *j = registry_find(r->serial);

	if (j) {
		registry_del(j);
		r->type->done(j, r);
	}
	r->type->free(r);
}

bool job_registered(uint64_t serial)
{
	return registry_find(serial) != NULL;
}

static void inline_done(void *arg)
{
	job_finish(arg);
}

int job_complete_inline(struct loop *l, struct job_rec *r)
{
	struct job *j = registry_find(r->serial);
	int err;

	if (!j) {
		r->type->free(r);
		return 0;
	}
	if ((err = timer_arm(l, &r->timer, 0)))
		return err;
	j->inline_rec = r;
	return 0;
}

void job_init(struct job *j)
{
	j->by_serial.next = NULL;
	j->serial = 0;
	j->inline_rec = NULL;
	j->pending = false;
}

int job_submit(struct loop *l, struct job *j, struct job_rec *r)
{
	int err = -EBUSY;

	if (j->serial)
		goto fail;
	r->serial = next_serial++;
	r->next = NULL;
	timer_init(&r->timer, inline_done, r);
	if ((err = registry_add(j, r->serial)))
		goto fail;
	if (pool_take(l, r))
		return 0;
	r->type->work(r);
	if (!(err = job_complete_inline(l, r)))
		return 0;
	registry_del(j);
fail:
	r->type->free(r);
	return err;
}

void job_cancel(struct loop *l, struct job *j)
{
	struct job_rec *r = j->inline_rec;

	if (!j->serial)
		return;
	registry_del(j);
	/* A record in the pool's hands is dropped when it comes back. */
	if (r) {
		timer_cancel(l, &r->timer);
		r->type->free(r);
	}
}
