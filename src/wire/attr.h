/* The ATTRIBUTE payload (payload 14) of the transaction exchange
 * (draft-ietf-ipsec-isakmp-mode-cfg-05 3.2), which carries XAUTH
 * (draft-ietf-ipsec-isakmp-xauth-06) and Mode Config, and the Cisco Unity
 * attributes in it.  Pure codec: no state, no I/O.  Numbers are in
 * wire/isakmp.h (ISAKMP_CFG_*, CFG_*). */
#ifndef OAKLEY_WIRE_ATTR_H
#define OAKLEY_WIRE_ATTR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/message.h"
#include "wire/payload.h"

/* type (1 byte), RESERVED (1), identifier (2), then data attributes (TV or
 * TLV, RFC 2408 3.3; a TLV may be empty: a REQUEST asks with empty values). */
struct wire_cfg {
	uint8_t type;	     /* ISAKMP_CFG_REQUEST ... ACK */
	uint16_t id;	     /* a REPLY echoes its REQUEST's, an ACK its SET's */
	struct cursor attrs; /* walk with wire_attr_next (payload.h) */
};
/* Body < 4 bytes, or attributes that do not parse exactly to its end ->
 * PAYLOAD_MALFORMED; a type other than 1..4 -> PAYLOAD_MALFORMED.
 * RESERVED is not checked (peers send junk there). */
int wire_parse_cfg(struct cursor body, struct wire_cfg *cfg);

/* One attribute to build.  tv: a TV attribute with value (types that the
 * drafts define as basic: XAUTH_TYPE, XAUTH_STATUS, UNITY_SAVE_PASSWD,
 * ...); else a TLV with len bytes of data (len 0: an empty value, as a
 * REQUEST sends). */
struct wire_cfg_attr_spec {
	uint16_t type;
	bool tv;
	uint16_t value;
	const uint8_t *data;
	size_t len;
};
/* An ATTRIBUTE payload.  -EINVAL: type not 1..4, n > WIRE_CFG_MAX_ATTRS, a
 * TLV longer than 65535 bytes (or with len but no data), an attribute type
 * above 0x7fff; -ENOMEM. */
#define WIRE_CFG_MAX_ATTRS 64
int wire_add_cfg(struct wire_builder *w, uint8_t type, uint16_t id,
		 const struct wire_cfg_attr_spec *attrs, unsigned n);

/* Whether the drafts define attribute type as basic (TV).  A peer that sends
 * a basic one as TLV (or the reverse) is taken when wire_attr_u32 reads it. */
bool wire_cfg_attr_is_tv(uint16_t type);

/* An IPv4 attribute's value: INTERNAL_IP4_ADDRESS, _NETMASK, _DNS, _NBNS,
 * _DHCP (4 bytes; an ADDRESS may carry a 4-byte netmask after it, as
 * mode-cfg-05 allows: taken, mask ignored).  false: TV, empty, or not 4
 * bytes (8 for an ADDRESS). */
bool wire_cfg_ip4(const struct wire_attr *a, struct in_addr *out);
/* INTERNAL_IP4_SUBNET: address and mask (8 bytes). */
bool wire_cfg_ip4_subnet(const struct wire_attr *a, struct in_addr *addr, struct in_addr *mask);

/* Cisco Unity UNITY_SPLIT_INCLUDE / UNITY_LOCAL_LAN: a TLV of fixed-size
 * entries (network, mask, then protocol and ports, zero), as vpnc and
 * strongSwan's unity plugin read and write them. */
#define WIRE_UNITY_NET_LEN 14
struct wire_unity_net {
	struct in_addr addr, mask;
};
/* The next entry off c; false at its end or when fewer than
 * WIRE_UNITY_NET_LEN bytes are left (the rest is ignored; c is not moved).
 * Layout and what vpnc and strongSwan do with it: wire/attr.c. */
bool wire_unity_net_next(struct cursor *c, struct wire_unity_net *n);
/* Writes one entry into out[WIRE_UNITY_NET_LEN]. */
void wire_unity_net_put(uint8_t out[WIRE_UNITY_NET_LEN], const struct wire_unity_net *n);

/* Names for logs: "REQUEST" ..., "INTERNAL_IP4_ADDRESS", "XAUTH_USER_NAME",
 * "UNITY_SPLIT_INCLUDE" ...; "UNKNOWN" for numbers without one. */
const char *wire_cfg_name(uint8_t type);
const char *wire_cfg_attr_name(uint16_t type);
/* "NAME=value" for a log line or capture note: addresses dotted, strings
 * printable (other bytes \xHH), numbers in decimal, a split include as
 * "10.1.0.0/24,10.2.0.0/16"; XAUTH_USER_PASSWORD, _PASSCODE and _ANSWER
 * as "NAME=(N bytes)" whatever their value (and XAUTH_NEXT_PIN, a new PIN);
 * an empty TLV as "NAME" alone; a type without a name as "UNKNOWN(N)=...";
 * a value its type cannot have (a 5-byte address) as a string.  0 or
 * -ENOSPC (truncated). */
int wire_cfg_attr_str(const struct wire_attr *a, char *out, size_t len);

#endif
