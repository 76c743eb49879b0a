#ifndef OAKLEY_IKE_MAIN_MODE_H
#define OAKLEY_IKE_MAIN_MODE_H

#include "ike/halfopen.h"
#include "ike/ike.h"

/* Starts Main Mode for a connection; fn hears when the connection (phase 1
 * and its first Quick Mode) is up or has failed. */
int main_mode_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg);
/* MM1 from a new peer (checked, admitted by the half-open limits): the
 * choice of connection and transform, and MM2 from a small half-open
 * state; a refusal is a notify, with no state at all.  0, or the notify
 * code of a malformed SA payload (nothing sent: the caller counts it). */
int main_mode_respond(struct ike_daemon *d, struct ike_msg *m, bool named);
/* A message for a half-open state: a copy of MM1 gets MM2 again (NULL);
 * MM3 makes the ISAKMP SA, which then takes MM3 (NULL if it could not). */
struct ike_sa *main_mode_promote(struct mm_halfopen *h, const struct ike_msg *m);

#endif
