/* Identities: phase-2 ID payloads to traffic selectors (addresses,
 * subnets, ranges that are one prefix), selector coverage and text, the
 * selector -> ID -> selector round trip, and phase-1 ID matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "ike/id.h"
#include "wire/isakmp.h"
#include "wire/message.h"
#include "wire/payload.h"

/* Address bytes of a literal, v4 or v6; returns how many. */
static size_t addr_bytes(const char *s, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
	return 16;
}

/* An ID payload's data from one or two literals ("a" or "a b"). */
struct id_fixture {
	uint8_t data[32];
	struct wire_id id;
};

static const struct wire_id *id_make(struct id_fixture *f, uint8_t type, uint8_t proto,
				     uint16_t port, const char *a, const char *b)
{
	size_t n = addr_bytes(a, f->data);

	if (b) {
		assert_int_equal(addr_bytes(b, f->data + n), n);
		n *= 2;
	}
	f->id.type = type;
	f->id.proto = proto;
	f->id.port = port;
	f->id.data = cursor_make(f->data, n);
	return &f->id;
}

static void ts_make(struct conf_ts *ts, const char *addr, unsigned plen, uint8_t proto,
		    uint16_t port)
{
	memset(ts, 0, sizeof(*ts));
	ts->addr.family = addr_bytes(addr, ts->addr.a.b) == 4 ? AF_INET : AF_INET6;
	ts->prefixlen = (uint8_t)plen;
	ts->proto = proto;
	ts->port = port;
}

static void expect_ts(const struct conf_ts *ts, const char *str)
{
	char s[96];

	ts_str(ts, s, sizeof(s));
	assert_string_equal(s, str);
}

struct to_ts_case {
	uint8_t type, proto;
	uint16_t port;
	const char *a, *b; /* address; mask or range end */
	int rc;
	const char *want; /* ts_str of the result */
};

