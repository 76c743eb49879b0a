#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "crypto/rand.h"
#include "ike/msgid.h"

#define MSGID_FIRST_SLOTS 16

_Static_assert((MSGID_MAX & (MSGID_MAX - 1)) == 0, "MSGID_MAX is a power of two");

/* MurmurHash3's finaliser of the ID and the set's random seed, its high
 * bits: the peer picks the IDs, but cannot aim them at one slot without
 * the seed (not a keyed PRF; util/hash.h says the same of its tables).
 * Every probe is bounded by the table, which is at most half full. */
static unsigned msgid_home(uint32_t id, uint64_t seed, unsigned nslots)
{
	uint64_t h = id ^ seed;

	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (unsigned)(h >> (64 - __builtin_ctz(nslots)));
}

bool msgid_used(const struct msgid_set *s, uint32_t id)
{
	unsigned i;

	if (!s->nslots || !id)
		return false;
	for (i = msgid_home(id, s->seed, s->nslots); s->slot[i]; i = (i + 1) & (s->nslots - 1))
		if (s->slot[i] == id)
			return true;
	return false;
}

static void msgid_put(uint32_t *slot, uint64_t seed, unsigned nslots, uint32_t id)
{
	unsigned i;

	for (i = msgid_home(id, seed, nslots); slot[i]; i = (i + 1) & (nslots - 1))
		;
	slot[i] = id;
}

/* Linear probing's deletion: the IDs after the hole that could live in it
 * move back, so every probe still finds its ID before a free slot. */
static void msgid_forget(struct msgid_set *s, uint32_t id)
{
	unsigned mask = s->nslots - 1, hole, i, home;

	for (hole = msgid_home(id, s->seed, s->nslots); s->slot[hole] != id;
	     hole = (hole + 1) & mask)
		if (!s->slot[hole])
			return;
	s->slot[hole] = 0;
	for (i = (hole + 1) & mask; s->slot[i]; i = (i + 1) & mask) {
		home = msgid_home(s->slot[i], s->seed, s->nslots);
		/* moves back unless its home lies in (hole, i] */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			s->slot[hole] = s->slot[i];
			s->slot[i] = 0;
			hole = i;
		}
	}
}

/* Keeps the table at most half full; the order array grows with it. */
static int msgid_grow(struct msgid_set *s)
{
	unsigned nslots = s->nslots ? s->nslots * 2 : MSGID_FIRST_SLOTS, i;
	uint32_t *slot, *order;

	if ((s->n + 1) * 2 <= s->nslots)
		return 0;
	/* without randomness the seed stays 0: the table still works */
	if (!s->nslots && getrandom(&s->seed, sizeof(s->seed), GRND_NONBLOCK) != sizeof(s->seed))
		s->seed = 0;
	order = realloc(s->order, nslots / 2 * sizeof(*order));
	if (!order)
		return -ENOMEM;
	s->order = order;
	slot = calloc(nslots, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (i = 0; i < s->nslots; i++)
		if (s->slot[i])
			msgid_put(slot, s->seed, nslots, s->slot[i]);
	free(s->slot);
	s->slot = slot;
	s->nslots = nslots;
	return 0;
}

int msgid_use(struct msgid_set *s, uint32_t id)
{
	int err;

	if (!id)
		return -EINVAL;
	if (msgid_used(s, id))
		return -EEXIST;
	if (s->n >= MSGID_MAX) {
		msgid_forget(s, s->order[s->oldest]);
		s->order[s->oldest] = id;
		s->oldest = (s->oldest + 1) & (MSGID_MAX - 1);
		msgid_put(s->slot, s->seed, s->nslots, id);
		return 0;
	}
	err = msgid_grow(s);
	if (err)
		return err;
	msgid_put(s->slot, s->seed, s->nslots, id);
	s->order[s->n++] = id;
	return 0;
}

void msgid_free(struct msgid_set *s)
{
	free(s->slot);
	free(s->order);
	s->slot = s->order = NULL;
	s->nslots = s->n = s->oldest = 0;
	s->seed = 0;
}

int msgid_new(const struct msgid_set *s, uint32_t *id)
{
	int err;

	do {
		err = crypto_random(id, sizeof(*id));
	} while (!err && (!*id || msgid_used(s, *id)));
	return err;
}
