/* Half-open responder SAs: a peer's first message answered, the exchange
 * not yet established.  A flood of spoofed MM1s or AM1s makes them, so
 * they are bounded globally and per source address, part of the room is
 * kept for the peers named in right=, and under pressure new ones live
 * shorter. */
#ifndef OAKLEY_IKE_HALFOPEN_H
#define OAKLEY_IKE_HALFOPEN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "ike/ike.h"

int halfopen_init(struct ike_daemon *d);
void halfopen_free(struct ike_daemon *d);
/* May a new half-open SA be made for a first message from this address?
 * named: a connection names it in right=.  false: dropped, counted, and
 * logged at most once a second. */
bool halfopen_admit(struct ike_daemon *d, const struct sockaddr_storage *from, bool named);
/* Counts the responder SA sa as half-open and sets its lifetime. */
int halfopen_add(struct ike_sa *sa, bool named);
/* sa is no longer half-open (established or freed). */
void halfopen_del(struct ike_sa *sa);
/* May an Aggressive Mode responder answer one more AM1 (a DH) now? */
bool halfopen_am_admit(struct ike_daemon *d);
/* The peer answered MM2 from its address (MM3): the normal lifetime. */
void halfopen_answered(struct ike_sa *sa);

#endif