static const struct to_ts_case to_ts_cases[] = {
	{ID_IPV4_ADDR, 0, 0, "192.0.2.1", NULL, 0, "192.0.2.1/32"},
	{ID_IPV4_ADDR, 17, 1701, "192.0.2.1", NULL, 0, "192.0.2.1/32[17/1701]"},
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.0.0", "255.255.255.0", 0, "10.1.0.0/24"},
	{ID_IPV4_ADDR_SUBNET, 6, 0, "10.1.0.0", "255.255.0.0", 0, "10.1.0.0/16[6/0]"},
	/* Host bits are cleared. */
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.2.3", "255.255.255.0", 0, "10.1.2.0/24"},
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.2.3", "255.255.240.0", 0, "10.1.0.0/20"},
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.2.3", "0.0.0.0", 0, "0.0.0.0/0"},
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.2.3", "255.255.255.255", 0, "10.1.2.3/32"},
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.2.3", "255.255.255.254", 0, "10.1.2.2/31"},
	/* Non-contiguous masks. */
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.0.0", "255.0.255.0", ISAKMP_N_INVALID_ID_INFORMATION,
	 NULL},
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.0.0", "0.255.255.255", ISAKMP_N_INVALID_ID_INFORMATION,
	 NULL},
	{ID_IPV4_ADDR_SUBNET, 0, 0, "10.1.0.0", "255.255.255.253", ISAKMP_N_INVALID_ID_INFORMATION,
	 NULL},
	{ID_IPV6_ADDR, 0, 0, "2001:db8::1", NULL, 0, "2001:db8::1/128"},
	{ID_IPV6_ADDR, 58, 0, "2001:db8::1", NULL, 0, "2001:db8::1/128[58/0]"},
	{ID_IPV6_ADDR_SUBNET, 0, 0, "2001:db8:1:2::5", "ffff:ffff:ffff:ff00::", 0,
	 "2001:db8:1::/56"},
	{ID_IPV6_ADDR_SUBNET, 17, 500, "2001:db8::", "ffff:ffff::", 0, "2001:db8::/32[17/500]"},
	{ID_IPV6_ADDR_SUBNET, 0, 0,
	 "2001:db8::", "ffff:ffff:0:ffff::", ISAKMP_N_INVALID_ID_INFORMATION, NULL},
	/* Ranges that are exactly one prefix. */
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.0", "10.1.0.255", 0, "10.1.0.0/24"},
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.0", "10.1.1.255", 0, "10.1.0.0/23"},
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.7", "10.1.0.7", 0, "10.1.0.7/32"},
	{ID_IPV4_ADDR_RANGE, 0, 0, "0.0.0.0", "255.255.255.255", 0, "0.0.0.0/0"},
	{ID_IPV4_ADDR_RANGE, 17, 1701, "10.1.0.0", "10.1.0.255", 0, "10.1.0.0/24[17/1701]"},
	{ID_IPV6_ADDR_RANGE, 0, 0, "2001:db8::", "2001:db8::ffff", 0, "2001:db8::/112"},
	{ID_IPV6_ADDR_RANGE, 0, 0, "2001:db8::9", "2001:db8::9", 0, "2001:db8::9/128"},
	{ID_IPV6_ADDR_RANGE, 0, 0, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "::/0"},
	/* Ranges that are not. */
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.1", "10.1.0.255", ISAKMP_N_INVALID_ID_INFORMATION, NULL},
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.0", "10.1.1.127", ISAKMP_N_INVALID_ID_INFORMATION, NULL},
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.0", "10.1.0.254", ISAKMP_N_INVALID_ID_INFORMATION, NULL},
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.255", "10.1.0.0", ISAKMP_N_INVALID_ID_INFORMATION, NULL},
	{ID_IPV4_ADDR_RANGE, 0, 0, "10.1.0.8", "10.1.0.7", ISAKMP_N_INVALID_ID_INFORMATION, NULL},
	{ID_IPV6_ADDR_RANGE, 0, 0, "2001:db8::1", "2001:db8::ffff", ISAKMP_N_INVALID_ID_INFORMATION,
	 NULL},
	{ID_IPV6_ADDR_RANGE, 0, 0, "2001:db8::", "2001:db8::1:ffff", 0, "2001:db8::/111"},
	{ID_IPV6_ADDR_RANGE, 0, 0, "2001:db8::", "2001:db8::2:ffff",
	 ISAKMP_N_INVALID_ID_INFORMATION, NULL},
};

static void test_id_to_ts_table(void **state)
{
	unsigned i;

	for (i = 0; i < sizeof(to_ts_cases) / sizeof(to_ts_cases[0]); i++) {
		const struct to_ts_case *t = &to_ts_cases[i];
		struct id_fixture f;
		struct conf_ts ts;

		print_message("case %u: type %u %s %s\n", i, t->type, t->a, t->b ? t->b : "");
		assert_int_equal(id_to_ts(id_make(&f, t->type, t->proto, t->port, t->a, t->b), &ts),
				 t->rc);
		if (t->rc)
			continue;
		assert_int_equal(ts.addr.family, strchr(t->a, ':') ? AF_INET6 : AF_INET);
		assert_int_equal(ts.proto, t->proto);
		assert_int_equal(ts.port, t->port);
		expect_ts(&ts, t->want);
	}
}

