/* The queue is a FIFO of entries, one per connection name (a second
 * `up` of a queued name joins its entry), and a hash of them by name.
 * Every start goes through it and out from a zero-delay timer: never from
 * inside the exchange that ended (it may still be in its own handler),
 * and never before a burst of starts (auto=start of thousands) has been
 * queued, so no retransmission timer runs while the loop is busy queueing. */
#include "ike/pacing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/quick.h"
#include "util/log.h"

struct waiter {
	ike_up_fn fn;
	void *arg;
};

struct pace_entry {
	struct hnode by_name;
	struct pace_entry *next;
	char name[64];
	uint64_t queued_ms;
	struct waiter *w;
	unsigned nw;
};

/* The window: how many may be in flight now, up to max.  A retransmitted
 * first message halves it (at most once a second: one burst of timeouts
 * is one signal), and each phase 1 established widens it by one in every
 * window's worth, as TCP's congestion avoidance does.  A peer (or this
 * loop) slower than the window lets through gets fewer at once. */
#define WINDOW_MIN	     4
#define WINDOW_SHRINK_GAP_MS 1000

struct pacing {
	struct ike_daemon *d;
	unsigned max, window, inflight, nqueued;
	unsigned acked; /* established since the window last grew */
	uint64_t shrunk_ms;
	struct pace_entry *head, **tail;
	struct htable by_name;
	struct timer drain;
	bool draining; /* ike_up called from the drain: no queueing again */
};

static void pacing_drain(void *arg);

int pacing_new(struct ike_daemon *d, unsigned max, struct pacing **out)
{
	struct pacing *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	err = htable_init(&p->by_name);
	if (err) {
		free(p);
		return err;
	}
	p->d = d;
	p->tail = &p->head;
	pacing_set_max(p, max);
	timer_init(&p->drain, pacing_drain, p);
	*out = p;
	return 0;
}

void pacing_set_max(struct pacing *p, unsigned max)
{
	p->max = max ? max : PACING_DEFAULT_MAX;
	p->window = p->max;
	if (p->head && p->inflight < p->window)
		timer_arm(p->d->loop, &p->drain, 0);
}

static struct pace_entry *find(const struct pacing *p, const char *name)
{
	uint64_t h = htable_hash(&p->by_name, name, strlen(name));
	struct hnode *n;

