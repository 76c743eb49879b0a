/* The half-open limits (issue 7, defect 3), on a daemon with no sockets:
 * 16 half-open Main Modes per source address (64 for one named in
 * right=), a quarter of the room kept for named peers, the short lifetime
 * past a tenth of the room, and the Aggressive Mode answer rate. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "ike/halfopen.h"
#include "ike/ike.h"
#include "util/loop.h"

struct fixture {
	struct loop *loop;
	struct ike_daemon d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(loop_new(&f->loop), 0);
	f->d.loop = f->loop;
	f->d.halfopen_max = 4096;
	f->d.halfopen_timeout_ms = 60000;
	assert_int_equal(halfopen_init(&f->d), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	halfopen_free(&f->d);
	assert_int_equal(f->d.halfopen, 0);
	loop_free(f->loop);
	free(f);
	return 0;
}

/* An MM1 from 10.N.N.N port 500 (N = i spread over three bytes). */
static void msg_from(struct ike_msg *m, unsigned i)
{
	struct sockaddr_in *from = (struct sockaddr_in *)&m->from;

	memset(m, 0, sizeof(*m));
	from->sin_family = AF_INET;
	from->sin_port = htons(500);
	from->sin_addr.s_addr = htonl(0x0a000000u | (i & 0xffffff));
	m->local.ss_family = AF_INET;
	m->fd = -1;
	memcpy(m->hdr.icookie, &i, sizeof(i));
}

/* Admits and makes a half-open Main Mode from address i, if allowed. */
static struct mm_halfopen *open_from(struct fixture *f, unsigned i, bool named)
{
	struct ike_msg m;

	msg_from(&m, i);
	if (!halfopen_admit(&f->d, (const struct sockaddr *)&m.from, named))
		return NULL;
	return halfopen_mm_new(&f->d, &m, named);
}

/* How many half-open Main Modes have this serial (0 or 1). */
static unsigned count_serial(struct fixture *f, unsigned serial)
{
	struct hiter it;
	struct hnode *n;
	unsigned found = 0;

	for (n = htable_iter_first(&f->d.mm_halfopen_by_icookie, &it); n; n = htable_iter_next(&it))
		found += container_of(n, struct mm_halfopen, by_icookie)->serial == serial;
	return found;
}

static void test_per_source(void **state)
{
	struct fixture *f = *state;
	static const uint8_t zero[8];
	struct mm_halfopen *h, *first;
	unsigned first_serial;
	struct ike_msg m;
	unsigned n;

	for (n = 0; n < 16; n++)
		assert_non_null(open_from(f, 1, false));
	/* At its limit, an address's oldest Main Mode gives way: an MM1
	 * is easily spoofed, and the newest may be the real peer's. */
	first = open_from(f, 1, false);
	assert_non_null(first);
	first_serial = first->serial;
	assert_int_equal(f->d.dropped_halfopen, 1);
	assert_int_equal(f->d.halfopen, 16);
	/* Another address has its own 16; a named one 64. */
	assert_non_null(open_from(f, 2, false));
	for (n = 0; n < 64; n++)
		assert_non_null(open_from(f, 3, true));
	assert_non_null(open_from(f, 3, true));
	assert_int_equal(f->d.dropped_halfopen, 2);
	assert_int_equal(f->d.halfopen, 16 + 1 + 64);
	/* The one that gave way was the oldest: the 17th is still there
	 * after 15 more, and goes with the 16th after it. */
	for (n = 0; n < 15; n++)
		assert_non_null(open_from(f, 1, false));
	assert_int_equal(count_serial(f, first_serial), 1);
	assert_non_null(open_from(f, 1, false));
	assert_int_equal(count_serial(f, first_serial), 0);
	assert_int_equal(f->d.halfopen, 16 + 1 + 64);
	/* Freeing one makes room for one (a copy of its MM1 finds it). */
	msg_from(&m, 1);
	h = halfopen_mm_find(&f->d, m.hdr.icookie, zero, (const struct sockaddr *)&m.from);
	assert_non_null(h);
	halfopen_mm_free(h);
	assert_non_null(open_from(f, 1, false));
}

/* Unnamed peers fill at most three quarters of the room; a peer named in
 * right= still gets in. */
static void test_reserve_for_named(void **state)
{
	struct fixture *f = *state;
	unsigned addr, n, made = 0;

	for (addr = 100; made < 3072; addr++)
		for (n = 0; n < 16 && made < 3072; n++, made++)
			assert_non_null(open_from(f, addr, false));
	assert_int_equal(f->d.halfopen, 3072);
	assert_null(open_from(f, addr + 1, false));
	assert_non_null(open_from(f, addr + 2, true));
	assert_int_equal(f->d.halfopen, 3073);
}

/* Past a tenth of the room, a new unnamed half-open state gets 5 s; a
 * named one keeps the full lifetime. */
static void test_short_lifetime_under_pressure(void **state)
{
	struct fixture *f = *state;
	struct mm_halfopen *first, *late, *named;
	uint64_t now;
	unsigned addr, n;

	first = open_from(f, 100, false);
	assert_non_null(first);
	for (addr = 101, n = 1; n <= 409; addr++, n++)
		assert_non_null(open_from(f, addr, false));
	now = loop_now_ms();
	late = open_from(f, 1000, false);
	named = open_from(f, 1001, true);
	assert_non_null(late);
	assert_non_null(named);
	assert_true(first->expire.due_ms >= now + 59000);
	assert_true(late->expire.due_ms <= now + 5000 + 1000);
	assert_true(named->expire.due_ms >= now + 59000);
}

/* Aggressive Mode: bursts of 50 answers, then none until time passes. */
static void test_am_rate(void **state)
{
	struct fixture *f = *state;
	unsigned n;

	for (n = 0; n < 50; n++)
		assert_true(halfopen_am_admit(&f->d));
	assert_false(halfopen_am_admit(&f->d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve_for_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_lifetime_under_pressure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_am_rate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
