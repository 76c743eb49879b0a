/* Half-open responder SAs: a peer's first message answered, the exchange
 * not yet established.  A flood of spoofed MM1s or AM1s makes them, so
 * they are bounded globally and per source address, part of the room is
 * kept for the peers named in right=, and under pressure new ones live
 * shorter. */
#ifndef OAKLEY_IKE_HALFOPEN_H
#define OAKLEY_IKE_HALFOPEN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "ike/exchange.h"
#include "ike/ike.h"
#include "ike/proposal.h"

/* A Main Mode responder between MM1 and MM3: what MM2 said and what MM3
 * needs, and no more, so a spoofed MM1 costs little (the full ISAKMP SA
 * is made when MM3 arrives from the same address with our cookie). */
struct mm_halfopen {
	struct hnode by_icookie;
	struct ike_daemon *d;
	struct halfopen_src *src;
	struct mm_halfopen *src_older, *src_newer; /* its source's, oldest first */
	struct timer expire;
	unsigned serial;
	uint8_t icookie[8], rcookie[8];
	struct ike_endpoint ep;
	char conn[64];		   /* by name: a reload may free the configuration */
	struct p1_offer offer;	   /* the transform chosen */
	struct peer_vendor vendor; /* what MM1's vendor IDs said */
	uint8_t mm1_digest[20];	   /* a copy of MM1 gets MM2 again */
	/* The peer's SA payload (for the hashes) and our MM2, each allocated
	 * to its size: with the struct, under 1 KB for a usual offer. */
	uint8_t *sai, *mm2;
	size_t sai_len, mm2_len;
};

int halfopen_init(struct ike_daemon *d);
void halfopen_free(struct ike_daemon *d);
/* May a new half-open SA be made for a first message from this address?
 * named: a connection names it in right=.  false: dropped, counted, and
 * logged at most once a second.  An address at its own limit makes room
 * by letting its oldest half-open Main Mode go (counted the same way). */
bool halfopen_admit(struct ike_daemon *d, const struct sockaddr *from, bool named);
/* Counts the responder SA sa as half-open and sets its lifetime. */
int halfopen_add(struct ike_sa *sa, bool named);
/* sa is no longer half-open (established or freed). */
void halfopen_del(struct ike_sa *sa);
/* May an Aggressive Mode responder answer one more AM1 (a DH) now? */
bool halfopen_am_admit(struct ike_daemon *d);
/* A new Main Mode half-open state for MM1 m (admitted already): counted,
 * its cookie made, hashed, its lifetime running.  NULL: out of memory. */
struct mm_halfopen *halfopen_mm_new(struct ike_daemon *d, const struct ike_msg *m, bool named);
/* By the initiator's cookie and address, and our cookie (or zero: MM1). */
struct mm_halfopen *halfopen_mm_find(struct ike_daemon *d, const uint8_t icookie[8],
				     const uint8_t rcookie[8], const struct sockaddr *from);
void halfopen_mm_free(struct mm_halfopen *h);
/* Hands h's place in the counts over to the ISAKMP SA that MM3 makes. */
struct halfopen_src *halfopen_mm_detach(struct mm_halfopen *h);

#endif
