/* The ATTRIBUTE payload (draft-ietf-ipsec-isakmp-mode-cfg-05 3.2) and the
 * values of its attributes; names and log strings are in attr_str.c.
 *
 * Which attributes are basic (TV):
 * - xauth-06 5: XAUTH_TYPE and XAUTH_STATUS are "Basic"; USER_NAME,
 *   USER_PASSWORD, PASSCODE, MESSAGE, CHALLENGE, DOMAIN, NEXT_PIN and
 *   ANSWER are "Variable".
 * - mode-cfg-05 3.3: every Mode Config attribute is variable, including
 *   INTERNAL_ADDRESS_EXPIRY ("0 or 4 octets", as strongSwan's
 *   configuration_attribute.c checks it).
 * - Cisco Unity: SAVE_PASSWD, NATT_PORT and PFS are basic: vpnc refuses
 *   PFS and NATT_PORT in a REPLY unless they are TV (vpnc.c), and strongSwan
 *   and vpnc read SAVE_PASSWD as a 16-bit value.  The others are variable.
 *
 * Cisco Unity split entries (UNITY_SPLIT_INCLUDE, UNITY_LOCAL_LAN): each
 * is 14 bytes, the network (4) and mask (4) in network order, then
 * protocol (2), source port (2) and destination port (2).  vpnc reads
 * the last three as 16-bit big-endian numbers (isakmp-pkt.c) and refuses
 * a value that is not a whole number of entries; strongSwan's unity plugin
 * writes them as 6 zero bytes (unity_provider.c: the Cisco client reads
 * protocol and source port in network order, the destination port in host
 * order) and reads a last entry of 8..13 bytes too (unity_handler.c:
 * "the padding is optional").  We write zeros, as strongSwan does. */
#include "wire/attr.h"

#include <errno.h>
#include <string.h>

int wire_parse_cfg(struct cursor body, struct wire_cfg *cfg)
{
	struct cursor attrs;
	struct wire_attr a;
	uint8_t reserved;

	memset(cfg, 0, sizeof(*cfg));
	if (!cursor_u8(&body, &cfg->type) || !cursor_u8(&body, &reserved) ||
	    !cursor_u16(&body, &cfg->id))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	if (cfg->type < ISAKMP_CFG_REQUEST || cfg->type > ISAKMP_CFG_ACK)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	attrs = body;
	while (attrs.len)
		if (wire_attr_next(&attrs, &a))
			return ISAKMP_N_PAYLOAD_MALFORMED;
	cfg->attrs = body;
	return 0;
}

static bool spec_ok(const struct wire_cfg_attr_spec *s)
{
	if (s->type & ISAKMP_ATTR_AF)
		return false; /* 15 bits of type */
	if (s->tv)
		return true;
	return s->len <= 0xffff && (s->data || s->len == 0);
}

int wire_add_cfg(struct wire_builder *w, uint8_t type, uint16_t id,
		 const struct wire_cfg_attr_spec *attrs, unsigned n)
{
	size_t start;

	if (type < ISAKMP_CFG_REQUEST || type > ISAKMP_CFG_ACK || n > WIRE_CFG_MAX_ATTRS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!spec_ok(&attrs[i]))
			return -EINVAL;
	start = wire_payload_begin(w, ISAKMP_PL_ATTR);
	buf_put_u8(w->b, type);
	buf_put_u8(w->b, 0);
	buf_put_u16(w->b, id);
	for (unsigned i = 0; i < n; i++) {
		const struct wire_cfg_attr_spec *s = &attrs[i];

		if (s->tv) {
			buf_put_u16(w->b, s->type | ISAKMP_ATTR_AF);
			buf_put_u16(w->b, s->value);
			continue;
		}
		buf_put_u16(w->b, s->type);
		buf_put_u16(w->b, (uint16_t)s->len);
		if (s->len)
			buf_append(w->b, s->data, s->len);
	}
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}

bool wire_cfg_attr_is_tv(uint16_t type)
{
	switch (type) {
	case CFG_XAUTH_TYPE:
	case CFG_XAUTH_STATUS:
	case CFG_UNITY_SAVE_PASSWD:
	case CFG_UNITY_NATT_PORT:
	case CFG_UNITY_PFS:
		return true;
	default:
		return false;
	}
}

bool wire_cfg_ip4(const struct wire_attr *a, struct in_addr *out)
{
	size_t len = a->value.len;

	if (a->tv)
		return false;
	/* 8 bytes only for an address: mode-cfg-05 lets it carry its mask. */
	if (len != 4 && !(len == 8 && a->type == CFG_INTERNAL_IP4_ADDRESS))
		return false;
	memcpy(&out->s_addr, a->value.p, 4);
	return true;
}

bool wire_cfg_ip4_subnet(const struct wire_attr *a, struct in_addr *addr, struct in_addr *mask)
{
	if (a->tv || a->value.len != 8)
		return false;
	memcpy(&addr->s_addr, a->value.p, 4);
	memcpy(&mask->s_addr, a->value.p + 4, 4);
	return true;
}

bool wire_unity_net_next(struct cursor *c, struct wire_unity_net *n)
{
	if (c->len < WIRE_UNITY_NET_LEN)
		return false; /* c is left as it is: the caller may log the rest */
	cursor_bytes(c, &n->addr.s_addr, 4);
	cursor_bytes(c, &n->mask.s_addr, 4);
	cursor_skip(c, WIRE_UNITY_NET_LEN - 8); /* protocol, ports */
	return true;
}

void wire_unity_net_put(uint8_t out[WIRE_UNITY_NET_LEN], const struct wire_unity_net *n)
{
	memcpy(out, &n->addr.s_addr, 4);
	memcpy(out + 4, &n->mask.s_addr, 4);
	memset(out + 8, 0, WIRE_UNITY_NET_LEN - 8);
}
