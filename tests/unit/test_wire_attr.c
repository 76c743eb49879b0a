/* The ATTRIBUTE payload (wire/attr.h): bytes assembled by hand from
 * draft-ietf-ipsec-isakmp-mode-cfg-05 3.2/3.3 and xauth-06 5, round trips
 * of every named attribute, every error rule, empty TLVs, the values
 * (IPv4, subnets, Cisco Unity split entries) and the log strings of every
 * family, secrets never printed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "wire/attr.h"
#include "wire/message.h"
#include "wire/payload.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*s) {
		if (*s == ' ' || *s == '\n' || *s == '\t') {
			s++;
			continue;
		}
		assert_true(n < max);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static struct cursor hexcur(const char *hex, uint8_t *buf, size_t max)
{
	return cursor_make(buf, unhex(hex, buf, max));
}

/* Every attribute type wire/isakmp.h names. */
static const uint16_t all_types[] = {
	CFG_INTERNAL_IP4_ADDRESS,
	CFG_INTERNAL_IP4_NETMASK,
	CFG_INTERNAL_IP4_DNS,
	CFG_INTERNAL_IP4_NBNS,
	CFG_INTERNAL_ADDRESS_EXPIRY,
	CFG_INTERNAL_IP4_DHCP,
	CFG_APPLICATION_VERSION,
	CFG_INTERNAL_IP6_ADDRESS,
	CFG_INTERNAL_IP6_NETMASK,
	CFG_INTERNAL_IP6_DNS,
	CFG_INTERNAL_IP6_NBNS,
	CFG_INTERNAL_IP6_DHCP,
	CFG_INTERNAL_IP4_SUBNET,
	CFG_SUPPORTED_ATTRIBUTES,
	CFG_INTERNAL_IP6_SUBNET,
	CFG_XAUTH_TYPE,
	CFG_XAUTH_USER_NAME,
	CFG_XAUTH_USER_PASSWORD,
	CFG_XAUTH_PASSCODE,
	CFG_XAUTH_MESSAGE,
	CFG_XAUTH_CHALLENGE,
	CFG_XAUTH_DOMAIN,
	CFG_XAUTH_STATUS,
	CFG_XAUTH_NEXT_PIN,
	CFG_XAUTH_ANSWER,
	CFG_UNITY_BANNER,
	CFG_UNITY_SAVE_PASSWD,
	CFG_UNITY_DEF_DOMAIN,
	CFG_UNITY_SPLIT_DNS,
	CFG_UNITY_SPLIT_INCLUDE,
	CFG_UNITY_NATT_PORT,
	CFG_UNITY_LOCAL_LAN,
	CFG_UNITY_PFS,
	CFG_UNITY_FW_TYPE,
	CFG_UNITY_BACKUP_SERVERS,
	CFG_UNITY_DDNS_HOSTNAME,
};

/* Builds one ATTRIBUTE payload as the only payload of a message and
 * returns its body (in b). */
static int build_one(struct buf *b, uint8_t type, uint16_t id,
		     const struct wire_cfg_attr_spec *attrs, unsigned n, struct cursor *body)
{
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_TRANSACTION};
	struct wire_builder w;
	struct wire_payloads pl;
	int err;

	buf_init(b);
	wire_build_start(&w, b, &h);
	err = wire_add_cfg(&w, type, id, attrs, n);
	if (err)
		return err;
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(b->data[16], ISAKMP_PL_ATTR);
	assert_int_equal(wire_parse_chain(ISAKMP_PL_ATTR, b->data + ISAKMP_HDR_LEN,
					  b->len - ISAKMP_HDR_LEN, false, &pl),
			 0);
	assert_int_equal(pl.n, 1);
	assert_int_equal(pl.p[0].type, ISAKMP_PL_ATTR);
	*body = pl.p[0].body;
	return 0;
}

