/* The dispatcher (dispatch.h): the same skeleton for every exchange. */
#include <stddef.h>
#include <string.h>

#include "ike/dispatch.h"
#include "ike/dpd.h"
#include "ike/ra.h"
#include "ike/tap.h"

const struct exchange_type *exchange_type_for(uint8_t xchg)
{
	static const struct exchange_type *const types[] = {
		&main_mode_type,     &aggressive_mode_type, &quick_mode_type,
		&informational_type, &transaction_type,
	};
	unsigned i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i]->xchg == xchg)
			return types[i];
	return NULL;
}

const struct step *exchange_row(const struct step *steps, unsigned i)
{
	unsigned k;

	for (k = 0; k < i; k++)
		if (!steps[k].name)
			return NULL;
	return steps[i].name ? &steps[i] : NULL;
}

/* A row's handler or resume said go on.  Unless a job is pending (its
 * resume goes on later) or the state no longer negotiates, the row's
 * answer goes out; and when no row is left for this side, it is done.
 * The IV was committed before the handler, so the answer chains on it. */
static struct step_result dispatch_go_on(struct dispatch *dp)
{
	const struct exchange_type *t = dp->t;
	struct exchange *x = t->exchange ? t->exchange(dp) : NULL;
	int err;

	if (!x || x->dhj.job.pending || !t->going_on(dp))
		return STEP_GO_ON;
	if (dp->s->sends && (err = t->send(t->state(dp), dp->s->sends))) {
		dp->unsent = dp->s->sends;
		return step_sys(err);
	}
	if (!exchange_row(t->steps, x->step) && t->done)
		t->done(t->state(dp));
	return STEP_GO_ON;
}

/* A job's completion: its exchange's row (the one that started it, two
 * before the step it waits at) says what follows. */
static void exchange_job_done(struct dh_job *j)
{
	struct exchange *x = container_of(j, struct exchange, dhj);
	const struct exchange_type *t = x->type;
	struct dispatch dp = {.d = x->sa->d, .t = t, .sa = x->sa, .q = x->q};
	step_fn resume;
	struct step_result r;

	dp.s = x->step >= 2 ? exchange_row(t->steps, x->step - 2) : NULL;
	resume = dp.s ? dp.s->resume : t->start;
	if (!resume)
		return;
	r = resume(t->state(&dp), NULL);
	if (!step_failed(r) && dp.s)
		r = dispatch_go_on(&dp);
	if (step_failed(r) && dp.s && t->failed)
		t->failed(&dp, NULL, r);
}

int exchange_job_start(struct exchange *x, const struct exchange_type *t, uint16_t group,
		       const uint8_t *peer, size_t peer_len)
{
	x->type = t;
	return dh_job_start(x->sa->d->loop, &x->dhj, group, peer, peer_len, exchange_job_done);
}

void dispatch(struct ike_daemon *d, const struct exchange_type *t, struct ike_sa *sa,
	      struct ike_msg *m)
{
	static const struct xmit none; /* a state without one: no copies to know */
	struct dispatch dp = {.d = d, .t = t, .sa = sa};
	struct exchange *x;
	struct xmit *xm;
	struct step_result r;

	if (!t->find(&dp, m))
		return;
	x = t->exchange ? t->exchange(&dp) : NULL;
	/* While a job runs, the exchange has not answered yet: a copy of the
	 * message is answered once it has. */
	if (x && x->dhj.job.pending)
		return;
	xm = t->xmit ? t->xmit(&dp) : NULL;
	if (xmit_repeat(xm ? xm : &none, m->raw, m->len, dp.digest) && xm) {
		if (xm->last_recv_answered)
			xmit_resend(dp.sa, xm);
		return;
	}
	if (!t->row(&dp, m) || !t->open(&dp, m) || (t->verify && !t->verify(&dp, m)) ||
	    (t->accept && !t->accept(&dp, m)))
		return;
	/* accept may have made the state: ask again. */
	xm = t->xmit ? t->xmit(&dp) : NULL;
	if (xm)
		xmit_accepted(xm, dp.digest, dp.s->sends != NULL);
	/* Proved by its keys: the peer may have moved (NAT-T, natt.h). */
	if (dp.sa && (m->hdr.flags & ISAKMP_FLAG_ENC) && t != &informational_type)
		natt_follow(dp.sa, m);
	x = t->exchange ? t->exchange(&dp) : NULL;
	if (x) {
		memcpy(x->iv, dp.iv, sizeof(x->iv));
		x->step = (unsigned)(dp.s - t->steps) + 2;
	}
	tap_received(d, m);
	if (dp.sa && (m->hdr.flags & ISAKMP_FLAG_ENC))
		dpd_heard(dp.sa);
	r = dp.s->fn(t->state(&dp), m);
	if (!step_failed(r))
		r = dispatch_go_on(&dp);
	if (step_failed(r) && t->failed)
		t->failed(&dp, m, r);
}
