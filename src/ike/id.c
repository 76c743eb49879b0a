#include "ike/id.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/x509.h"
#include "net/sockaddr.h"
#include "wire/isakmp.h"

int id_add_phase1(struct wire_builder *w, const struct conf_id *id, size_t *body_off,
		  size_t *body_len)
{
	size_t start = w->b->len;
	int err;

	/* Protocol and port zero, as strongSwan sends them; any is accepted. */
	err = wire_add_id(w, id->type, 0, 0, id->data, id->len);
	if (err)
		return err;
	*body_off = start + ISAKMP_GENERIC_LEN;
	*body_len = w->b->len - *body_off;
	return 0;
}

void id_from_address(struct conf_id *id, const struct sockaddr *ss)
{
	size_t len = 0;
	const void *p = sockaddr_addr((const struct sockaddr *)ss, &len);

	memset(id, 0, sizeof(*id));
	id->type = ss->sa_family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
	if (p) {
		memcpy(id->data, p, len);
		id->len = (uint8_t)len;
	}
}

bool id_phase1_matches(const struct conf_id *want, const struct wire_id *got)
{
	if (want->type == CONF_ID_ANY)
		return true;
	/* strongSwan's rule: the same RDNs in order, '*' values match any. */
	if (want->type == ID_DER_ASN1_DN && got->type == ID_DER_ASN1_DN)
		return x509_dn_match(got->data.p, got->data.len, want->data, want->len);
	/* Names compare without case, as DNS does and strongSwan does. */
	if ((want->type == ID_FQDN || want->type == ID_USER_FQDN) && want->type == got->type)
		return want->len == got->data.len &&
		       !strncasecmp((const char *)want->data, (const char *)got->data.p, want->len);
	return want->type == got->type && want->len == got->data.len &&
	       !memcmp(want->data, got->data.p, want->len);
}

void id_phase1_str(const struct wire_id *id, char *out, size_t len)
{
	struct conf_id c = {.type = id->type};

	c.len = (uint8_t)(id->data.len < sizeof(c.data) ? id->data.len : sizeof(c.data));
	memcpy(c.data, id->data.p, c.len);
	if (id->type == ID_DER_ASN1_DN && x509_dn_str(id->data.p, id->data.len, out, len) >= 0)
		return;
	if (conf_id_str(&c, out, len) < 0)
		snprintf(out, len, "(ID type %u)", id->type);
}

