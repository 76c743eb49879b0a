/* IPsec SA lifetimes (RFC 2407 4.5, 4.6.3.1): seconds and kilobytes as
 * proposed, shortened by a responder whose policy allows less, which says
 * so with RESPONDER-LIFETIME; the initiator applies what it hears, within
 * its own policy. */
#ifndef OAKLEY_IKE_LIFETIME_H
#define OAKLEY_IKE_LIFETIME_H

#include "ike/exchange.h"
#include "ike/ike.h"
#include "ike/proposal.h"

/* Responder: the lifetimes in force for offer o under q->conn's policy.
 * True when they are shorter than proposed (a RESPONDER-LIFETIME is due). */
bool lifetime_respond(struct quick *q, const struct p2_offer *o);
int lifetime_add_notify(struct wire_builder *w, const struct quick *q);
/* The least a responder can make our limits (unless ours are less). */
#define LIFETIME_FLOOR_S  60
#define LIFETIME_FLOOR_KB 1024
/* Initiator: our policy, shortened (never lengthened, never to 0, never
 * below the floor) by the responder's chosen transform and by a
 * RESPONDER-LIFETIME in m. */
void lifetime_initiator(struct quick *q, const struct p2_offer *o, const struct ike_msg *m);

#endif
