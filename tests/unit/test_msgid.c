/* The message-ID set of an ISAKMP SA: each ID once, bounded, ID 0 never. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <cmocka.h>

#include "ike/msgid.h"

static void test_each_id_once(void **state)
{
	struct msgid_set s = {0};

	assert_false(msgid_used(&s, 7));
	assert_int_equal(msgid_use(&s, 7), 0);
	assert_true(msgid_used(&s, 7));
	assert_int_equal(msgid_use(&s, 7), -EEXIST);
	assert_int_equal(msgid_use(&s, 0), -EINVAL);
	assert_false(msgid_used(&s, 0));
	msgid_free(&s);
}

/* IDs that collide in the table (same low bits after hashing) are all
 * kept up to MSGID_MAX. */
static void test_collisions_kept(void **state)
{
	struct msgid_set s = {0};
	uint32_t i;

	for (i = 1; i <= MSGID_MAX; i++)
		assert_int_equal(msgid_use(&s, i << 16), 0);
	assert_int_equal(s.n, MSGID_MAX);
	assert_true(s.nslots <= 2 * MSGID_MAX);
	for (i = 1; i <= MSGID_MAX; i++)
		assert_int_equal(msgid_use(&s, i << 16), -EEXIST);
	msgid_free(&s);
}

static uint32_t next_id(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* An SA carries more exchanges than MSGID_MAX (the old set refused the
 * 4097th ID): the set stays bounded, forgets only its oldest IDs, and
 * every one of the last MSGID_MAX is still refused as a replay, including
 * IDs moved by the deletion of others. */
static void test_carries_more_than_max(void **state)
{
	struct msgid_set s = {0};
	uint32_t x = 2463534242u, first = 0, id, i;
	const uint32_t total = 3 * MSGID_MAX + 123;

	for (i = 0; i < total; i++) {
		id = next_id(&x);
		if (!first)
			first = id;
		assert_int_equal(msgid_use(&s, id), 0);
		assert_true(s.n <= MSGID_MAX);
		assert_true(s.nslots <= 2 * MSGID_MAX);
		assert_int_equal(msgid_use(&s, id), -EEXIST);
	}
	assert_false(msgid_used(&s, first)); /* forgotten long ago */
	x = 2463534242u;
	for (i = 0; i < total; i++) {
		id = next_id(&x);
		assert_int_equal(msgid_used(&s, id), i >= total - MSGID_MAX);
	}
	msgid_free(&s);
}

/* Colliding IDs forgotten one by one: those left are all still found
 * (the deletion moves the others back, it does not cut a probe chain). */
static void test_forget_keeps_chains(void **state)
{
	struct msgid_set s = {0};
	uint32_t i;

	for (i = 1; i <= MSGID_MAX + MSGID_MAX / 2; i++) {
		assert_int_equal(msgid_use(&s, i << 16), 0);
		if (i > MSGID_MAX)
			assert_true(msgid_used(&s, (i - MSGID_MAX + 1) << 16));
	}
	for (i = MSGID_MAX / 2 + 1; i <= MSGID_MAX + MSGID_MAX / 2; i++)
		assert_int_equal(msgid_use(&s, i << 16), -EEXIST);
	for (i = 1; i <= MSGID_MAX / 2; i++)
		assert_false(msgid_used(&s, i << 16));
	msgid_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_id_once),
		cmocka_unit_test(test_collisions_kept),
		cmocka_unit_test(test_carries_more_than_max),
		cmocka_unit_test(test_forget_keeps_chains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
