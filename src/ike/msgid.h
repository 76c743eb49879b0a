/* The message IDs used under one ISAKMP SA (RFC 2408 3.1: each is used
 * once per SA), remembered for the SA's lifetime so that a replayed Quick
 * Mode or protected Informational is dropped.  A set that starts small and
 * doubles up to a bound: a peer that holds the SA's keys can fill it, but
 * not grow it without end. */
#ifndef OAKLEY_IKE_MSGID_H
#define OAKLEY_IKE_MSGID_H

#include <stdbool.h>
#include <stdint.h>

#define MSGID_MAX 4096 /* message IDs per ISAKMP SA: 32 KB of slots at most */

struct msgid_set {
	uint32_t *slot; /* open addressing; 0 marks a free slot (ID 0 is phase 1) */
	unsigned nslots, n;
};

bool msgid_used(const struct msgid_set *s, uint32_t id);
/* 0; -EEXIST when used before; -ENOSPC when MSGID_MAX are used; -ENOMEM;
 * -EINVAL for ID 0. */
int msgid_use(struct msgid_set *s, uint32_t id);
void msgid_free(struct msgid_set *s);

#endif
