/* The intrusive hash table: thousands of entries added, found, deleted;
 * growth; colliding hashes and equal keys; iteration with deletion; the
 * hash function against independently computed values. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/hash.h"

struct ent {
	struct hnode node;
	char key[16];
	size_t keylen;
	int val;
	bool seen;
};

static struct ent *find(const struct htable *t, const char *key)
{
	size_t len = strlen(key);
	uint64_t h = htable_hash(t, key, len);
	struct hnode *n;
	struct ent *e;

	for (n = htable_first(t, h); n; n = htable_next(n, h)) {
		e = container_of(n, struct ent, node);
		if (e->keylen == len && memcmp(e->key, key, len) == 0)
			return e;
	}
	return NULL;
}

static void ent_set(struct ent *e, int i)
{
	memset(e, 0, sizeof(*e));
	e->keylen = (size_t)snprintf(e->key, sizeof(e->key), "key-%d", i);
	e->val = i;
}

static bool is_pow2(size_t n)
{
	return n && (n & (n - 1)) == 0;
}

static void test_many(void **state)
{
	enum { N = 5000 };
	struct ent *e = calloc(N, sizeof(*e));
	struct htable t;
	size_t nb_before;
	char key[16];
	int i;

	assert_non_null(e);
	assert_int_equal(htable_init(&t), 0);
	nb_before = t.nb;
	assert_true(is_pow2(nb_before));
	for (i = 0; i < N; i++) {
		ent_set(&e[i], i);
		htable_add(&t, &e[i].node, htable_hash(&t, e[i].key, e[i].keylen));
		assert_true(t.n <= t.nb); /* load never above 1 */
	}
	assert_int_equal(t.n, N);
	assert_true(t.nb > nb_before);
	assert_true(is_pow2(t.nb));
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_ptr_equal(find(&t, key), &e[i]);
	}
	assert_null(find(&t, "key-5000"));
	assert_null(find(&t, "key-"));

	for (i = 1; i < N; i += 2)
		htable_del(&t, &e[i].node);
	assert_int_equal(t.n, N / 2);
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		if (i % 2)
			assert_null(find(&t, key));
		else
			assert_ptr_equal(find(&t, key), &e[i]);
	}
	htable_del(&t, &e[1].node); /* not in the table: a no-op */
	assert_int_equal(t.n, N / 2);
	htable_free(&t);
	assert_null(t.b);
	free(e);
}

/* Entries forced onto one hash (as a peer aiming at a bucket would want)
 * and entries with equal keys are all reachable and separately deletable. */
static void test_collisions(void **state)
{
	enum { N = 64 };
	struct ent e[N], dup[2];
	struct htable t;
	struct hnode *n;
	char key[16];
	int i, count;

	assert_int_equal(htable_init(&t), 0);
	for (i = 0; i < N; i++) {
		ent_set(&e[i], i);
		htable_add(&t, &e[i].node, 42);
	}
	/* find() hashes properly, so look the forced ones up by hash 42. */
	for (i = 0; i < N; i++) {
		bool found = false;

		for (n = htable_first(&t, 42); n; n = htable_next(n, 42))
			found |= n == &e[i].node;
		assert_true(found);
	}
	htable_del(&t, &e[N / 2].node); /* from the middle of the chain */
	htable_del(&t, &e[0].node);
	htable_del(&t, &e[N - 1].node);
	count = 0;
	for (n = htable_first(&t, 42); n; n = htable_next(n, 42)) {
		struct ent *x = container_of(n, struct ent, node);

		assert_true(x != &e[0] && x != &e[N / 2] && x != &e[N - 1]);
		count++;
	}
	assert_int_equal(count, N - 3);
	assert_int_equal(t.n, N - 3);

	/* A different hash in the same bucket is not a candidate. */
	assert_null(htable_first(&t, 42 + t.nb));

	/* Two entries under one key: both are candidates. */
	for (i = 0; i < 2; i++) {
		ent_set(&dup[i], 7);
		dup[i].val = 100 + i;
		htable_add(&t, &dup[i].node, htable_hash(&t, "key-7", 5));
	}
	count = 0;
	snprintf(key, sizeof(key), "key-7");
	for (n = htable_first(&t, htable_hash(&t, key, 5)); n;
	     n = htable_next(n, htable_hash(&t, key, 5)))
		count += container_of(n, struct ent, node)->val >= 100;
	assert_int_equal(count, 2);
	htable_del(&t, &dup[0].node);
	assert_ptr_equal(find(&t, "key-7"), &dup[1]);
	htable_free(&t);
}