/* IDs that are no address selector, or have the wrong length. */
static void test_id_to_ts_refused(void **state)
{
	static const uint8_t fqdn[] = "vpn.example.com";
	uint8_t bytes[32] = {10, 1, 0, 0, 255, 255, 255, 0};
	struct wire_id id = {.type = ID_FQDN, .data = {fqdn, sizeof(fqdn) - 1}};
	struct conf_ts ts;

	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.type = ID_USER_FQDN;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.type = ID_KEY_ID;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.type = ID_DER_ASN1_DN;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);

	id.data = cursor_make(bytes, 3);
	id.type = ID_IPV4_ADDR;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.data = cursor_make(bytes, 4);
	id.type = ID_IPV4_ADDR_SUBNET;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.type = ID_IPV4_ADDR_RANGE;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.data = cursor_make(bytes, 8);
	id.type = ID_IPV6_ADDR;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.data = cursor_make(bytes, 16);
	id.type = ID_IPV6_ADDR_SUBNET;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
	id.type = ID_IPV6_ADDR_RANGE;
	assert_int_equal(id_to_ts(&id, &ts), ISAKMP_N_INVALID_ID_INFORMATION);
}

struct covers_case {
	const char *outer;
	unsigned oplen;
	uint8_t oproto;
	uint16_t oport;
	const char *inner;
	unsigned iplen;
	uint8_t iproto;
	uint16_t iport;
	bool covers;
};

static const struct covers_case covers_cases[] = {
	{"10.0.0.0", 8, 0, 0, "10.1.0.0", 24, 0, 0, true},
	{"10.1.0.0", 24, 0, 0, "10.0.0.0", 8, 0, 0, false},
	{"10.1.0.0", 24, 0, 0, "10.1.0.0", 24, 0, 0, true},
	{"10.1.0.0", 24, 0, 0, "10.1.0.77", 32, 0, 0, true},
	{"10.1.0.0", 24, 0, 0, "10.1.1.0", 32, 0, 0, false},
	{"10.1.0.0", 24, 0, 0, "10.1.0.0", 23, 0, 0, false},
	{"10.2.0.0", 16, 0, 0, "10.1.0.0", 24, 0, 0, false},
	{"0.0.0.0", 0, 0, 0, "192.0.2.1", 32, 0, 0, true},
	{"192.0.2.1", 32, 0, 0, "192.0.2.1", 32, 0, 0, true},
	{"192.0.2.1", 32, 0, 0, "192.0.2.2", 32, 0, 0, false},
	/* protoport: 0 is any. */
	{"10.1.0.0", 24, 0, 0, "10.1.0.0", 24, 17, 1701, true},
	{"10.1.0.0", 24, 17, 1701, "10.1.0.0", 24, 0, 0, false},
	{"10.1.0.0", 24, 17, 0, "10.1.0.0", 24, 17, 1701, true},
	{"10.1.0.0", 24, 17, 1701, "10.1.0.0", 24, 17, 1701, true},
	{"10.1.0.0", 24, 17, 1701, "10.1.0.0", 24, 17, 500, false},
	{"10.1.0.0", 24, 17, 1701, "10.1.0.0", 24, 6, 1701, false},
	{"10.1.0.0", 24, 17, 0, "10.1.0.0", 24, 6, 0, false},
	/* IPv6, and the families do not mix. */
	{"2001:db8::", 32, 0, 0, "2001:db8:1::", 48, 0, 0, true},
	{"2001:db8::", 32, 0, 0, "2001:db9::", 48, 0, 0, false},
	{"2001:db8::", 112, 0, 0, "2001:db8::ffff", 128, 0, 0, true},
	{"2001:db8::", 112, 0, 0, "2001:db8::1:0", 128, 0, 0, false},
	{"::", 0, 0, 0, "0.0.0.0", 0, 0, 0, false},
	{"0.0.0.0", 0, 0, 0, "::", 0, 0, 0, false},
	{"0.0.0.0", 0, 0, 0, "::ffff:10.1.0.1", 128, 0, 0, false},
};

static void test_ts_covers_table(void **state)
{
	unsigned i;

	for (i = 0; i < sizeof(covers_cases) / sizeof(covers_cases[0]); i++) {
		const struct covers_case *t = &covers_cases[i];
		struct conf_ts o, in;

		print_message("case %u: %s/%u covers %s/%u\n", i, t->outer, t->oplen, t->inner,
			      t->iplen);
		ts_make(&o, t->outer, t->oplen, t->oproto, t->oport);
		ts_make(&in, t->inner, t->iplen, t->iproto, t->iport);
		assert_int_equal(ts_covers(&o, &in), t->covers);
	}
}

