#include "util/job.h"

static void job_complete(void *arg)
{
	struct job *j = arg;

	j->pending = false;
	j->done(j);
}

void job_init(struct job *j, void (*work)(struct job *), void (*done)(struct job *))
{
	j->work = work;
	j->done = done;
	j->pending = false;
	timer_init(&j->timer, job_complete, j);
}

int job_submit(struct loop *l, struct job *j)
{
	j->pending = true;
	j->work(j);
	return timer_arm(l, &j->timer, 0);
}

void job_cancel(struct loop *l, struct job *j)
{
	timer_cancel(l, &j->timer);
	j->pending = false;
}