/* A vpnc-like REQUEST (empty TLVs, a TV) and a REPLY, by hand. */
static void test_parse_known_bytes(void **state)
{
	uint8_t buf[256];
	struct wire_cfg cfg;
	struct wire_attr a;
	struct in_addr in;

	/* REQUEST id 0x1234, RESERVED junk (0x5a, not checked):
	 * INTERNAL_IP4_ADDRESS (0x0001) empty, INTERNAL_IP4_DNS (0x0003)
	 * empty, XAUTH_TYPE (16520 = 0x4088, AF set: 0xc088) = 0 */
	assert_int_equal(wire_parse_cfg(hexcur("01 5a 1234"
					       "0001 0000"
					       "0003 0000"
					       "c088 0000",
					       buf, sizeof(buf)),
					&cfg),
			 0);
	assert_int_equal(cfg.type, ISAKMP_CFG_REQUEST);
	assert_int_equal(cfg.id, 0x1234);
	assert_int_equal(cfg.attrs.len, 12);
	assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
	assert_int_equal(a.type, CFG_INTERNAL_IP4_ADDRESS);
	assert_false(a.tv);
	assert_int_equal(a.value.len, 0);
	assert_false(wire_cfg_ip4(&a, &in));
	assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
	assert_int_equal(a.type, CFG_INTERNAL_IP4_DNS);
	assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
	assert_int_equal(a.type, CFG_XAUTH_TYPE);
	assert_true(a.tv);
	assert_int_equal(a.tv_value, XAUTH_TYPE_GENERIC);
	assert_int_equal(cfg.attrs.len, 0);

	/* SET id 7: XAUTH_STATUS (16527 = 0x408f, TV) = OK */
	assert_int_equal(wire_parse_cfg(hexcur("03 00 0007 c08f 0001", buf, sizeof(buf)), &cfg), 0);
	assert_int_equal(cfg.type, ISAKMP_CFG_SET);
	assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
	assert_int_equal(a.type, CFG_XAUTH_STATUS);
	assert_int_equal(a.tv_value, XAUTH_STATUS_OK);

	/* ACK without attributes (as a SET's answer may be) */
	assert_int_equal(wire_parse_cfg(hexcur("04 00 0007", buf, sizeof(buf)), &cfg), 0);
	assert_int_equal(cfg.type, ISAKMP_CFG_ACK);
	assert_int_equal(cfg.attrs.len, 0);

	/* REPLY: address 10.3.0.10, USER_NAME (0x4089) "bob",
	 * UNITY_SPLIT_INCLUDE (28676 = 0x7004), one entry 10.1.0.0/16 */
	assert_int_equal(wire_parse_cfg(hexcur("02 00 beef"
					       "0001 0004 0a03000a"
					       "4089 0003 626f62"
					       "7004 000e 0a010000 ffff0000 000000000000",
					       buf, sizeof(buf)),
					&cfg),
			 0);
	assert_int_equal(cfg.type, ISAKMP_CFG_REPLY);
	assert_int_equal(cfg.id, 0xbeef);
	assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
	assert_true(wire_cfg_ip4(&a, &in));
	assert_int_equal(ntohl(in.s_addr), 0x0a03000a);
	assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
	assert_int_equal(a.type, CFG_XAUTH_USER_NAME);
	assert_int_equal(a.value.len, 3);
	assert_memory_equal(a.value.p, "bob", 3);
	assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
	assert_int_equal(a.type, CFG_UNITY_SPLIT_INCLUDE);
	assert_int_equal(a.value.len, WIRE_UNITY_NET_LEN);
}

/* What wire_add_cfg writes, byte for byte. */
static void test_build_bytes(void **state)
{
	static const uint8_t addr[4] = {10, 3, 0, 10}, mask[4] = {255, 255, 255, 0};
	const struct wire_cfg_attr_spec attrs[] = {
		{.type = CFG_INTERNAL_IP4_ADDRESS, .data = addr, .len = 4},
		{.type = CFG_INTERNAL_IP4_NETMASK, .data = mask, .len = 4},
		{.type = CFG_INTERNAL_IP4_DNS},
		{.type = CFG_XAUTH_STATUS, .tv = true, .value = XAUTH_STATUS_FAIL},
		{.type = CFG_XAUTH_USER_NAME, .data = (const uint8_t *)"al", .len = 2},
		{.type = CFG_UNITY_PFS, .tv = true, .value = 1},
	};
	uint8_t want[128];
	size_t n = unhex("00 00 002a"	      /* generic header: last, 42 bytes */
			 "02 00 0102"	      /* REPLY, id 0x0102 */
			 "0001 0004 0a03000a" /* INTERNAL_IP4_ADDRESS */
			 "0002 0004 ffffff00" /* INTERNAL_IP4_NETMASK */
			 "0003 0000"	      /* INTERNAL_IP4_DNS, empty */
			 "c08f 0000"	      /* XAUTH_STATUS FAIL (TV) */
			 "4089 0002 616c"     /* XAUTH_USER_NAME "al" */
			 "f007 0001",	      /* UNITY_PFS (28679 = 0x7007) TV 1 */
			 want, sizeof(want));
	struct cursor body;
	struct buf b;

	assert_int_equal(build_one(&b, ISAKMP_CFG_REPLY, 0x0102, attrs, ARRAY_SIZE(attrs), &body),
			 0);
	assert_int_equal(b.len, ISAKMP_HDR_LEN + n);
	assert_memory_equal(b.data + ISAKMP_HDR_LEN, want, n);
	buf_free(&b);
}

