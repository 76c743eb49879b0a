#ifndef OAKLEY_IKE_AGGRESSIVE_MODE_H
#define OAKLEY_IKE_AGGRESSIVE_MODE_H

#include "ike/exchange.h"
#include "ike/ike.h"

/* Starts Aggressive Mode (aggressive=yes); fn as for Main Mode. */
int aggressive_mode_initiate(struct ike_daemon *d, const struct conn *c, ike_up_fn fn, void *arg);
/* After the initiator's first job (its key pair): AM1.  The type's start
 * (dispatch.h). */
struct step_result aggressive_mode_start(void *state, struct ike_msg *none);

#endif