static void test_iterate_and_delete(void **state)
{
	enum { N = 1000 };
	struct ent *e = calloc(N, sizeof(*e));
	struct htable t;
	struct hiter it;
	struct hnode *n;
	int i, count = 0;

	assert_non_null(e);
	assert_int_equal(htable_init(&t), 0);
	assert_null(htable_iter_first(&t, &it));
	for (i = 0; i < N; i++) {
		ent_set(&e[i], i);
		htable_add(&t, &e[i].node, htable_hash(&t, e[i].key, e[i].keylen));
	}
	for (n = htable_iter_first(&t, &it); n; n = htable_iter_next(&it)) {
		struct ent *x = container_of(n, struct ent, node);

		assert_false(x->seen);
		x->seen = true;
		count++;
		htable_del(&t, n);
		memset(n, 0xa5, sizeof(*n)); /* as if freed */
	}
	assert_int_equal(count, N);
	assert_int_equal(t.n, 0);
	for (i = 0; i < N; i++)
		assert_true(e[i].seen);
	htable_free(&t);
	free(e);
}

/* With the seed zeroed the hash is FNV-1a-64 of the key, xored with the
 * length, through MurmurHash3's fmix64.  Values from Python:
 *   M = 2**64 - 1
 *   def fnv1a(d, h=0xcbf29ce484222325):
 *       for b in d: h = ((h ^ b) * 0x100000001b3) & M
 *       return h
 *   def fmix64(h):
 *       h ^= h >> 33; h = (h * 0xff51afd7ed558ccd) & M; h ^= h >> 33
 *       h = (h * 0xc4ceb9fe1a85ec53) & M; h ^= h >> 33; return h
 *   fmix64(fnv1a(k) ^ len(k))
 *   seed s: fmix64(fnv1a(k, 0xcbf29ce484222325 ^ s) ^ len(k) ^ rotl64(s, 1))
 * (fnv1a matches the FNV reference vectors: "" -> 0xcbf29ce484222325,
 * "a" -> 0xaf63dc4c8601ec8c, "foobar" -> 0x85944171f73967e8.) */
static void test_hash_values(void **state)
{
	struct htable t, u;
	int i, same = 0;

	assert_int_equal(htable_init(&t), 0);
	assert_int_equal(htable_init(&u), 0);
	/* Different seeds (2^-64 chance of a false failure). */
	assert_true(t.seed != u.seed);
	assert_true(htable_hash(&t, "foobar", 6) != htable_hash(&u, "foobar", 6));
	assert_int_equal(htable_hash(&t, "foobar", 6), htable_hash(&t, "foobar", 6));
	/* The length counts: a trailing zero byte is a different key. */
	assert_true(htable_hash(&t, "a", 1) != htable_hash(&t, "a", 2));

	t.seed = 0;
	assert_int_equal(htable_hash(&t, "", 0), 0xefd01f60ba992926ULL);
	assert_int_equal(htable_hash(&t, "a", 1), 0x25ad9d1b70de62d1ULL);
	assert_int_equal(htable_hash(&t, "foobar", 6), 0xd0d1e0724ec13d10ULL);
	t.seed = 0x0123456789abcdefULL;
	assert_int_equal(htable_hash(&t, "foobar", 6), 0x15a2b2d7004427f6ULL);

	/* Keys that differ only in bits above the bucket mask of every byte
	 * (which plain FNV puts in one bucket of a small table) spread out. */
	for (i = 1; i < 64; i++) {
		uint8_t a[8] = {0}, b[8] = {0};

		memset(b, i << 2, sizeof(b));
		same += (htable_hash(&u, a, 8) & 3) == (htable_hash(&u, b, 8) & 3);
	}
	assert_true(same < 40); /* about 16 expected */
	htable_free(&t);
	htable_free(&u);
}

/* 8-byte "cookies" that count up spread evenly: no chain is long. */
static void test_spread(void **state)
{
	enum { N = 4096 };
	struct ent *e = calloc(N, sizeof(*e));
	struct htable t;
	size_t b, longest = 0;
	int i;

	assert_non_null(e);
	assert_int_equal(htable_init(&t), 0);
	for (i = 0; i < N; i++) {
		uint64_t cookie = (uint64_t)i;

		memcpy(e[i].key, &cookie, sizeof(cookie));
		htable_add(&t, &e[i].node, htable_hash(&t, &cookie, sizeof(cookie)));
	}
	for (b = 0; b < t.nb; b++) {
		size_t len = 0;
		struct hnode *n;

		for (n = t.b[b]; n; n = n->next)
			len++;
		if (len > longest)
			longest = len;
	}
	/* Random placement of 4096 in >= 4096 buckets: the longest chain is
	 * about 7; 16 would be astronomically unlikely. */
	assert_true(longest < 16);
	htable_free(&t);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_iterate_and_delete),
		cmocka_unit_test(test_hash_values),
		cmocka_unit_test(test_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
