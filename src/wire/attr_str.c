/* Names of the ATTRIBUTE payload's numbers and its attributes as log text
 * (wire/attr.h).  Secrets (XAUTH_USER_PASSWORD, _PASSCODE, _ANSWER and
 * _NEXT_PIN, the user's new PIN) are never printed, only their length. */
#include "wire/attr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum family { F_STRING, F_IP4, F_IP4_SUBNET, F_IP6, F_NUMBER, F_SECRET, F_LIST, F_UNITY };

static const struct attr_info {
	uint16_t type;
	const char *name;
	enum family family;
} attrs[] = {
	{CFG_INTERNAL_IP4_ADDRESS, "INTERNAL_IP4_ADDRESS", F_IP4},
	{CFG_INTERNAL_IP4_NETMASK, "INTERNAL_IP4_NETMASK", F_IP4},
	{CFG_INTERNAL_IP4_DNS, "INTERNAL_IP4_DNS", F_IP4},
	{CFG_INTERNAL_IP4_NBNS, "INTERNAL_IP4_NBNS", F_IP4},
	{CFG_INTERNAL_ADDRESS_EXPIRY, "INTERNAL_ADDRESS_EXPIRY", F_NUMBER},
	{CFG_INTERNAL_IP4_DHCP, "INTERNAL_IP4_DHCP", F_IP4},
	{CFG_APPLICATION_VERSION, "APPLICATION_VERSION", F_STRING},
	{CFG_INTERNAL_IP6_ADDRESS, "INTERNAL_IP6_ADDRESS", F_IP6},
	{CFG_INTERNAL_IP6_NETMASK, "INTERNAL_IP6_NETMASK", F_IP6},
	{CFG_INTERNAL_IP6_DNS, "INTERNAL_IP6_DNS", F_IP6},
	{CFG_INTERNAL_IP6_NBNS, "INTERNAL_IP6_NBNS", F_IP6},
	{CFG_INTERNAL_IP6_DHCP, "INTERNAL_IP6_DHCP", F_IP6},
	{CFG_INTERNAL_IP4_SUBNET, "INTERNAL_IP4_SUBNET", F_IP4_SUBNET},
	{CFG_SUPPORTED_ATTRIBUTES, "SUPPORTED_ATTRIBUTES", F_LIST},
	{CFG_INTERNAL_IP6_SUBNET, "INTERNAL_IP6_SUBNET", F_IP6},
	{CFG_XAUTH_TYPE, "XAUTH_TYPE", F_NUMBER},
	{CFG_XAUTH_USER_NAME, "XAUTH_USER_NAME", F_STRING},
	{CFG_XAUTH_USER_PASSWORD, "XAUTH_USER_PASSWORD", F_SECRET},
	{CFG_XAUTH_PASSCODE, "XAUTH_PASSCODE", F_SECRET},
	{CFG_XAUTH_MESSAGE, "XAUTH_MESSAGE", F_STRING},
	{CFG_XAUTH_CHALLENGE, "XAUTH_CHALLENGE", F_STRING},
	{CFG_XAUTH_DOMAIN, "XAUTH_DOMAIN", F_STRING},
	{CFG_XAUTH_STATUS, "XAUTH_STATUS", F_NUMBER},
	{CFG_XAUTH_NEXT_PIN, "XAUTH_NEXT_PIN", F_SECRET},
	{CFG_XAUTH_ANSWER, "XAUTH_ANSWER", F_SECRET},
	{CFG_UNITY_BANNER, "UNITY_BANNER", F_STRING},
	{CFG_UNITY_SAVE_PASSWD, "UNITY_SAVE_PASSWD", F_NUMBER},
	{CFG_UNITY_DEF_DOMAIN, "UNITY_DEF_DOMAIN", F_STRING},
	{CFG_UNITY_SPLIT_DNS, "UNITY_SPLIT_DNS", F_STRING},
	{CFG_UNITY_SPLIT_INCLUDE, "UNITY_SPLIT_INCLUDE", F_UNITY},
	{CFG_UNITY_NATT_PORT, "UNITY_NATT_PORT", F_NUMBER},
	{CFG_UNITY_LOCAL_LAN, "UNITY_LOCAL_LAN", F_UNITY},
	{CFG_UNITY_PFS, "UNITY_PFS", F_NUMBER},
	{CFG_UNITY_FW_TYPE, "UNITY_FW_TYPE", F_STRING},
	{CFG_UNITY_BACKUP_SERVERS, "UNITY_BACKUP_SERVERS", F_STRING},
	{CFG_UNITY_DDNS_HOSTNAME, "UNITY_DDNS_HOSTNAME", F_STRING},
};

static const char *const cfg_names[] = {
	[ISAKMP_CFG_REQUEST] = "REQUEST",
	[ISAKMP_CFG_REPLY] = "REPLY",
	[ISAKMP_CFG_SET] = "SET",
	[ISAKMP_CFG_ACK] = "ACK",
};

static const struct attr_info *find_info(uint16_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
		if (attrs[i].type == type)
			return &attrs[i];
	return NULL;
}

