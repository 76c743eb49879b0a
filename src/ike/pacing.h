/* Initiation pacing: at most max_inflight Main or Aggressive Modes that we
 * initiate are in flight at once; further starts (auto=start, oakleyctl
 * up) wait in a queue, in the order they came, and go out as earlier ones
 * end, established or failed (fewer while the peer answers late: see
 * pacing.c).  So a gateway with thousands of auto=start
 * connections never sends more first messages at once than its peer's
 * socket can hold.  A queued start keeps its caller: the answer comes when
 * it completes, as if it had not waited. */
#ifndef OAKLEY_IKE_PACING_H
#define OAKLEY_IKE_PACING_H

#include <stdbool.h>

#include "ike/ike.h"

#define PACING_DEFAULT_MAX 64

int pacing_new(struct ike_daemon *d, unsigned max, struct pacing **out);
/* Answers every queued caller (failed: why) and frees the queue. */
void pacing_free(struct pacing *p, const char *why);
void pacing_set_max(struct pacing *p, unsigned max); /* 0: the default */

/* ike_up, before it starts phase 1: true when the start was queued (fn
 * will be called once it ends; it goes out from the event loop, at once
 * when there is room), false when it must go now (from the queue itself,
 * or without memory to queue it). */
bool pacing_hold(struct ike_daemon *d, const char *name, ike_up_fn fn, void *arg);
/* A queued start taken back (oakleyctl down): its callers hear why. */
void pacing_cancel(struct ike_daemon *d, const char *name, const char *why);

/* sa.c: an initiator's phase 1 began, and ended (established, failed or
 * freed; counted once); one of its messages was sent again (the window
 * narrows: see pacing.c). */
void pacing_started(struct ike_sa *sa);
void pacing_finished(struct ike_sa *sa, bool established);
void pacing_retransmitted(struct ike_sa *sa);

/* Quick Modes we start under one ISAKMP SA: at most QUICK_MAX_UNDER_WAY
 * (quick.h) in progress at once, as many as an oakley responder keeps
 * (it drops the next QM1, and a Quick Mode retransmitted long enough
 * outlives its SPI reservation).  The others wait on the SA in order and
 * start as earlier ones end, established or failed; fn hears when a
 * waiting one has been started and ended.
 *
 * quick_initiate: true when the start was queued (false: start it now;
 * also without memory to queue it). */
bool pacing_quick_hold(struct ike_sa *sa, const struct conn *c, ike_up_fn fn, void *arg);
/* The Quick Mode q (ours) started, and ended (done, failed or freed;
 * counted once). */
void pacing_quick_started(struct quick *q);
void pacing_quick_ended(struct quick *q);
/* The SA dies: its waiting Quick Modes' callers hear why (it is logged),
 * then the queue is freed. */
void pacing_quick_queue_fail(struct ike_sa *sa, const char *why);
void pacing_quick_queue_free(struct ike_sa *sa);
unsigned pacing_quick_queued(const struct ike_sa *sa);
/* `down NAME`: NAME's Quick Modes waiting on any SA (its own or another
 * connection's) are dropped, their callers told why; true if there were
 * any.  A hash lookup, not a walk of the SAs. */
bool pacing_quick_cancel(struct ike_daemon *d, const char *name, const char *why);
bool pacing_quick_is_queued(const struct ike_daemon *d, const char *name);

bool pacing_is_queued(const struct ike_daemon *d, const char *name);
unsigned pacing_inflight(const struct ike_daemon *d);
unsigned pacing_queued(const struct ike_daemon *d);
unsigned pacing_max(const struct ike_daemon *d);
unsigned pacing_window(const struct ike_daemon *d); /* in flight allowed now, <= max */

#endif
