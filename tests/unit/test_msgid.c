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
 * kept; after MSGID_MAX the set refuses, and still knows every ID. */
static void test_bounded(void **state)
{
	struct msgid_set s = {0};
	uint32_t i;

	for (i = 1; i <= MSGID_MAX; i++)
		assert_int_equal(msgid_use(&s, i << 16), 0);
	assert_int_equal(s.n, MSGID_MAX);
	assert_true(s.nslots <= 2 * MSGID_MAX);
	assert_int_equal(msgid_use(&s, 0xdeadbeef), -ENOSPC);
	for (i = 1; i <= MSGID_MAX; i++)
		assert_int_equal(msgid_use(&s, i << 16), -EEXIST);
	assert_false(msgid_used(&s, 0xdeadbeef));
	msgid_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_id_once),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