static void test_ts_equal(void **state)
{
	struct conf_ts a, b;

	ts_make(&a, "10.1.0.0", 24, 0, 0);
	ts_make(&b, "10.1.0.0", 24, 0, 0);
	assert_true(ts_equal(&a, &b));
	ts_make(&b, "10.1.0.0", 25, 0, 0);
	assert_false(ts_equal(&a, &b));
	assert_false(ts_equal(&b, &a));
	ts_make(&b, "10.1.1.0", 24, 0, 0);
	assert_false(ts_equal(&a, &b));
	ts_make(&b, "10.1.0.0", 24, 17, 0);
	assert_false(ts_equal(&a, &b));
	ts_make(&a, "10.1.0.0", 24, 17, 1701);
	assert_false(ts_equal(&a, &b));
	ts_make(&b, "10.1.0.0", 24, 17, 1701);
	assert_true(ts_equal(&a, &b));
	ts_make(&a, "2001:db8::1", 128, 0, 0);
	ts_make(&b, "2001:db8::1", 128, 0, 0);
	assert_true(ts_equal(&a, &b));
	ts_make(&b, "2001:db8::2", 128, 0, 0);
	assert_false(ts_equal(&a, &b));
	ts_make(&a, "0.0.0.0", 0, 0, 0);
	ts_make(&b, "::", 0, 0, 0);
	assert_false(ts_equal(&a, &b));
}

static void test_ts_str(void **state)
{
	struct conf_ts ts;
	char s[12];

	ts_make(&ts, "10.1.0.0", 24, 0, 0);
	expect_ts(&ts, "10.1.0.0/24");
	ts_make(&ts, "10.1.0.0", 24, 17, 1701);
	expect_ts(&ts, "10.1.0.0/24[17/1701]");
	ts_make(&ts, "10.1.0.0", 24, 0, 1701);
	expect_ts(&ts, "10.1.0.0/24[0/1701]");
	ts_make(&ts, "2001:db8::", 64, 6, 443);
	expect_ts(&ts, "2001:db8::/64[6/443]");
	ts_make(&ts, "::", 0, 0, 0);
	expect_ts(&ts, "::/0");
	/* A short buffer truncates and stays terminated. */
	ts_make(&ts, "10.1.0.0", 24, 17, 1701);
	memset(s, 'X', sizeof(s));
	ts_str(&ts, s, 8);
	assert_string_equal(s, "10.1.0.");
	assert_int_equal(s[8], 'X');
}