/* Every named attribute, as TV where the drafts say basic, else as a TLV
 * with some bytes; then again all empty; parsed back as built. */
static void test_round_trip_all(void **state)
{
	struct wire_cfg_attr_spec specs[ARRAY_SIZE(all_types)];
	uint8_t data[ARRAY_SIZE(all_types)][20];
	struct wire_cfg cfg;
	struct wire_attr a;
	struct cursor body;
	struct buf b;

	for (int empty = 0; empty <= 1; empty++) {
		for (size_t i = 0; i < ARRAY_SIZE(all_types); i++) {
			for (size_t k = 0; k < sizeof(data[i]); k++)
				data[i][k] = (uint8_t)(i * 31 + k);
			specs[i] = (struct wire_cfg_attr_spec){
				.type = all_types[i],
				.tv = wire_cfg_attr_is_tv(all_types[i]),
				.value = (uint16_t)(0x100 + i),
				.data = data[i],
				.len = empty ? 0 : 1 + i % sizeof(data[i]),
			};
		}
		assert_int_equal(build_one(&b, ISAKMP_CFG_SET, (uint16_t)(77 + empty), specs,
					   ARRAY_SIZE(specs), &body),
				 0);
		assert_int_equal(wire_parse_cfg(body, &cfg), 0);
		assert_int_equal(cfg.type, ISAKMP_CFG_SET);
		assert_int_equal(cfg.id, 77 + empty);
		for (size_t i = 0; i < ARRAY_SIZE(all_types); i++) {
			assert_int_equal(wire_attr_next(&cfg.attrs, &a), 0);
			assert_int_equal(a.type, all_types[i]);
			assert_int_equal(a.tv, specs[i].tv);
			if (a.tv) {
				assert_int_equal(a.tv_value, specs[i].value);
				continue;
			}
			assert_int_equal(a.value.len, specs[i].len);
			if (a.value.len)
				assert_memory_equal(a.value.p, data[i], a.value.len);
		}
		assert_int_equal(cfg.attrs.len, 0);
		buf_free(&b);
	}
	/* The four types, no attributes at all */
	for (uint8_t t = ISAKMP_CFG_REQUEST; t <= ISAKMP_CFG_ACK; t++) {
		assert_int_equal(build_one(&b, t, t, NULL, 0, &body), 0);
		assert_int_equal(body.len, 4);
		assert_int_equal(wire_parse_cfg(body, &cfg), 0);
		assert_int_equal(cfg.type, t);
		assert_int_equal(cfg.attrs.len, 0);
		buf_free(&b);
	}
}