const char *wire_cfg_name(uint8_t type)
{
	if (type < ARRAY_SIZE(cfg_names) && cfg_names[type])
		return cfg_names[type];
	return "UNKNOWN";
}

const char *wire_cfg_attr_name(uint16_t type)
{
	const struct attr_info *i = find_info(type);

	return i ? i->name : "UNKNOWN";
}

/* An output string that remembers whether it was cut short. */
struct out {
	char *p;
	size_t len, off;
	bool cut;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off) {
		o->p[o->off] = '\0'; /* no piece of an item: "\x" of "\x0a" */
		o->cut = true;
		return;
	}
	o->off += (size_t)n;
}

/* Printable ASCII as it is; other bytes, and the backslash, as \xHH. */
static void put_string(struct out *o, struct cursor v)
{
	for (size_t i = 0; i < v.len; i++) {
		uint8_t ch = v.p[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			put(o, "%c", ch);
		else
			put(o, "\\x%02x", ch);
	}
}

static void put_ip4(struct out *o, const uint8_t *p)
{
	put(o, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
}

/* The prefix length of a contiguous mask, else -1. */
static int mask_len(const uint8_t *m)
{
	uint32_t v = get_u32(m);
	int n = 0;

	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	return (n == 32 || (v << n) == 0) ? n : -1;
}

/* Address then mask, as "10.1.0.0/24" (a mask that is not a prefix:
 * "10.1.0.0/255.0.255.0"). */
static void put_ip4_net(struct out *o, const uint8_t *p)
{
	int plen = mask_len(p + 4);

	put_ip4(o, p);
	if (plen >= 0) {
		put(o, "/%d", plen);
	} else {
		put(o, "/");
		put_ip4(o, p + 4);
	}
}

/* false: a value this family cannot show (then it is shown as a string). */
static bool put_ip4_value(struct out *o, const struct wire_attr *a)
{
	struct in_addr in;

	if (!wire_cfg_ip4(a, &in))
		return false;
	put_ip4(o, (const uint8_t *)&in.s_addr);
	return true;
}

static bool put_ip6_value(struct out *o, struct cursor v)
{
	char s[INET6_ADDRSTRLEN];

	/* 16 bytes, or 17: an address or subnet and its prefix length */
	if (v.len != 16 && v.len != 17)
		return false;
	if (!inet_ntop(AF_INET6, v.p, s, sizeof(s)))
		return false;
	put(o, "%s", s);
	if (v.len == 17)
		put(o, "/%u", v.p[16]);
	return true;
}

/* SUPPORTED_ATTRIBUTES: a list of 2-byte types, shown by name. */
static bool put_list(struct out *o, struct cursor v)
{
	if (v.len % 2)
		return false;
	for (size_t i = 0; i < v.len; i += 2) {
		uint16_t t = get_u16(v.p + i) & ~ISAKMP_ATTR_AF;
		const struct attr_info *info = find_info(t);

		put(o, "%s", i ? "," : "");
		if (info)
			put(o, "%s", info->name);
		else
			put(o, "%u", t);
	}
	return true;
}

static bool put_unity(struct out *o, struct cursor v)
{
	struct cursor c = v;
	struct wire_unity_net n;
	bool first = true;

	if (v.len % WIRE_UNITY_NET_LEN)
		return false;
	while (wire_unity_net_next(&c, &n)) {
		uint8_t b[8];

		memcpy(b, &n.addr.s_addr, 4);
		memcpy(b + 4, &n.mask.s_addr, 4);
		put(o, "%s", first ? "" : ",");
		put_ip4_net(o, b);
		first = false;
	}
	return true;
}

static bool put_value(struct out *o, const struct wire_attr *a, enum family f)
{
	uint32_t v;

	switch (f) {
	case F_IP4:
		return put_ip4_value(o, a);
	case F_IP4_SUBNET:
		if (a->value.len != 8)
			return false;
		put_ip4_net(o, a->value.p);
		return true;
	case F_IP6:
		return put_ip6_value(o, a->value);
	case F_LIST:
		return put_list(o, a->value);
	case F_UNITY:
		return put_unity(o, a->value);
	case F_NUMBER:
		if (!wire_attr_u32(a, &v))
			return false;
		put(o, "%u", v);
		return true;
	default:
		return false;
	}
}

int wire_cfg_attr_str(const struct wire_attr *a, char *out, size_t len)
{
	const struct attr_info *info = find_info(a->type);
	struct out o = {out, len, 0, len == 0};
	enum family f = info ? info->family : F_STRING;

	if (info)
		put(&o, "%s", info->name);
	else
		put(&o, "UNKNOWN(%u)", a->type);
	if (f == F_SECRET) {
		put(&o, "=(%zu bytes)", a->tv ? (size_t)2 : a->value.len);
	} else if (a->tv) {
		put(&o, "=%u", a->tv_value);
	} else if (a->value.len) {
		put(&o, "=");
		if (!put_value(&o, a, f))
			put_string(&o, a->value);
	}
	/* An empty TLV (a REQUEST's) is its name alone. */
	return o.cut ? -ENOSPC : 0;
}