/* Selector -> ID payload -> parsed -> selector. */
static void round_trip(const char *addr, unsigned plen, uint8_t proto, uint16_t port,
		       uint8_t want_type, size_t want_len)
{
	struct isakmp_hdr h;
	struct wire_builder w;
	struct buf b;
	struct wire_id id;
	struct conf_ts in, out;

	print_message("round trip %s/%u\n", addr, plen);
	memset(&h, 0, sizeof(h));
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	ts_make(&in, addr, plen, proto, port);
	assert_int_equal(id_add_ts(&w, &in), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(b.len, ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN + 4 + want_len);
	assert_int_equal(b.data[16], ISAKMP_PL_ID); /* the header's next payload */
	assert_int_equal(wire_parse_id(cursor_make(b.data + ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN,
						   b.len - ISAKMP_HDR_LEN - ISAKMP_GENERIC_LEN),
				       &id),
			 0);
	assert_int_equal(id.type, want_type);
	assert_int_equal(id.proto, proto);
	assert_int_equal(id.port, port);
	assert_int_equal(id.data.len, want_len);
	assert_int_equal(id_to_ts(&id, &out), 0);
	assert_true(ts_equal(&in, &out));
	assert_int_equal(out.prefixlen, plen);
	assert_memory_equal(out.addr.a.b, in.addr.a.b, 16);
	buf_free(&b);
}

static void test_id_add_ts_round_trip(void **state)
{
	round_trip("192.0.2.1", 32, 0, 0, ID_IPV4_ADDR, 4);
	round_trip("192.0.2.1", 32, 17, 1701, ID_IPV4_ADDR, 4);
	round_trip("10.1.0.0", 24, 0, 0, ID_IPV4_ADDR_SUBNET, 8);
	round_trip("10.0.0.0", 9, 6, 22, ID_IPV4_ADDR_SUBNET, 8);
	round_trip("0.0.0.0", 0, 0, 0, ID_IPV4_ADDR_SUBNET, 8);
	round_trip("2001:db8::1", 128, 0, 0, ID_IPV6_ADDR, 16);
	round_trip("2001:db8:1::", 48, 0, 0, ID_IPV6_ADDR_SUBNET, 32);
	round_trip("2001:db8::", 127, 58, 0, ID_IPV6_ADDR_SUBNET, 32);
	round_trip("::", 0, 0, 0, ID_IPV6_ADDR_SUBNET, 32);
}

/* The mask bytes on the wire, written out by hand. */
static void test_id_add_ts_mask_bytes(void **state)
{
	static const uint8_t want4[] = {ID_IPV4_ADDR_SUBNET, 0, 0, 0, 10, 0, 0, 0, 255, 128, 0, 0};
	static const uint8_t want6[] = {ID_IPV6_ADDR_SUBNET,
					0,
					0,
					0,
					0x20,
					0x01,
					0x0d,
					0xb8,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0xff,
					0xff,
					0xff,
					0xff,
					0xf0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0,
					0};
	struct isakmp_hdr h;
	struct wire_builder w;
	struct buf b;
	struct conf_ts ts;

	memset(&h, 0, sizeof(h));
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	ts_make(&ts, "10.0.0.0", 9, 0, 0);
	assert_int_equal(id_add_ts(&w, &ts), 0);
	assert_int_equal(b.len, ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN + sizeof(want4));
	assert_memory_equal(b.data + ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN, want4, sizeof(want4));
	buf_free(&b);

	buf_init(&b);
	wire_build_start(&w, &b, &h);
	ts_make(&ts, "2001:db8::", 36, 0, 0);
	assert_int_equal(id_add_ts(&w, &ts), 0);
	assert_int_equal(b.len, ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN + sizeof(want6));
	assert_memory_equal(b.data + ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN, want6, sizeof(want6));
	buf_free(&b);
}

static void wire_id_str(struct wire_id *id, uint8_t type, const char *s)
{
	memset(id, 0, sizeof(*id));
	id->type = type;
	id->data = cursor_make((const uint8_t *)s, strlen(s));
}

static void test_id_phase1_matches(void **state)
{
	struct conf_id want;
	struct wire_id got;
	uint8_t v4[4] = {192, 0, 2, 1}, v4b[4] = {192, 0, 2, 2};

	memset(&want, 0, sizeof(want));
	want.type = CONF_ID_ANY;
	wire_id_str(&got, ID_FQDN, "anything.example");
	assert_true(id_phase1_matches(&want, &got));
	got.type = ID_IPV4_ADDR;
	got.data = cursor_make(v4, 4);
	assert_true(id_phase1_matches(&want, &got));

	want.type = ID_FQDN;
	want.len = (uint8_t)strlen("vpn.example.com");
	memcpy(want.data, "vpn.example.com", want.len);
	wire_id_str(&got, ID_FQDN, "vpn.example.com");
	assert_true(id_phase1_matches(&want, &got));
	/* Names compare without case, as in DNS and strongSwan. */
	wire_id_str(&got, ID_FQDN, "VPN.Example.COM");
	assert_true(id_phase1_matches(&want, &got));
	wire_id_str(&got, ID_FQDN, "vpn.example.org");
	assert_false(id_phase1_matches(&want, &got));
	wire_id_str(&got, ID_FQDN, "vpn.example.co");
	assert_false(id_phase1_matches(&want, &got));
	wire_id_str(&got, ID_FQDN, "vpn.example.com.");
	assert_false(id_phase1_matches(&want, &got));
	wire_id_str(&got, ID_USER_FQDN, "vpn.example.com");
	assert_false(id_phase1_matches(&want, &got));
	wire_id_str(&got, ID_KEY_ID, "vpn.example.com");
	assert_false(id_phase1_matches(&want, &got));

	memset(&want, 0, sizeof(want));
	want.type = ID_IPV4_ADDR;
	want.len = 4;
	memcpy(want.data, v4, 4);
	got.type = ID_IPV4_ADDR;
	got.data = cursor_make(v4, 4);
	assert_true(id_phase1_matches(&want, &got));
	got.data = cursor_make(v4b, 4);
	assert_false(id_phase1_matches(&want, &got));
	got.type = ID_FQDN;
	got.data = cursor_make(v4, 4);
	assert_false(id_phase1_matches(&want, &got));
}

static void test_id_from_address(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct conf_id id, zero;
	uint8_t v6[16];
	struct conf_ts ts;

	memset(&zero, 0, sizeof(zero));
	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(500);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr), 1);
	memset(&id, 0xa5, sizeof(id));
	id_from_address(&id, (const struct sockaddr *)&ss);
	assert_int_equal(id.type, ID_IPV4_ADDR);
	assert_int_equal(id.len, 4);
	assert_memory_equal(id.data, ((uint8_t[]){192, 0, 2, 7}), 4);
	assert_memory_equal(id.data + 4, zero.data + 4, sizeof(id.data) - 4);
	ts_host(&ts, (const struct sockaddr *)&ss);
	expect_ts(&ts, "192.0.2.7/32");

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", v6), 1);
	memcpy(&sin6->sin6_addr, v6, 16);
	id_from_address(&id, (const struct sockaddr *)&ss);
	assert_int_equal(id.type, ID_IPV6_ADDR);
	assert_int_equal(id.len, 16);
	assert_memory_equal(id.data, v6, 16);
	ts_host(&ts, (const struct sockaddr *)&ss);
	expect_ts(&ts, "2001:db8::7/128");
}

