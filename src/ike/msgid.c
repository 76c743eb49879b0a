#include <errno.h>
#include <stdlib.h>

#include "ike/msgid.h"

#define MSGID_FIRST_SLOTS 16

/* Fibonacci hashing: the peer picks the IDs, but every probe is bounded
 * by the table, which is at most half full. */
static unsigned msgid_home(uint32_t id, unsigned nslots)
{
	return (unsigned)((id * 2654435761u) & (nslots - 1));
}

bool msgid_used(const struct msgid_set *s, uint32_t id)
{
	unsigned i;

	if (!s->nslots || !id)
		return false;
	for (i = msgid_home(id, s->nslots); s->slot[i]; i = (i + 1) & (s->nslots - 1))
		if (s->slot[i] == id)
			return true;
	return false;
}

static void msgid_put(uint32_t *slot, unsigned nslots, uint32_t id)
{
	unsigned i;

	for (i = msgid_home(id, nslots); slot[i]; i = (i + 1) & (nslots - 1))
		;
	slot[i] = id;
}

/* Keeps the table at most half full. */
static int msgid_grow(struct msgid_set *s)
{
	unsigned nslots = s->nslots ? s->nslots * 2 : MSGID_FIRST_SLOTS, i;
	uint32_t *slot;

	if ((s->n + 1) * 2 <= s->nslots)
		return 0;
	slot = calloc(nslots, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (i = 0; i < s->nslots; i++)
		if (s->slot[i])
			msgid_put(slot, nslots, s->slot[i]);
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
	if (s->n >= MSGID_MAX)
		return -ENOSPC;
	err = msgid_grow(s);
	if (err)
		return err;
	msgid_put(s->slot, s->nslots, id);
	s->n++;
	return 0;
}

void msgid_free(struct msgid_set *s)
{
	free(s->slot);
	s->slot = NULL;
	s->nslots = s->n = 0;
}
