/* Open addressing with linear probing, at most half full.  The keys are
 * the operator's own names, not a peer's input: FNV-1a suffices. */
#include "conf/names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static const char *name_at(const void *base, size_t stride, uint32_t i)
{
	return (const char *)base + (size_t)i * stride;
}

long name_index_find(const struct name_index *t, const void *base, size_t stride, const char *name)
{
	uint64_t h = name_hash(name);
	size_t i;

	if (!t->slot)
		return -1;
	for (i = h & t->mask; t->slot[i].idx; i = (i + 1) & t->mask)
		if (t->slot[i].hash == (uint32_t)h &&
		    !strcmp(name_at(base, stride, t->slot[i].idx - 1), name))
			return (long)t->slot[i].idx - 1;
	return -1;
}

static void put(struct name_slot *slot, size_t mask, struct name_slot s, uint64_t h)
{
	size_t k;

	for (k = h & mask; slot[k].idx; k = (k + 1) & mask)
		;
	slot[k] = s;
}

/* The records are far apart (kilobytes each): growing reads the hashes
 * kept in the slots, never the names again. */
static int grow_to(struct name_index *t, size_t nslots)
{
	struct name_slot *slot = calloc(nslots, sizeof(*slot));
	size_t k;

	if (!slot)
		return -ENOMEM;
	for (k = 0; t->slot && k <= t->mask; k++)
		if (t->slot[k].idx)
			put(slot, nslots - 1, t->slot[k], t->slot[k].hash);
	free(t->slot);
	t->slot = slot;
	t->mask = nslots - 1;
	return 0;
}

static int grow(struct name_index *t)
{
	return grow_to(t, t->slot ? 2 * (t->mask + 1) : 64);
}

int name_index_reserve(struct name_index *t, size_t n)
{
	size_t nslots = t->slot ? t->mask + 1 : 64;

	while (2 * n > nslots)
		nslots *= 2;
	return t->slot && nslots == t->mask + 1 ? 0 : grow_to(t, nslots);
}

int name_index_add(struct name_index *t, const void *base, size_t stride, uint32_t i)
{
	uint64_t h = name_hash(name_at(base, stride, i));
	int err;

	if (!t->slot || 2 * (t->n + 1) > t->mask + 1) {
		err = grow(t);
		if (err)
			return err;
	}
	put(t->slot, t->mask, (struct name_slot){i + 1, (uint32_t)h}, h);
	t->n++;
	return 0;
}

void name_index_free(struct name_index *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