/* The phase-1 ID payload and where its body (what HASH_I covers) is. */
static void test_id_add_phase1(void **state)
{
	static const uint8_t want[] = {ID_FQDN, 0, 0, 0, 'g', 'w', '.', 'e', 'x'};
	struct isakmp_hdr h;
	struct wire_builder w;
	struct buf b;
	struct conf_id id = {.type = ID_FQDN, .len = 5, .data = "gw.ex"};
	size_t off = 0, len = 0;

	memset(&h, 0, sizeof(h));
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_raw(&w, ISAKMP_PL_VID, (const uint8_t *)"abcd", 4), 0);
	assert_int_equal(id_add_phase1(&w, &id, &off, &len), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(off, ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN + 4 + ISAKMP_GENERIC_LEN);
	assert_int_equal(len, sizeof(want));
	assert_int_equal(off + len, b.len);
	assert_memory_equal(b.data + off, want, sizeof(want));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_to_ts_table),
		cmocka_unit_test(test_id_to_ts_refused),
		cmocka_unit_test(test_ts_covers_table),
		cmocka_unit_test(test_ts_equal),
		cmocka_unit_test(test_ts_str),
		cmocka_unit_test(test_id_add_ts_round_trip),
		cmocka_unit_test(test_id_add_ts_mask_bytes),
		cmocka_unit_test(test_id_phase1_matches),
		cmocka_unit_test(test_id_from_address),
		cmocka_unit_test(test_id_add_phase1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
