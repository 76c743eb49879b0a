/* threads= in config setup: the number of crypto worker threads, 0 for
 * inline crypto, one per core when not given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"

static void test_threads(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l, "config setup\n dataplane=none\n", NULL);

	assert_false(c->setup.threads_set);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n threads=0\n", NULL);
	assert_true(c->setup.threads_set);
	assert_int_equal(c->setup.threads, 0);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n threads=256\n", NULL);
	assert_true(c->setup.threads_set);
	assert_int_equal(c->setup.threads, 256);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n threads=3\n threads=\n", NULL);
	assert_false(c->setup.threads_set);
	loaded_free(&l);
	expect_error("config setup\n threads=257\n", 2, "threads= takes 0 to 256, not '257'");
	expect_error("config setup\n threads=-1\n", 2, "threads= takes 0 to 256, not '-1'");
	expect_error("config setup\n threads=many\n", 2, "threads= takes 0 to 256, not 'many'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