static unsigned addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void prefix_mask(uint8_t *mask, unsigned bytes, unsigned plen)
{
	unsigned i;

	for (i = 0; i < bytes; i++) {
		unsigned bits = plen > 8 * i ? plen - 8 * i : 0;

		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

int id_add_ts(struct wire_builder *w, const struct conf_ts *ts)
{
	unsigned alen = addr_len(ts->addr.family);
	uint8_t data[32];
	uint8_t type;

	memcpy(data, ts->addr.a.b, alen);
	if (ts->prefixlen == 8 * alen) {
		type = ts->addr.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		return wire_add_id(w, type, ts->proto, ts->port, data, alen);
	}
	type = ts->addr.family == AF_INET ? ID_IPV4_ADDR_SUBNET : ID_IPV6_ADDR_SUBNET;
	prefix_mask(data + alen, alen, ts->prefixlen);
	return wire_add_id(w, type, ts->proto, ts->port, data, 2 * alen);
}

/* A netmask must be contiguous ones; returns its prefix length or -1. */
static int mask_prefix(const uint8_t *mask, unsigned bytes)
{
	unsigned i, plen = 0;
	bool zeros = false;

	for (i = 0; i < 8 * bytes; i++) {
		bool one = mask[i / 8] & (0x80 >> (i % 8));

		if (one && zeros)
			return -1;
		if (one)
			plen++;
		else
			zeros = true;
	}
	return (int)plen;
}

/* A range start..end that is exactly one prefix (10.1.0.0-10.1.0.255 is
 * 10.1.0.0/24): its length, or -1.  Kernel selectors are prefixes, so a
 * range that is not one cannot be installed as it was meant. */
static int range_prefix(const uint8_t *start, const uint8_t *end, unsigned bytes)
{
	unsigned plen = 0, i;

	/* The common leading bits, then all zeros in start and all ones in end. */
	while (plen < 8 * bytes && ((start[plen / 8] ^ end[plen / 8]) & (0x80 >> (plen % 8))) == 0)
		plen++;
	for (i = plen; i < 8 * bytes; i++) {
		uint8_t bit = 0x80 >> (i % 8);

		if ((start[i / 8] & bit) || !(end[i / 8] & bit))
			return -1;
	}
	return (int)plen;
}

int id_to_ts(const struct wire_id *id, struct conf_ts *ts)
{
	unsigned alen;
	int plen;

	memset(ts, 0, sizeof(*ts));
	switch (id->type) {
	case ID_IPV4_ADDR:
	case ID_IPV4_ADDR_SUBNET:
	case ID_IPV4_ADDR_RANGE:
		ts->addr.family = AF_INET;
		break;
	case ID_IPV6_ADDR:
	case ID_IPV6_ADDR_SUBNET:
	case ID_IPV6_ADDR_RANGE:
		ts->addr.family = AF_INET6;
		break;
	default:
		return ISAKMP_N_INVALID_ID_INFORMATION;
	}
	alen = addr_len(ts->addr.family);
	if (id->data.len < alen)
		return ISAKMP_N_INVALID_ID_INFORMATION;
	memcpy(ts->addr.a.b, id->data.p, alen);
	ts->prefixlen = (uint8_t)(8 * alen);
	if (id->type == ID_IPV4_ADDR_SUBNET || id->type == ID_IPV6_ADDR_SUBNET) {
		unsigned i;

		if (id->data.len != 2 * alen)
			return ISAKMP_N_INVALID_ID_INFORMATION;
		plen = mask_prefix(id->data.p + alen, alen);
		if (plen < 0)
			return ISAKMP_N_INVALID_ID_INFORMATION;
		ts->prefixlen = (uint8_t)plen;
		for (i = 0; i < alen; i++)
			ts->addr.a.b[i] &= id->data.p[alen + i];
	}
	if (id->type == ID_IPV4_ADDR_RANGE || id->type == ID_IPV6_ADDR_RANGE) {
		if (id->data.len != 2 * alen)
			return ISAKMP_N_INVALID_ID_INFORMATION;
		plen = range_prefix(id->data.p, id->data.p + alen, alen);
		if (plen < 0)
			return ISAKMP_N_INVALID_ID_INFORMATION;
		ts->prefixlen = (uint8_t)plen;
	}
	ts->proto = id->proto;
	ts->port = id->port;
	return 0;
}

bool ts_covers(const struct conf_ts *outer, const struct conf_ts *inner)
{
	uint8_t mask[16];
	unsigned i, alen;

	if (outer->addr.family != inner->addr.family || inner->prefixlen < outer->prefixlen)
		return false;
	if (outer->proto && outer->proto != inner->proto)
		return false;
	if (outer->port && outer->port != inner->port)
		return false;
	alen = addr_len(outer->addr.family);
	prefix_mask(mask, alen, outer->prefixlen);
	for (i = 0; i < alen; i++)
		if ((outer->addr.a.b[i] ^ inner->addr.a.b[i]) & mask[i])
			return false;
	return true;
}

bool ts_equal(const struct conf_ts *a, const struct conf_ts *b)
{
	return ts_covers(a, b) && ts_covers(b, a);
}

void ts_str(const struct conf_ts *ts, char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (conf_addr_str(&ts->addr, addr, sizeof(addr)) < 0)
		snprintf(addr, sizeof(addr), "?");
	n = snprintf(out, len, "%s/%u", addr, ts->prefixlen);
	if ((ts->proto || ts->port) && n > 0 && (size_t)n < len)
		snprintf(out + n, len - (size_t)n, "[%u/%u]", ts->proto, ts->port);
}

void ts_host(struct conf_ts *ts, const struct sockaddr *ss)
{
	size_t len = 0;
	const void *p = sockaddr_addr((const struct sockaddr *)ss, &len);

	memset(ts, 0, sizeof(*ts));
	ts->addr.family = ss->sa_family;
	if (p)
		memcpy(ts->addr.a.b, p, len);
	ts->prefixlen = (uint8_t)(8 * len);
}
