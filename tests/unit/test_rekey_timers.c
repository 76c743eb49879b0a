/* When a rekey starts, from strongSwan's ipsec.conf: "margintime: how long
 * before connection expiry ... attempts to negotiate a replacement should
 * begin"; "rekeyfuzz: maximum percentage by which marginbytes,
 * marginpackets and margintime should be randomly increased to randomize
 * rekeying intervals"; so a rekey starts at
 *     lifetime - margin - random(0 .. margin * fuzz / 100),
 * and oakley's rule for a margin that does not fit (rekey.h): margin and
 * fuzz are scaled down together so the rekey never starts before half the
 * lifetime, nor after lifetime - margin. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <cmocka.h>

#include "crypto/rand.h"
#include "ike/rekey.h"

/* Every sample of the random start is within [life - margin - margin*fuzz,
 * life - margin] when that fits in the second half of the life. */
static void check_bounds(uint32_t life, uint32_t margin, uint32_t fuzz, unsigned samples)
{
	uint64_t lo = ((uint64_t)life - margin) * 1000 - (uint64_t)margin * 1000 * fuzz / 100;
	uint64_t hi = ((uint64_t)life - margin) * 1000, min = UINT64_MAX, max = 0, t;
	unsigned i;

	for (i = 0; i < samples; i++) {
		t = rekey_after_ms_rand(life, margin, fuzz);
		if (t < lo || t > hi)
			fail_msg("life %u margin %u fuzz %u: %llu ms outside [%llu, %llu]", life,
				 margin, fuzz, (unsigned long long)t, (unsigned long long)lo,
				 (unsigned long long)hi);
		min = t < min ? t : min;
		max = t > max ? t : max;
	}
	/* the fuzz is used: samples spread over most of the window */
	if (hi > lo && samples >= 1000) {
		assert_true(min < lo + (hi - lo) / 10);
		assert_true(max > hi - (hi - lo) / 10);
	}
}

static void test_strongswan_defaults(void **state)
{
	/* lifetime=1h, margintime=9m, rekeyfuzz=100%: 42 to 51 minutes */
	uint64_t lo, hi;

	rekey_window_ms(3600, 540, 100, &lo, &hi);
	assert_int_equal(hi, 51 * 60 * 1000);
	assert_int_equal(lo, 42 * 60 * 1000);
	check_bounds(3600, 540, 100, 5000);
	/* ikelifetime=3h: 2h42m to 2h51m */
	check_bounds(3 * 3600, 540, 100, 5000);
}

static void test_random_configs(void **state)
{
	unsigned i;

	for (i = 0; i < 500; i++) {
		uint32_t r[3];
		uint32_t life, margin, fuzz;

		assert_int_equal(crypto_random(r, sizeof(r)), 0);
		life = 60 + r[0] % 86400;
		fuzz = r[2] % 201; /* strongSwan allows more than 100% */
		/* a margin whose window fits in the second half of the life */
		margin = (uint32_t)((uint64_t)(r[1] % 1000) * (life / 2) / 1000 * 100 /
				    (100 + fuzz));
		check_bounds(life, margin, fuzz, 200);
	}
}

static void test_no_fuzz(void **state)
{
	unsigned i;

	for (i = 0; i < 100; i++)
		assert_int_equal(rekey_after_ms_rand(3600, 540, 0), (3600 - 540) * 1000);
	/* r at both ends of its range */
	assert_int_equal(rekey_after_ms(3600, 540, 100, 0), 51 * 60 * 1000);
	assert_int_equal(rekey_after_ms(3600, 540, 100, UINT32_MAX), 42 * 60 * 1000);
}

/* A margin longer than the lifetime (the default 9m on a 40 s SA): the
 * window is scaled into the second half, never at or before 0. */
static void test_margin_over_lifetime(void **state)
{
	static const uint32_t lives[] = {1, 2, 3, 10, 40, 60, 539, 540, 541, 1000};
	static const uint32_t fuzzes[] = {0, 1, 50, 100, 200};
	uint64_t lo, hi, t;
	unsigned i, j, k;

	for (i = 0; i < sizeof(lives) / sizeof(lives[0]); i++)
		for (j = 0; j < sizeof(fuzzes) / sizeof(fuzzes[0]); j++) {
			uint32_t life = lives[i];

			rekey_window_ms(life, 540, fuzzes[j], &lo, &hi);
			assert_true(lo >= (uint64_t)life * 1000 / 2);
			assert_true(lo <= hi);
			assert_true(hi < (uint64_t)life * 1000);
			for (k = 0; k < 200; k++) {
				t = rekey_after_ms_rand(life, 540, fuzzes[j]);
				assert_true(t >= lo && t <= hi);
				assert_true(t > 0);
			}
		}
	/* 40 s, 9m, 100%: margin and fuzz halve the window [20 s, 30 s] */
	rekey_window_ms(40, 540, 100, &lo, &hi);
	assert_int_equal(lo, 20000);
	assert_int_equal(hi, 30000);
	/* 60 s ISAKMP: [30 s, 45 s] */
	rekey_window_ms(60, 540, 100, &lo, &hi);
	assert_int_equal(lo, 30000);
	assert_int_equal(hi, 45000);
}

static void test_edges(void **state)
{
	uint64_t lo, hi;

	/* no margin: at the end, as configured */
	rekey_window_ms(100, 0, 100, &lo, &hi);
	assert_int_equal(lo, 100000);
	assert_int_equal(hi, 100000);
	/* zero lifetime: nothing to wait for, and no underflow */
	rekey_window_ms(0, 540, 100, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	/* exactly half: not scaled */
	rekey_window_ms(100, 25, 100, &lo, &hi);
	assert_int_equal(lo, 50000);
	assert_int_equal(hi, 75000);
	/* huge values do not overflow */
	rekey_window_ms(UINT32_MAX, UINT32_MAX, 1000, &lo, &hi);
	assert_true(lo >= (uint64_t)UINT32_MAX * 1000 / 2);
	assert_true(hi < (uint64_t)UINT32_MAX * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strongswan_defaults),
		cmocka_unit_test(test_random_configs),
		cmocka_unit_test(test_no_fuzz),
		cmocka_unit_test(test_margin_over_lifetime),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