static void test_parse_errors(void **state)
{
	uint8_t buf[64];
	struct wire_cfg cfg;

	/* body shorter than 4 bytes */
	assert_int_equal(wire_parse_cfg(hexcur("", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_cfg(hexcur("01", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_cfg(hexcur("01 00", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_cfg(hexcur("01 00 00", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* types other than 1..4 */
	assert_int_equal(wire_parse_cfg(hexcur("00 00 0001", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_cfg(hexcur("05 00 0001", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_cfg(hexcur("ff 00 0001", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* an attribute header cut short (1, 2, 3 bytes) */
	assert_int_equal(wire_parse_cfg(hexcur("01 00 0001 00", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_cfg(hexcur("01 00 0001 0001 00", buf, sizeof(buf)), &cfg),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(
		wire_parse_cfg(hexcur("01 00 0001 0001 0000 c088", buf, sizeof(buf)), &cfg),
		ISAKMP_N_PAYLOAD_MALFORMED);
	/* a TLV running past the body by one byte */
	assert_int_equal(
		wire_parse_cfg(hexcur("02 00 0001 0001 0004 0a0000", buf, sizeof(buf)), &cfg),
		ISAKMP_N_PAYLOAD_MALFORMED);
	/* ... and the same TLV whole: fine */
	assert_int_equal(
		wire_parse_cfg(hexcur("02 00 0001 0001 0004 0a000001", buf, sizeof(buf)), &cfg), 0);
	/* a TLV running past the end though whole attributes follow */
	assert_int_equal(
		wire_parse_cfg(hexcur("02 00 0001 0001 0009 0a000001 c08f 0001", buf, sizeof(buf)),
			       &cfg),
		ISAKMP_N_PAYLOAD_MALFORMED);
	/* RESERVED not checked */
	assert_int_equal(wire_parse_cfg(hexcur("04 ff 0001", buf, sizeof(buf)), &cfg), 0);
}

static void test_build_errors(void **state)
{
	static const uint8_t big[65536];
	struct wire_cfg_attr_spec specs[WIRE_CFG_MAX_ATTRS + 1];
	struct wire_cfg_attr_spec one = {.type = CFG_INTERNAL_IP4_DNS};
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_TRANSACTION};
	struct wire_builder w;
	struct buf b;

	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		specs[i] = (struct wire_cfg_attr_spec){.type = CFG_INTERNAL_IP4_DNS};
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	/* type not 1..4 */
	assert_int_equal(wire_add_cfg(&w, 0, 1, &one, 1), -EINVAL);
	assert_int_equal(wire_add_cfg(&w, 5, 1, &one, 1), -EINVAL);
	/* too many attributes */
	assert_int_equal(wire_add_cfg(&w, ISAKMP_CFG_REQUEST, 1, specs, WIRE_CFG_MAX_ATTRS + 1),
			 -EINVAL);
	/* a TLV of 65536 bytes; data missing; a type with the AF bit */
	one = (struct wire_cfg_attr_spec){.type = CFG_UNITY_BANNER, .data = big, .len = 65536};
	assert_int_equal(wire_add_cfg(&w, ISAKMP_CFG_REPLY, 1, &one, 1), -EINVAL);
	one = (struct wire_cfg_attr_spec){.type = CFG_UNITY_BANNER, .len = 3};
	assert_int_equal(wire_add_cfg(&w, ISAKMP_CFG_REPLY, 1, &one, 1), -EINVAL);
	one = (struct wire_cfg_attr_spec){.type = 0x8001, .tv = true};
	assert_int_equal(wire_add_cfg(&w, ISAKMP_CFG_REPLY, 1, &one, 1), -EINVAL);
	/* nothing was written by the refusals */
	assert_int_equal(b.len, ISAKMP_HDR_LEN);
	/* the limits themselves are fine: 64 attributes, a 65535-byte TLV
	 * (the payload is then too big for a message: finish says so) */
	assert_int_equal(wire_add_cfg(&w, ISAKMP_CFG_REQUEST, 1, specs, WIRE_CFG_MAX_ATTRS), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	one = (struct wire_cfg_attr_spec){.type = CFG_UNITY_BANNER, .data = big, .len = 65535};
	assert_int_equal(wire_add_cfg(&w, ISAKMP_CFG_REPLY, 1, &one, 1), 0);
	assert_int_equal(wire_build_finish(&w), -EMSGSIZE);
	buf_free(&b);
}

static void test_is_tv(void **state)
{
	static const uint16_t tv[] = {CFG_XAUTH_TYPE, CFG_XAUTH_STATUS, CFG_UNITY_SAVE_PASSWD,
				      CFG_UNITY_NATT_PORT, CFG_UNITY_PFS};
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(tv); i++)
		assert_true(wire_cfg_attr_is_tv(tv[i]));
	for (size_t i = 0; i < ARRAY_SIZE(all_types); i++)
		n += wire_cfg_attr_is_tv(all_types[i]);
	assert_int_equal(n, ARRAY_SIZE(tv));
	/* mode-cfg-05: INTERNAL_ADDRESS_EXPIRY is variable (0 or 4 octets) */
	assert_false(wire_cfg_attr_is_tv(CFG_INTERNAL_ADDRESS_EXPIRY));
	assert_false(wire_cfg_attr_is_tv(CFG_XAUTH_USER_PASSWORD));
	assert_false(wire_cfg_attr_is_tv(0));
	assert_false(wire_cfg_attr_is_tv(0x7fff));
}

/* One attribute off hex (its 4-byte header included). */
static struct wire_attr attr_of(const char *hex, uint8_t *buf, size_t max)
{
	struct cursor c = hexcur(hex, buf, max);
	struct wire_attr a;

	assert_int_equal(wire_attr_next(&c, &a), 0);
	assert_int_equal(c.len, 0);
	return a;
}

static void test_ip4_values(void **state)
{
	uint8_t buf[64];
	struct wire_attr a;
	struct in_addr in, mask;

	a = attr_of("0003 0004 c0a80101", buf, sizeof(buf));
	assert_true(wire_cfg_ip4(&a, &in));
	assert_int_equal(ntohl(in.s_addr), 0xc0a80101);
	/* an ADDRESS with its netmask: taken, mask ignored */
	a = attr_of("0001 0008 0a03000a ffffff00", buf, sizeof(buf));
	assert_true(wire_cfg_ip4(&a, &in));
	assert_int_equal(ntohl(in.s_addr), 0x0a03000a);
	/* 8 bytes for anything else, 5, 3, 0 bytes, a TV: no */
	a = attr_of("0003 0008 0a03000a ffffff00", buf, sizeof(buf));
	assert_false(wire_cfg_ip4(&a, &in));
	a = attr_of("0001 0005 0a03000a00", buf, sizeof(buf));
	assert_false(wire_cfg_ip4(&a, &in));
	a = attr_of("0001 0003 0a0300", buf, sizeof(buf));
	assert_false(wire_cfg_ip4(&a, &in));
	a = attr_of("0001 0000", buf, sizeof(buf));
	assert_false(wire_cfg_ip4(&a, &in));
	a = attr_of("8001 0a03", buf, sizeof(buf));
	assert_false(wire_cfg_ip4(&a, &in));
	/* INTERNAL_IP4_SUBNET: 8 bytes exactly */
	a = attr_of("000d 0008 0a010000 ffff0000", buf, sizeof(buf));
	assert_true(wire_cfg_ip4_subnet(&a, &in, &mask));
	assert_int_equal(ntohl(in.s_addr), 0x0a010000);
	assert_int_equal(ntohl(mask.s_addr), 0xffff0000);
	a = attr_of("000d 0004 0a010000", buf, sizeof(buf));
	assert_false(wire_cfg_ip4_subnet(&a, &in, &mask));
	a = attr_of("000d 0009 0a010000 ffff0000 00", buf, sizeof(buf));
	assert_false(wire_cfg_ip4_subnet(&a, &in, &mask));
	a = attr_of("000d 0000", buf, sizeof(buf));
	assert_false(wire_cfg_ip4_subnet(&a, &in, &mask));
}

static struct wire_unity_net unet(uint32_t addr, uint32_t mask)
{
	struct wire_unity_net n;

	n.addr.s_addr = htonl(addr);
	n.mask.s_addr = htonl(mask);
	return n;
}

static void test_unity(void **state)
{
	uint8_t out[3 * WIRE_UNITY_NET_LEN + 13], want[64];
	struct wire_unity_net n1 = unet(0x0a010000, 0xffffff00), n2 = unet(0xc0a80000, 0xffff0000);
	struct wire_unity_net n;
	struct cursor c;

	memset(out, 0xee, sizeof(out));
	wire_unity_net_put(out, &n1);
	wire_unity_net_put(out + WIRE_UNITY_NET_LEN, &n2);
	/* network, mask, then protocol, source and destination port: zero */
	unhex("0a010000 ffffff00 0000 0000 0000"
	      "c0a80000 ffff0000 0000 0000 0000",
	      want, sizeof(want));
	assert_memory_equal(out, want, 2 * WIRE_UNITY_NET_LEN);
	assert_int_equal(out[2 * WIRE_UNITY_NET_LEN], 0xee); /* nothing past 14 bytes */

	c = cursor_make(out, 2 * WIRE_UNITY_NET_LEN);
	assert_true(wire_unity_net_next(&c, &n));
	assert_int_equal(n.addr.s_addr, n1.addr.s_addr);
	assert_int_equal(n.mask.s_addr, n1.mask.s_addr);
	assert_true(wire_unity_net_next(&c, &n));
	assert_int_equal(n.addr.s_addr, n2.addr.s_addr);
	assert_int_equal(n.mask.s_addr, n2.mask.s_addr);
	assert_false(wire_unity_net_next(&c, &n));
	assert_int_equal(c.len, 0);

	/* Protocol and ports set (as a Cisco head end may): skipped. */
	unhex("0a020000 ffff0000 0011 0035 01bd", want, sizeof(want));
	c = cursor_make(want, WIRE_UNITY_NET_LEN);
	assert_true(wire_unity_net_next(&c, &n));
	assert_int_equal(ntohl(n.addr.s_addr), 0x0a020000);
	assert_int_equal(ntohl(n.mask.s_addr), 0xffff0000);
	assert_int_equal(c.len, 0);

	/* 13 bytes after a whole entry: ignored, c not moved */
	c = cursor_make(out, WIRE_UNITY_NET_LEN + 13);
	assert_true(wire_unity_net_next(&c, &n));
	assert_false(wire_unity_net_next(&c, &n));
	assert_int_equal(c.len, 13);
	assert_ptr_equal(c.p, out + WIRE_UNITY_NET_LEN);
	c = cursor_make(out, 0);
	assert_false(wire_unity_net_next(&c, &n));
}

static void str_is(const char *hex, const char *want)
{
	uint8_t buf[256];
	char out[256];
	struct wire_attr a = attr_of(hex, buf, sizeof(buf));

	assert_int_equal(wire_cfg_attr_str(&a, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_str_families(void **state)
{
	/* IPv4 addresses */
	str_is("0001 0004 0a03000a", "INTERNAL_IP4_ADDRESS=10.3.0.10");
	str_is("0001 0008 0a03000a ffffff00", "INTERNAL_IP4_ADDRESS=10.3.0.10");
	str_is("0002 0004 ffffff00", "INTERNAL_IP4_NETMASK=255.255.255.0");
	str_is("0003 0004 08080808", "INTERNAL_IP4_DNS=8.8.8.8");
	str_is("0004 0004 0a000002", "INTERNAL_IP4_NBNS=10.0.0.2");
	str_is("0006 0004 0a000003", "INTERNAL_IP4_DHCP=10.0.0.3");
	/* a value an address cannot have: shown as bytes */
	str_is("0003 0003 414243", "INTERNAL_IP4_DNS=ABC");
	/* subnets: prefix, and a mask that is not one */
	str_is("000d 0008 0a010000 ffff0000", "INTERNAL_IP4_SUBNET=10.1.0.0/16");
	str_is("000d 0008 00000000 00000000", "INTERNAL_IP4_SUBNET=0.0.0.0/0");
	str_is("000d 0008 0a010203 ffffffff", "INTERNAL_IP4_SUBNET=10.1.2.3/32");
	str_is("000d 0008 0a010000 ff00ff00", "INTERNAL_IP4_SUBNET=10.1.0.0/255.0.255.0");
	/* IPv6: address, address/prefix */
	str_is("0008 0011 20010db8000000000000000000000001 40",
	       "INTERNAL_IP6_ADDRESS=2001:db8::1/64");
	str_is("000a 0010 20010db8000000000000000000000035", "INTERNAL_IP6_DNS=2001:db8::35");
	str_is("0009 0010 ffffffffffffffff0000000000000000",
	       "INTERNAL_IP6_NETMASK=ffff:ffff:ffff:ffff::");
	str_is("000b 0010 20010db8000000000000000000000002", "INTERNAL_IP6_NBNS=2001:db8::2");
	str_is("000c 0010 20010db8000000000000000000000003", "INTERNAL_IP6_DHCP=2001:db8::3");
	str_is("000f 0011 20010db8000100000000000000000000 30",
	       "INTERNAL_IP6_SUBNET=2001:db8:1::/48");
	/* numbers: TV, and the 4-byte expiry */
	str_is("c088 0000", "XAUTH_TYPE=0");
	str_is("c08f 0001", "XAUTH_STATUS=1");
	str_is("0005 0004 00015180", "INTERNAL_ADDRESS_EXPIRY=86400");
	str_is("f001 0001", "UNITY_SAVE_PASSWD=1");
	str_is("f005 1194", "UNITY_NATT_PORT=4500");
	str_is("f007 0000", "UNITY_PFS=0");
	/* a basic type sent as a TLV is read as a number too */
	str_is("408f 0002 0001", "XAUTH_STATUS=1");
	/* strings, with escapes */
	str_is("4089 0005 616c696365", "XAUTH_USER_NAME=alice");
	str_is("0007 0008 6f616b6c65792031", "APPLICATION_VERSION=oakley 1");
	str_is("7000 0006 48690a5c00ff", "UNITY_BANNER=Hi\\x0a\\x5c\\x00\\xff");
	str_is("408c 0005 456e746572", "XAUTH_MESSAGE=Enter");
	str_is("408d 0003 313233", "XAUTH_CHALLENGE=123");
	str_is("408e 0004 636f7270", "XAUTH_DOMAIN=corp");
	str_is("7002 0009 6578616d706c652e6f", "UNITY_DEF_DOMAIN=example.o");
	str_is("7003 0005 612e6f2c62", "UNITY_SPLIT_DNS=a.o,b");
	str_is("7009 0003 312e32", "UNITY_BACKUP_SERVERS=1.2");
	str_is("700a 0001 68", "UNITY_DDNS_HOSTNAME=h");
	str_is("7008 0002 0001", "UNITY_FW_TYPE=\\x00\\x01");
	/* SUPPORTED_ATTRIBUTES: names (an unknown one by number) */
	str_is("000e 0006 0001 0003 7fff", "SUPPORTED_ATTRIBUTES=INTERNAL_IP4_ADDRESS,"
					   "INTERNAL_IP4_DNS,32767");
	/* Unity split entries */
	str_is("7004 001c 0a010000 ffffff00 000000000000 0a020000 ffff0000 000000000000",
	       "UNITY_SPLIT_INCLUDE=10.1.0.0/24,10.2.0.0/16");
	str_is("7006 000e c0a80000 ffff0000 000000000000", "UNITY_LOCAL_LAN=192.168.0.0/16");
	/* not a whole number of entries: bytes */
	str_is("7004 0002 0a01", "UNITY_SPLIT_INCLUDE=\\x0a\\x01");
	/* empty TLVs (a REQUEST): the name alone */
	str_is("0001 0000", "INTERNAL_IP4_ADDRESS");
	str_is("4089 0000", "XAUTH_USER_NAME");
	str_is("7004 0000", "UNITY_SPLIT_INCLUDE");
	/* unknown types */
	str_is("7fff 0002 4142", "UNKNOWN(32767)=AB");
	str_is("fffe 0003", "UNKNOWN(32766)=3");
}

/* Passwords, passcodes, answers and new PINs: their length only. */
static void test_str_secrets(void **state)
{
	static const struct {
		const char *hex, *want;
	} cases[] = {
		{"408a 0007 68756e74657232", "XAUTH_USER_PASSWORD=(7 bytes)"},
		{"408a 0000", "XAUTH_USER_PASSWORD=(0 bytes)"},
		{"c08a 6869", "XAUTH_USER_PASSWORD=(2 bytes)"},
		{"408b 0007 68756e74657232", "XAUTH_PASSCODE=(7 bytes)"},
		{"4091 0007 68756e74657232", "XAUTH_ANSWER=(7 bytes)"},
		{"4090 0007 68756e74657232", "XAUTH_NEXT_PIN=(7 bytes)"},
	};
	uint8_t buf[64];
	char out[128];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct wire_attr a = attr_of(cases[i].hex, buf, sizeof(buf));

		assert_int_equal(wire_cfg_attr_str(&a, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].want);
		assert_null(strstr(out, "hunter2"));
		assert_null(strstr(out, "hi"));
	}
}

static void test_str_truncation(void **state)
{
	uint8_t buf[64];
	char out[64];
	struct wire_attr a = attr_of("4089 0005 616c696365", buf, sizeof(buf));

	/* "XAUTH_USER_NAME=alice" is 21 characters: 22 bytes fit, 21 do not */
	assert_int_equal(wire_cfg_attr_str(&a, out, 22), 0);
	assert_string_equal(out, "XAUTH_USER_NAME=alice");
	memset(out, 'x', sizeof(out));
	assert_int_equal(wire_cfg_attr_str(&a, out, 21), -ENOSPC);
	assert_true(strlen(out) < 21);
	assert_int_equal(wire_cfg_attr_str(&a, out, 5), -ENOSPC);
	assert_true(strlen(out) < 5);
	out[0] = 'x';
	assert_int_equal(wire_cfg_attr_str(&a, out, 0), -ENOSPC);
	assert_int_equal(out[0], 'x');
	/* an escape does not get cut in half */
	a = attr_of("7000 0001 00", buf, sizeof(buf));
	assert_int_equal(wire_cfg_attr_str(&a, out, 15), -ENOSPC);
	assert_string_equal(out, "UNITY_BANNER=");
}

static void test_names(void **state)
{
	char out[128];
	uint8_t buf[16];

	assert_string_equal(wire_cfg_name(ISAKMP_CFG_REQUEST), "REQUEST");
	assert_string_equal(wire_cfg_name(ISAKMP_CFG_REPLY), "REPLY");
	assert_string_equal(wire_cfg_name(ISAKMP_CFG_SET), "SET");
	assert_string_equal(wire_cfg_name(ISAKMP_CFG_ACK), "ACK");
	assert_string_equal(wire_cfg_name(0), "UNKNOWN");
	assert_string_equal(wire_cfg_name(5), "UNKNOWN");
	assert_string_equal(wire_cfg_name(255), "UNKNOWN");
	assert_string_equal(wire_cfg_attr_name(CFG_INTERNAL_IP4_ADDRESS), "INTERNAL_IP4_ADDRESS");
	assert_string_equal(wire_cfg_attr_name(CFG_XAUTH_USER_NAME), "XAUTH_USER_NAME");
	assert_string_equal(wire_cfg_attr_name(CFG_UNITY_SPLIT_INCLUDE), "UNITY_SPLIT_INCLUDE");
	assert_string_equal(wire_cfg_attr_name(0), "UNKNOWN");
	assert_string_equal(wire_cfg_attr_name(16), "UNKNOWN");
	assert_string_equal(wire_cfg_attr_name(28683), "UNKNOWN");
	/* every named type has its own name, and its string starts with it */
	for (size_t i = 0; i < ARRAY_SIZE(all_types); i++) {
		const char *name = wire_cfg_attr_name(all_types[i]);
		struct wire_attr a;
		struct cursor c;

		assert_string_not_equal(name, "UNKNOWN");
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(name, wire_cfg_attr_name(all_types[k]));
		put_u16(buf, all_types[i]);
		put_u16(buf + 2, 0);
		c = cursor_make(buf, 4);
		assert_int_equal(wire_attr_next(&c, &a), 0);
		assert_int_equal(wire_cfg_attr_str(&a, out, sizeof(out)), 0);
		assert_int_equal(strncmp(out, name, strlen(name)), 0);
	}
	assert_string_equal(wire_payload_name(ISAKMP_PL_ATTR), "ATTR");
}

/* A whole transaction message: HASH then ATTRIBUTE, in a chain. */
static void test_in_message(void **state)
{
	uint8_t buf[128];
	struct cursor c = hexcur("0e 00 0008 01020304" /* HASH, next ATTR */
				 "00 00 000c 01 00 0001 0001 0000",
				 buf, sizeof(buf));
	struct wire_payloads pl;
	const struct wire_payload *p;
	struct wire_cfg cfg;

	assert_true(wire_payload_known(ISAKMP_PL_ATTR));
	assert_int_equal(wire_parse_chain(ISAKMP_PL_HASH, c.p, c.len, false, &pl), 0);
	assert_int_equal(pl.n, 2);
	p = wire_find(&pl, ISAKMP_PL_ATTR);
	assert_non_null(p);
	assert_int_equal(wire_parse_cfg(p->body, &cfg), 0);
	assert_int_equal(cfg.type, ISAKMP_CFG_REQUEST);
	assert_int_equal(cfg.attrs.len, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_known_bytes), cmocka_unit_test(test_build_bytes),
		cmocka_unit_test(test_round_trip_all),	  cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_build_errors),	  cmocka_unit_test(test_is_tv),
		cmocka_unit_test(test_ip4_values),	  cmocka_unit_test(test_unity),
		cmocka_unit_test(test_str_families),	  cmocka_unit_test(test_str_secrets),
		cmocka_unit_test(test_str_truncation),	  cmocka_unit_test(test_names),
		cmocka_unit_test(test_in_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
