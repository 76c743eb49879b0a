/* The initiator's IPsec SA lifetimes: its policy, which a responder may
 * shorten (in the transform it chooses, or with RESPONDER-LIFETIME) but
 * never lengthen, never set to 0, and not below the floor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ike/lifetime.h"
#include "util/log.h"
#include "wire/message.h"
#include "wire/payload.h"

struct fx {
	struct ike_sa sa;
	struct quick q;
	struct exchange x;
	struct conn conn;
	struct buf msg;
	struct ike_msg m;
};

/* A quick for policy 3600 s and 100 MB, and a QM2 whose only payload is
 * a RESPONDER-LIFETIME of secs and kb (none when both are 0). */
static void setup(struct fx *f, uint32_t secs, uint32_t kb)
{
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_QUICK};
	struct wire_builder w;
	struct exchange resp_x;
	struct quick resp;

	memset(f, 0, sizeof(*f));
	f->sa.conn = &f->conn;
	f->q.sa = &f->sa;
	f->q.x = &f->x;
	f->q.conn = &f->conn;
	f->conn.lifetime_s = 3600;
	f->conn.lifebytes = 100 * 1024 * 1024;
	snprintf(f->conn.name, sizeof(f->conn.name), "site");
	buf_init(&f->msg);
	wire_build_start(&w, &f->msg, &h);
	if (secs || kb) {
		memset(&resp, 0, sizeof(resp));
		memset(&resp_x, 0, sizeof(resp_x));
		resp.x = &resp_x;
		resp_x.lifetime_s = secs;
		resp_x.life_kb = kb;
		assert_int_equal(lifetime_add_notify(&w, &resp), 0);
	}
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(wire_parse_header(f->msg.data, f->msg.len, &f->m.hdr), 0);
	assert_int_equal(wire_parse_chain(f->m.hdr.next_payload, f->msg.data + ISAKMP_HDR_LEN,
					  f->msg.len - ISAKMP_HDR_LEN, false, &f->m.pl),
			 0);
}

static void run(struct fx *f, uint32_t echo_s, uint32_t echo_kb)
{
	struct p2_offer o = {.life_s = echo_s, .life_kb = echo_kb};

	lifetime_initiator(&f->q, &o, &f->m);
	buf_free(&f->msg);
}

/* The chosen transform carries only kilobytes (so no seconds at all): the
 * seconds stay ours, not 0 (which removed the SA at once). */
static void test_echo_without_seconds(void **state)
{
	struct fx f;

	setup(&f, 0, 0);
	run(&f, 0, 50 * 1024);
	assert_int_equal(f.x.lifetime_s, 3600);
	assert_int_equal(f.x.life_kb, 50 * 1024);
	assert_true(f.x.lifetime_from_responder);
}

static void test_echo_cannot_lengthen(void **state)
{
	struct fx f;

	setup(&f, 0, 0);
	run(&f, 999999, 0xffffffff);
	assert_int_equal(f.x.lifetime_s, 3600);
	assert_int_equal(f.x.life_kb, 100 * 1024);
	assert_false(f.x.lifetime_from_responder);
}

static void test_notify_shortens(void **state)
{
	struct fx f;

	setup(&f, 1800, 10240);
	run(&f, 3600, 100 * 1024);
	assert_int_equal(f.x.lifetime_s, 1800);
	assert_int_equal(f.x.life_kb, 10240);
	assert_true(f.x.lifetime_from_responder);
}

/* RESPONDER-LIFETIME of 1 s and 1 KB: held at the floor. */
static void test_notify_floor(void **state)
{
	struct fx f;

	setup(&f, 1, 1);
	run(&f, 3600, 100 * 1024);
	assert_int_equal(f.x.lifetime_s, LIFETIME_FLOOR_S);
	assert_int_equal(f.x.life_kb, LIFETIME_FLOOR_KB);
}

/* An echoed 1 s is held at the floor too. */
static void test_echo_floor(void **state)
{
	struct fx f;

	setup(&f, 0, 0);
	run(&f, 1, 0);
	assert_int_equal(f.x.lifetime_s, LIFETIME_FLOOR_S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_without_seconds),
		cmocka_unit_test(test_echo_cannot_lengthen),
		cmocka_unit_test(test_notify_shortens),
		cmocka_unit_test(test_notify_floor),
		cmocka_unit_test(test_echo_floor),
	};

	log_setup(true, LOG_LVL_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
