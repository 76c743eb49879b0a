/* Quick Mode (RFC 2409 5.5): three messages under the ISAKMP SA that
 * negotiate a pair of ESP SAs. */
#ifndef OAKLEY_IKE_QUICK_H
#define OAKLEY_IKE_QUICK_H

#include "ike/exchange.h"
#include "ike/ike.h"

/* A Quick Mode for connection c (NULL: the SA's own) under sa: at once,
 * or queued on sa while QUICK_MAX_UNDER_WAY of ours are in progress under
 * it (fn hears when it ends, either way). */
int quick_initiate(struct ike_sa *sa, const struct conn *c, ike_up_fn fn, void *arg);
/* The same, never queued (pacing.c starts a queued one with it). */
int quick_start(struct ike_sa *sa, const struct conn *c, ike_up_fn fn, void *arg);
void quick_fail_all(struct ike_sa *sa, const char *why);
/* The peer refused our pending Quick Modes with this notify. */
void quick_refused_all(struct ike_sa *sa, uint16_t notify);
/* The same for one (nothing unless it is ours and pending). */
void quick_refused(struct quick *q, uint16_t notify);
void quick_free_all(struct ike_sa *sa);
/* How many Quick Mode states the SA holds (for status). */
unsigned quick_count(const struct ike_sa *sa);

/* Inside Quick Mode (quick_*.c) */

/* Quick Modes in progress per ISAKMP SA, each way: a responder keeps no
 * more of its peer's at once (it drops the next QM1), and an initiator
 * starts no more at once (the others wait on the SA: pacing.h). */
#define QUICK_MAX_UNDER_WAY 16

extern const struct step quick_mode_steps[];
/* Builds the message spec says (quick_build.c) and sends it. */
int quick_build_send(struct quick *q, const struct send_spec *spec);
/* The type's done (dispatch.h): the Quick Mode's last row is through,
 * its IPsec SAs are installed. */
void quick_mode_done(void *state);
extern const struct send_spec send_qm1, send_qm2, send_qm3;
/* After the initiator's PFS job: QM1.  The type's start (dispatch.h). */
struct step_result quick_mode_start(void *state, struct ike_msg *none);
void quick_log(const struct quick *q, int lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct quick *quick_find(struct ike_daemon *d, struct ike_sa *sa, uint32_t msgid);
/* A new state, on a timer from the start; NULL without memory. */
struct quick *quick_new(struct ike_sa *sa, uint32_t msgid, bool initiator);
void quick_free(struct quick *q);
/* Ends the negotiation (it lingers a little to answer copies). */
void quick_done(struct quick *q, bool ok, const char *why);
void quick_fail(struct quick *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reasons are full sentences: callees fill a buffer that starts empty, and
 * one left empty by some error path still fails with otherwise. */
#define QUICK_WHY_LEN 512
void quick_fail_why(struct quick *q, const char *why, const char *otherwise);
uint64_t quick_linger_ms(const struct ike_daemon *d);
/* May the peer start one more Quick Mode under sa?  Frees the oldest
 * finished state to make room; false (and logged) at the limit. */
bool quick_room(struct ike_sa *sa);
/* Records msgid as used under sa (msgid_use). */
int quick_use_msgid(struct ike_sa *sa, uint32_t msgid);

#endif
