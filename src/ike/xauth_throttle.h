/* XAUTH failure throttling (review 11, finding 6): per user name and per
 * peer address, after max_fails failed password checks within window_ms,
 * further tries are refused at once, without a check, for lock_ms; each
 * lockout that follows (before lock_cap_ms went by without a failure)
 * lasts twice the last, up to lock_cap_ms.  One log line names the user
 * and the address when a lockout starts.  A check under way counts
 * against the limit too, so that many SAs at once get no more tries than
 * one.  A success clears its user's failures, not its address's.
 *
 * Bounded: at most cap entries of each kind; a new one evicts the least
 * recently used (preferring one neither locked nor checking).  Pure: no
 * SAs, the time comes in as now_ms. */
#ifndef OAKLEY_IKE_XAUTH_THROTTLE_H
#define OAKLEY_IKE_XAUTH_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct xthr_cfg {
	unsigned max_fails, window_ms, lock_ms, lock_cap_ms, cap;
};
#define XTHR_DEFAULTS                                                                              \
	{                                                                                          \
		5, 60000, 30000, 15 * 60000, 1024                                                  \
	}

struct xauth_throttle;

int xthr_new(const struct xthr_cfg *cfg, struct xauth_throttle **out);
void xthr_free(struct xauth_throttle *t);
/* May user try from peer now?  0: yes (counted as under way until
 * xthr_done); -EAGAIN: refused, why says who is locked and for how long;
 * -ENOMEM. */
int xthr_admit(struct xauth_throttle *t, const char *user, const struct sockaddr *peer,
	       uint64_t now_ms, char *why, size_t whylen);
/* The admitted check's result; ABANDONED: its SA went before it was
 * told (the peer learnt nothing), it counts neither way. */
enum xthr_result { XTHR_PASSED, XTHR_FAILED, XTHR_ABANDONED };
void xthr_done(struct xauth_throttle *t, const char *user, const struct sockaddr *peer,
	       enum xthr_result res, uint64_t now_ms);
/* Entries of each kind (tests). */
unsigned xthr_count(const struct xauth_throttle *t, int kind);

struct ike_daemon;
/* The daemon's (made on first use; NULL: out of memory, no throttling). */
struct xauth_throttle *xthr_of(struct ike_daemon *d);

#endif
