/* Intrusive chained hash table.  The owner embeds a struct hnode in its
 * object, keeps the key itself, and compares keys while walking the
 * candidates of a hash:
 *
 *	uint64_t h = htable_hash(&t, key, len);
 *	for (n = htable_first(&t, h); n; n = htable_next(n, h)) {
 *		struct sa *sa = container_of(n, struct sa, node);
 *		if (memcmp(sa->cookies, key, len) == 0) return sa;
 *	}
 *
 * The hash is FNV-1a-64 started from a per-table random seed (getrandom)
 * and finished with a 64-bit avalanche mix, so that the bucket index depends
 * on every key byte and on the seed: a peer choosing cookies cannot aim for
 * one bucket without knowing the seed.  It is not a keyed PRF (SipHash);
 * it resists aiming, not a determined cryptanalyst. */
#ifndef OAKLEY_UTIL_HASH_H
#define OAKLEY_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct htable {
	struct hnode **b;
	size_t nb; /* buckets, a power of two */
	size_t n;  /* entries */
	uint64_t seed;
};

/* 0, or -ENOMEM / -errno from getrandom. */
int htable_init(struct htable *t);
/* Frees the buckets only: the entries belong to their owners. */
void htable_free(struct htable *t);
uint64_t htable_hash(const struct htable *t, const void *key, size_t len);
/* Doubles the buckets when the load reaches 1; if that allocation fails
 * the entry is still added, to a longer chain. */
void htable_add(struct htable *t, struct hnode *n, uint64_t hash);
/* Removes n; does nothing if n is not in t. */
void htable_del(struct htable *t, struct hnode *n);

/* The entries whose hash is hash, in no particular order. */
struct hnode *htable_first(const struct htable *t, uint64_t hash);
struct hnode *htable_next(struct hnode *n, uint64_t hash);

/* Every entry, in no particular order:
 *	for (n = htable_iter_first(&t, &it); n; n = htable_iter_next(&it))
 * The entry just returned may be deleted (and freed) before asking for the
 * next; nothing may be added during the walk (adding may rehash). */
struct hiter {
	const struct htable *t;
	size_t i; /* bucket of next */
	struct hnode *next;
};
struct hnode *htable_iter_first(const struct htable *t, struct hiter *it);
struct hnode *htable_iter_next(struct hiter *it);

#endif
