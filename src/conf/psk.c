/* conf_psk: the key for a pair of IDs, by an index of the secrets by ID.
 *
 * A scan scores every entry (strongSwan's rule, see conf.h); only three
 * kinds of entries can score above zero: those that list the local ID,
 * those that list the remote ID, and those that list no specific ID.
 * The index keeps, for each ID, the entries that list it, and the list of
 * entries without a specific ID; a lookup scores those only and keeps the
 * best by (remote score, local score, line order), as the scan does.  IDs
 * compare as conf_id_equal does (names without case), so they are hashed
 * folded to lower case. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "wire/isakmp.h"

struct psk_slot {
	uint32_t hash;
	uint32_t key; /* index + 1 into keys; 0: empty */
};

struct psk_key {
	uint32_t secret; /* an entry that lists this ID */
	uint32_t which;	 /* which of its IDs */
	uint32_t start, count;
};

struct psk_index {
	const struct conf_secret *secrets; /* what it was built for */
	unsigned nsecrets;
	struct psk_slot *slots;
	uint32_t mask;
	struct psk_key *keys;
	uint32_t nkeys;
	uint32_t *lists;   /* each key's entries, ascending */
	uint32_t *general; /* the entries without a specific ID, ascending */
	uint32_t ngeneral;
};

/* strongSwan's id_match_t values for an entry's IDs against one ID. */
enum { MATCH_NONE = 0, MATCH_ANY = 1, MATCH_PERFECT = 20 };

static int match(const struct conf_secret *s, const struct conf_id *id)
{
	bool specific = false;
	unsigned i;

	for (i = 0; i < s->nids; i++) {
		if (s->any[i])
			continue;
		specific = true;
		if (conf_id_equal(&s->ids[i], id))
			return MATCH_PERFECT;
	}
	return specific ? MATCH_NONE : MATCH_ANY;
}

const struct conf_secret *conf_psk_scan(const struct conf *c, const struct conf_id *local,
					const struct conf_id *remote)
{
	const struct conf_secret *best = NULL;
	int best_me = 0, best_other = 0;
	unsigned i;

	/* strongSwan's credential_manager get_shared: the remote match ranks
	 * first, then the local one; it walks the entries last line first and
	 * keeps the first best, so on a tie the later line wins. */
	for (i = 0; i < c->nsecrets; i++) {
		const struct conf_secret *s = &c->secrets[i];
		int me = local ? match(s, local) : 0, other = remote ? match(s, remote) : 0;

		if ((local || remote) && !me && !other)
			continue;
		if (!best || other > best_other || (other == best_other && me >= best_me)) {
			best = s;
			best_me = me;
			best_other = other;
		}
	}
	return best;
}

static bool folds(uint8_t type)
{
	return type == ID_FQDN || type == ID_USER_FQDN;
}

/* The operator's IDs fill the table; a peer only picks what is looked up,
 * and a probe costs at most the longest run the configuration made. */
static uint32_t id_hash(const struct conf_id *id)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned i;

	h = (h ^ id->type) * 0x100000001b3ull;
	h = (h ^ id->len) * 0x100000001b3ull;
	for (i = 0; i < id->len; i++)
		h = (h ^ (uint8_t)(folds(id->type) ? tolower(id->data[i]) : id->data[i])) *
		    0x100000001b3ull;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h ^ (h >> 32));
}

static const struct conf_id *key_id(const struct psk_index *ix, const struct psk_key *k)
{
	return &ix->secrets[k->secret].ids[k->which];
}

/* The slot of id: its key's, or the empty one where it would go. */
static struct psk_slot *probe(const struct psk_index *ix, const struct conf_id *id, uint32_t h)
{
	uint32_t i;

	for (i = h & ix->mask; ix->slots[i].key; i = (i + 1) & ix->mask)
		if (ix->slots[i].hash == h &&
		    conf_id_equal(key_id(ix, &ix->keys[ix->slots[i].key - 1]), id))
			break;
	return &ix->slots[i];
}

static bool specific(const struct conf_secret *s)
{
	unsigned j;

	for (j = 0; j < s->nids; j++)
		if (!s->any[j])
			return true;
	return false;
}

/* First pass: the keys and their sizes, and the general entries. */
static void count_keys(struct psk_index *ix, uint32_t *key_of)
{
	unsigned i, j;

	for (i = 0; i < ix->nsecrets; i++) {
		const struct conf_secret *s = &ix->secrets[i];

		if (!specific(s))
			ix->general[ix->ngeneral++] = i;
		for (j = 0; j < s->nids && j < 2; j++) {
			struct psk_slot *slot;
			uint32_t h;

			key_of[2 * i + j] = UINT32_MAX;
			if (s->any[j])
				continue;
			h = id_hash(&s->ids[j]);
			slot = probe(ix, &s->ids[j], h);
			if (!slot->key) {
				ix->keys[ix->nkeys++] = (struct psk_key){i, j, 0, 0};
				*slot = (struct psk_slot){h, ix->nkeys};
			}
			/* an entry that lists one ID twice is listed once */
			if (j == 1 && key_of[2 * i] == slot->key - 1)
				continue;
			ix->keys[slot->key - 1].count++;
			key_of[2 * i + j] = slot->key - 1;
		}
	}
}

