#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define HTABLE_MIN_BUCKETS 16
#define FNV64_OFFSET	   0xcbf29ce484222325ULL
#define FNV64_PRIME	   0x100000001b3ULL

int htable_init(struct htable *t)
{
	ssize_t r;

	memset(t, 0, sizeof(*t));
	do {
		r = getrandom(&t->seed, sizeof(t->seed), 0);
	} while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(t->seed))
		return r < 0 ? -errno : -EIO;
	t->b = calloc(HTABLE_MIN_BUCKETS, sizeof(*t->b));
	if (!t->b)
		return -ENOMEM;
	t->nb = HTABLE_MIN_BUCKETS;
	return 0;
}

void htable_free(struct htable *t)
{
	free(t->b);
	memset(t, 0, sizeof(*t));
}

/* MurmurHash3's 64-bit finaliser: every input bit reaches every output bit,
 * so the low bits that pick the bucket depend on the whole FNV state.  (On
 * its own, FNV's low k bits depend only on the low k bits of each byte.) */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t htable_hash(const struct htable *t, const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = FNV64_OFFSET ^ t->seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV64_PRIME;
	}
	return mix64(h ^ len ^ (t->seed << 1 | t->seed >> 63));
}

static struct hnode **bucket(const struct htable *t, uint64_t hash)
{
	return &t->b[hash & (t->nb - 1)];
}

static void htable_grow(struct htable *t)
{
	size_t i, nb = t->nb ? t->nb * 2 : HTABLE_MIN_BUCKETS;
	struct hnode **b, *n, *next;

	if (nb < t->nb)
		return;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* chains get longer; lookups stay correct */
	for (i = 0; i < t->nb; i++) {
		for (n = t->b[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

void htable_add(struct htable *t, struct hnode *n, uint64_t hash)
{
	struct hnode **pp;

	if (t->n >= t->nb)
		htable_grow(t);
	if (!t->nb)
		return; /* htable_init failed and was ignored: nowhere to put it */
	pp = bucket(t, hash);
	n->hash = hash;
	n->next = *pp;
	*pp = n;
	t->n++;
}

void htable_del(struct htable *t, struct hnode *n)
{
	struct hnode **pp;

	if (!t->nb)
		return;
	for (pp = bucket(t, n->hash); *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->n--;
			return;
		}
	}
}

static struct hnode *same_hash(struct hnode *n, uint64_t hash)
{
	while (n && n->hash != hash)
		n = n->next;
	return n;
}

struct hnode *htable_first(const struct htable *t, uint64_t hash)
{
	if (!t->nb)
		return NULL;
	return same_hash(*bucket(t, hash), hash);
}

struct hnode *htable_next(struct hnode *n, uint64_t hash)
{
	return same_hash(n->next, hash);
}

/* Moves it->next to the first entry at or after bucket it->i. */
static void iter_settle(struct hiter *it)
{
	while (!it->next && it->i < it->t->nb)
		it->next = it->t->b[it->i++];
}

struct hnode *htable_iter_first(const struct htable *t, struct hiter *it)
{
	it->t = t;
	it->i = 0;
	it->next = NULL;
	return htable_iter_next(it);
}

struct hnode *htable_iter_next(struct hiter *it)
{
	struct hnode *n;

	iter_settle(it);
	n = it->next;
	if (n)
		it->next = n->next;
	return n;
}
