/* The message IDs used under one ISAKMP SA (RFC 2408 3.1: each is used
 * once per SA), remembered so that a replayed Quick Mode or protected
 * Informational is dropped.  A set that starts small and doubles with the
 * IDs the SA carries, up to MSGID_MAX; from there each new ID makes the
 * set forget its oldest, so a peer that holds the SA's keys can neither
 * grow it without end nor stop the SA carrying more exchanges.  A replay
 * is refused while its ID is one of the last MSGID_MAX used (hours of
 * Quick Modes at any rate a retransmission matters for). */
#ifndef OAKLEY_IKE_MSGID_H
#define OAKLEY_IKE_MSGID_H

#include <stdbool.h>
#include <stdint.h>

/* IDs remembered per ISAKMP SA: 16384, 192 KB of slots and order at most,
 * 12 bytes an ID carried */
#define MSGID_MAX 16384

struct msgid_set {
	uint32_t *slot;	 /* open addressing; 0 marks a free slot (ID 0 is phase 1) */
	uint32_t *order; /* the IDs as used; a ring from oldest once n == MSGID_MAX */
	unsigned nslots, n, oldest;
	uint64_t seed; /* drawn with the first slots */
};

bool msgid_used(const struct msgid_set *s, uint32_t id);
/* 0; -EEXIST when remembered as used; -ENOMEM; -EINVAL for ID 0.  With
 * MSGID_MAX remembered, the oldest is forgotten. */
int msgid_use(struct msgid_set *s, uint32_t id);
void msgid_free(struct msgid_set *s);
/* A random message ID for an exchange we start: non-zero and not among
 * those remembered (the caller records it).  0 or the -errno of the
 * random source. */
int msgid_new(const struct msgid_set *s, uint32_t *id);

#endif
