/* Quick Mode (RFC 2409 5.5): three messages under the ISAKMP SA that
 * negotiate a pair of ESP SAs. */
#ifndef OAKLEY_IKE_QUICK_H
#define OAKLEY_IKE_QUICK_H

#include "ike/exchange.h"
#include "ike/ike.h"

/* A Quick Mode for connection c (NULL: the SA's own) under sa. */
int quick_initiate(struct ike_sa *sa, const struct conn *c, ike_up_fn fn, void *arg);
/* A received Quick Mode message (still encrypted: m->raw holds it). */
void quick_input(struct ike_daemon *d, struct ike_sa *sa, struct ike_msg *m);
void quick_fail_all(struct ike_sa *sa, const char *why);
/* The peer refused our pending Quick Modes with this notify. */
void quick_refused_all(struct ike_sa *sa, uint16_t notify);
void quick_free_all(struct ike_sa *sa);

#endif