static void fill_lists(struct psk_index *ix, const uint32_t *key_of, uint32_t *fill)
{
	uint32_t i, j, at = 0;

	for (i = 0; i < ix->nkeys; i++) {
		ix->keys[i].start = at;
		at += ix->keys[i].count;
	}
	for (i = 0; i < ix->nsecrets; i++)
		for (j = 0; j < ix->secrets[i].nids && j < 2; j++) {
			uint32_t k = key_of[2 * i + j];

			if (k != UINT32_MAX)
				ix->lists[ix->keys[k].start + fill[k]++] = i;
		}
}

void conf_psk_index_free(struct psk_index *ix)
{
	if (!ix)
		return;
	free(ix->slots);
	free(ix->keys);
	free(ix->lists);
	free(ix->general);
	free(ix);
}

int conf_psk_index_build(const struct conf *c, struct psk_index **out)
{
	size_t n = (size_t)c->nsecrets, nslots = 16;
	struct psk_index *ix = calloc(1, sizeof(*ix));
	uint32_t *key_of = NULL, *fill = NULL;
	int err = -ENOMEM;

	*out = NULL;
	if (!ix)
		return -ENOMEM;
	while (nslots < 4 * n + 2)
		nslots *= 2;
	ix->secrets = c->secrets;
	ix->nsecrets = c->nsecrets;
	ix->mask = (uint32_t)(nslots - 1);
	ix->slots = calloc(nslots, sizeof(*ix->slots));
	ix->keys = calloc(2 * n + 1, sizeof(*ix->keys));
	ix->lists = calloc(2 * n + 1, sizeof(*ix->lists));
	ix->general = calloc(n + 1, sizeof(*ix->general));
	key_of = calloc(2 * n + 1, sizeof(*key_of));
	fill = calloc(2 * n + 1, sizeof(*fill));
	if (nslots > UINT32_MAX || !ix->slots || !ix->keys || !ix->lists || !ix->general ||
	    !key_of || !fill)
		goto out;
	count_keys(ix, key_of);
	fill_lists(ix, key_of, fill);
	*out = ix;
	ix = NULL;
	err = 0;
out:
	free(key_of);
	free(fill);
	conf_psk_index_free(ix);
	return err;
}

/* The candidate i scored as the scan scores it; *best kept if better. */
static void consider(const struct conf *c, uint32_t i, const struct conf_id *local,
		     const struct conf_id *remote, long *best, int *best_me, int *best_other)
{
	const struct conf_secret *s = &c->secrets[i];
	int me = local ? match(s, local) : 0, other = remote ? match(s, remote) : 0;

	if (!me && !other)
		return;
	if (*best < 0 || other > *best_other ||
	    (other == *best_other && (me > *best_me || (me == *best_me && (long)i > *best)))) {
		*best = (long)i;
		*best_me = me;
		*best_other = other;
	}
}

static const struct psk_key *lookup(const struct psk_index *ix, const struct conf_id *id)
{
	const struct psk_slot *s;

	if (!id)
		return NULL;
	s = probe(ix, id, id_hash(id));
	return s->key ? &ix->keys[s->key - 1] : NULL;
}

const struct conf_secret *conf_psk(const struct conf *c, const struct conf_id *local,
				   const struct conf_id *remote)
{
	const struct psk_index *ix = c->psk_index;
	const struct conf_id *ids[2] = {local, remote};
	int best_me = 0, best_other = 0;
	long best = -1;
	uint32_t i, k;

	/* A conf put together by hand (tests) may have no index, or one for
	 * other secrets. */
	if (!ix || ix->secrets != c->secrets || ix->nsecrets != c->nsecrets)
		return conf_psk_scan(c, local, remote);
	if (!local && !remote)
		return c->nsecrets ? &c->secrets[c->nsecrets - 1] : NULL;
	for (k = 0; k < 2; k++) {
		const struct psk_key *key = lookup(ix, ids[k]);

		for (i = 0; key && i < key->count; i++)
			consider(c, ix->lists[key->start + i], local, remote, &best, &best_me,
				 &best_other);
	}
	for (i = 0; i < ix->ngeneral; i++)
		consider(c, ix->general[i], local, remote, &best, &best_me, &best_other);
	return best < 0 ? NULL : &c->secrets[best];
}