	for (n = htable_first(&p->by_name, h); n; n = htable_next(n, h)) {
		struct pace_entry *e = container_of(n, struct pace_entry, by_name);

		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

/* Takes e out of the queue (it is not freed). */
static void unlink_entry(struct pacing *p, struct pace_entry *e)
{
	struct pace_entry **pp;

	for (pp = &p->head; *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	if (p->tail == &e->next)
		p->tail = pp;
	htable_del(&p->by_name, &e->by_name);
	p->nqueued--;
}

static bool add_waiter(struct pace_entry *e, ike_up_fn fn, void *arg)
{
	struct waiter *w = realloc(e->w, (e->nw + 1) * sizeof(*w));

	if (!w)
		return false;
	e->w = w;
	e->w[e->nw++] = (struct waiter){fn, arg};
	return true;
}

/* Every caller of e hears the same answer; e is freed. */
static void answer_all(void *arg, bool ok, const char *why)
{
	struct pace_entry *e = arg;
	unsigned i;

	for (i = 0; i < e->nw; i++)
		if (e->w[i].fn)
			e->w[i].fn(e->w[i].arg, ok, why);
	free(e->w);
	free(e);
}

bool pacing_hold(struct ike_daemon *d, const char *name, ike_up_fn fn, void *arg)
{
	struct pacing *p = d->pacing;
	struct pace_entry *e;

	if (!p || p->draining)
		return false;
	e = find(p, name);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return false; /* out of memory: start now rather than lose it */
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->queued_ms = loop_now_ms();
		htable_add(&p->by_name, &e->by_name, htable_hash(&p->by_name, name, strlen(name)));
		*p->tail = e;
		p->tail = &e->next;
		p->nqueued++;
	}
	if (!add_waiter(e, fn, arg)) {
		if (fn)
			fn(arg, false, "out of memory queueing the start");
		return true;
	}
	if (p->inflight + p->nqueued > p->max || e->nw > 1)
		log_info("%s: queued (%u in flight, %u queued, max_inflight=%u)", name, p->inflight,
			 p->nqueued, p->max);
	if (p->inflight < p->window && !timer_armed(&p->drain))
		timer_arm(p->d->loop, &p->drain, 0);
	return true;
}

void pacing_cancel(struct ike_daemon *d, const char *name, const char *why)
{
	struct pace_entry *e = d->pacing ? find(d->pacing, name) : NULL;

	if (!e)
		return;
	unlink_entry(d->pacing, e);
	answer_all(e, false, why);
}

/* Starts queued entries while there is room.  ike_up may answer at once
 * (the conn is gone, or already up): then the next one goes. */
static void pacing_drain(void *arg)
{
	struct pacing *p = arg;
	struct pace_entry *e;

	while (p->head && p->inflight < p->window) {
		e = p->head;
		unlink_entry(p, e);
		log_debug("%s: leaves the queue after %llu ms", e->name,
			  (unsigned long long)(loop_now_ms() - e->queued_ms));
		p->draining = true;
		if (e->nw == 1) {
			struct waiter w = e->w[0];
			char name[sizeof(e->name)];

			memcpy(name, e->name, sizeof(name));
			free(e->w);
			free(e);
			ike_up(p->d, name, w.fn, w.arg);
		} else {
			ike_up(p->d, e->name, answer_all, e);
		}
		p->draining = false;
	}
}

void pacing_started(struct ike_sa *sa)
{
	struct pacing *p = sa->d->pacing;

	if (!p || !sa->initiator || sa->paced)
		return;
	sa->paced = true;
	p->inflight++;
}

void pacing_finished(struct ike_sa *sa, bool established)
{
	struct pacing *p = sa->d->pacing;

	if (!p || !sa->paced)
		return;
	sa->paced = false;
	p->inflight--;
	if (established && p->window < p->max && ++p->acked >= p->window) {
		p->acked = 0;
		p->window++;
	}
	if (p->head && p->inflight < p->window)
		timer_arm(p->d->loop, &p->drain, 0);
}

void pacing_retransmitted(struct ike_sa *sa)
{
	struct pacing *p = sa->d->pacing;
	unsigned was;

	if (!p || !sa->paced || loop_now_ms() - p->shrunk_ms < WINDOW_SHRINK_GAP_MS ||
	    p->window <= WINDOW_MIN)
		return;
	was = p->window;
	p->window = p->window / 2 > WINDOW_MIN ? p->window / 2 : WINDOW_MIN;
	p->acked = 0;
	p->shrunk_ms = loop_now_ms();
	log_info("initiations: a retransmission (#%u %s): window %u, was %u (max_inflight=%u)",
		 sa->serial, sa->conn->name, p->window, was, p->max);
}

void pacing_free(struct pacing *p, const char *why)
{
	struct pace_entry *e;

	if (!p)
		return;
	timer_cancel(p->d->loop, &p->drain);
	while ((e = p->head)) {
		unlink_entry(p, e);
		answer_all(e, false, why);
	}
	htable_free(&p->by_name);
	free(p);
}

bool pacing_is_queued(const struct ike_daemon *d, const char *name)
{
	return d->pacing && find(d->pacing, name);
}

unsigned pacing_inflight(const struct ike_daemon *d)
{
	return d->pacing ? d->pacing->inflight : 0;
}

unsigned pacing_queued(const struct ike_daemon *d)
{
	return d->pacing ? d->pacing->nqueued : 0;
}

unsigned pacing_max(const struct ike_daemon *d)
{
	return d->pacing ? d->pacing->max : 0;
}

unsigned pacing_window(const struct ike_daemon *d)
{
	return d->pacing ? d->pacing->window : 0;
}

/* ---- Quick Modes under one ISAKMP SA (pacing.h) ----
 * A FIFO on the SA, made when the first one waits; the next goes from a
 * zero-delay timer once one ends, never from inside the Quick Mode that
 * ended (it may be in its own handler). */

struct quick_wait {
	struct quick_wait *next, **pprev; /* pprev: what points to it */
	struct quick_queue *qq;
	struct conn_ref *cref; /* NULL: the SA's own connection */
	ike_up_fn fn;
	void *arg;
	/* in d->quick_wait_by_conn under its connection's name, so that
	 * `down` finds it without walking every SA's queue */
	struct group_link by_conn;
};

struct quick_queue {
	struct ike_sa *sa;
	struct quick_wait *head, **tail;
	unsigned n;
	struct timer drain;
	bool draining; /* quick_initiate called from the drain: start it */
};

/* Out of its queue and its name's group, O(1) either way. */
static void quick_wait_unlink(struct quick_wait *w)
{
	struct quick_queue *qq = w->qq;

	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	else
		qq->tail = w->pprev;
	qq->n--;
	group_leave(&qq->sa->d->quick_wait_by_conn, &w->by_conn);
}

static void quick_queue_drain(void *arg)
{
	struct quick_queue *qq = arg;
	struct ike_sa *sa = qq->sa;
	struct quick_wait *w;

	while ((w = qq->head) && sa->state == IKE_SA_ESTABLISHED &&
	       sa->quick_under_way < QUICK_MAX_UNDER_WAY) {
		quick_wait_unlink(w);
		qq->draining = true;
		quick_start(sa, w->cref ? w->cref->c : NULL, w->fn, w->arg);
		qq->draining = false;
		conn_ref_put(sa->d, w->cref);
		free(w);
	}
}

static struct quick_queue *quick_queue_of(struct ike_sa *sa)
{
	struct quick_queue *qq = sa->quick_queue;

	if (qq || !(qq = calloc(1, sizeof(*qq))))
		return qq;
	qq->sa = sa;
	qq->tail = &qq->head;
	timer_init(&qq->drain, quick_queue_drain, qq);
	sa->quick_queue = qq;
	return qq;
}

bool pacing_quick_hold(struct ike_sa *sa, const struct conn *c, ike_up_fn fn, void *arg)
{
	struct quick_queue *qq = sa->quick_queue;
	struct quick_wait *w;

	if (qq && qq->draining)
		return false;
	/* Behind those already waiting, even when a slot just freed. */
	if (sa->quick_under_way < QUICK_MAX_UNDER_WAY && (!qq || !qq->head))
		return false;
	if (!(qq = quick_queue_of(sa)) || !(w = calloc(1, sizeof(*w))))
		return false; /* out of memory: start now rather than lose it */
	if (c && c != sa->conn && !(w->cref = conn_ref_get(sa->d, c))) {
		free(w);
		return false;
	}
	w->fn = fn;
	w->arg = arg;
	w->qq = qq;
	w->pprev = qq->tail;
	*qq->tail = w;
	qq->tail = &w->next;
	qq->n++;
	/* without memory it is not found by name: `down` then leaves it */
	c = c ? c : sa->conn;
	group_file(&sa->d->quick_wait_by_conn, &w->by_conn, c->name, strlen(c->name));
	log_debug("#%u %s: Quick Mode queued: %u in progress under this ISAKMP SA, the most at "
		  "once; %u waiting",
		  sa->serial, c ? c->name : sa->conn->name, sa->quick_under_way, qq->n);
	return true;
}

void pacing_quick_started(struct quick *q)
{
	if (q->paced)
		return;
	q->paced = true;
	q->sa->quick_under_way++;
}

void pacing_quick_ended(struct quick *q)
{
	struct ike_sa *sa = q->sa;
	struct quick_queue *qq = sa->quick_queue;

	if (!q->paced)
		return;
	q->paced = false;
	sa->quick_under_way--;
	if (qq && qq->head && sa->state == IKE_SA_ESTABLISHED && !timer_armed(&qq->drain))
		timer_arm(sa->d->loop, &qq->drain, 0);
}

void pacing_quick_queue_fail(struct ike_sa *sa, const char *why)
{
	struct quick_queue *qq = sa->quick_queue;
	struct quick_wait *w;

	if (!qq || !qq->head)
		return;
	ike_sa_log(sa, LOG_LVL_INFO, "%u Quick Modes waiting to start under it are not started: %s",
		   qq->n, why);
	timer_cancel(sa->d->loop, &qq->drain);
	while ((w = qq->head)) {
		quick_wait_unlink(w);
		if (w->fn)
			w->fn(w->arg, false, why);
		conn_ref_put(sa->d, w->cref);
		free(w);
	}
}

void pacing_quick_queue_free(struct ike_sa *sa)
{
	struct quick_queue *qq = sa->quick_queue;

	if (!qq)
		return;
	pacing_quick_queue_fail(sa, "ISAKMP SA deleted before this Quick Mode started");
	timer_cancel(sa->d->loop, &qq->drain);
	sa->quick_queue = NULL;
	free(qq);
}

bool pacing_quick_cancel(struct ike_daemon *d, const char *name, const char *why)
{
	const struct group_link *l;
	struct quick_wait *w;
	bool found = false;

	while ((l = group_head(&d->quick_wait_by_conn, name, strlen(name)))) {
		w = container_of(l, struct quick_wait, by_conn);
		quick_wait_unlink(w);
		log_info("%s: Quick Mode waiting under ISAKMP SA #%u not started: %s", name,
			 w->qq->sa->serial, why);
		if (w->fn)
			w->fn(w->arg, false, why);
		conn_ref_put(d, w->cref);
		free(w);
		found = true;
	}
	return found;
}

bool pacing_quick_is_queued(const struct ike_daemon *d, const char *name)
{
	return group_head(&d->quick_wait_by_conn, name, strlen(name)) != NULL;
}

unsigned pacing_quick_queued(const struct ike_sa *sa)
{
	return sa->quick_queue ? sa->quick_queue->n : 0;
}
