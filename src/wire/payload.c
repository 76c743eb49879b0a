/* The non-SA payload bodies: ID, notify, delete, CERT/CR, NAT-OA and the
 * length rules of the raw ones (RFC 2408 3.7-3.15, RFC 2407 4.6.2, RFC
 * 2409 5, RFC 3947 5). */
#include "wire/payload.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NO_MAX	      SIZE_MAX

struct len_rule {
	uint8_t type;
	size_t min, max;
};

/* RFC 2407 4.6.2.x: identification data lengths. */
static const struct len_rule id_rules[] = {
	{ID_IPV4_ADDR, 4, 4},	     {ID_FQDN, 1, NO_MAX},	   {ID_USER_FQDN, 1, NO_MAX},
	{ID_IPV4_ADDR_SUBNET, 8, 8}, {ID_IPV6_ADDR, 16, 16},	   {ID_IPV6_ADDR_SUBNET, 32, 32},
	{ID_IPV4_ADDR_RANGE, 8, 8},  {ID_IPV6_ADDR_RANGE, 32, 32}, {ID_DER_ASN1_DN, 1, NO_MAX},
	{ID_DER_ASN1_GN, 1, NO_MAX}, {ID_KEY_ID, 1, NO_MAX},
};

/* RFC 3947 5.2: NAT-OA carries a single address. */
static const struct len_rule nat_oa_rules[] = {
	{ID_IPV4_ADDR, 4, 4},
	{ID_IPV6_ADDR, 16, 16},
};

/* RFC 2409 5: nonces are 8..256 bytes; the others must carry something. */
static const struct len_rule raw_rules[] = {
	{ISAKMP_PL_KE, 1, NO_MAX},	    {ISAKMP_PL_HASH, 1, NO_MAX},
	{ISAKMP_PL_SIG, 1, NO_MAX},	    {ISAKMP_PL_NONCE, 8, 256},
	{ISAKMP_PL_VID, 1, NO_MAX},	    {ISAKMP_PL_NAT_D, 1, NO_MAX},
	{ISAKMP_PL_NAT_D_DRAFT, 1, NO_MAX},
};

static const struct len_rule *find_rule(const struct len_rule *rules, size_t n, uint8_t type)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].type == type)
			return &rules[i];
	return NULL;
}

static bool len_ok(const struct len_rule *r, size_t len)
{
	return r && len >= r->min && len <= r->max;
}

int wire_check_raw(uint8_t type, struct cursor body)
{
	const struct len_rule *r = find_rule(raw_rules, ARRAY_SIZE(raw_rules), type);

	if (r && !len_ok(r, body.len))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	return 0;
}

int wire_parse_id(struct cursor body, struct wire_id *id)
{
	memset(id, 0, sizeof(*id));
	if (!cursor_u8(&body, &id->type) || !cursor_u8(&body, &id->proto) ||
	    !cursor_u16(&body, &id->port))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	id->data = body;
	if (!len_ok(find_rule(id_rules, ARRAY_SIZE(id_rules), id->type), body.len))
		return ISAKMP_N_INVALID_ID_INFORMATION;
	return 0;
}

int wire_add_id(struct wire_builder *w, uint8_t type, uint8_t proto, uint16_t port,
		const uint8_t *data, size_t len)
{
	size_t start;

	if (!len_ok(find_rule(id_rules, ARRAY_SIZE(id_rules), type), len))
		return -EINVAL;
	start = wire_payload_begin(w, ISAKMP_PL_ID);
	buf_put_u8(w->b, type);
	buf_put_u8(w->b, proto);
	buf_put_u16(w->b, port);
	buf_append(w->b, data, len);
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}

int wire_parse_notify(struct cursor body, struct wire_notify *n)
{
	memset(n, 0, sizeof(*n));
	if (!cursor_u32(&body, &n->doi) || !cursor_u8(&body, &n->proto) ||
	    !cursor_u8(&body, &n->spi_size) || !cursor_u16(&body, &n->type) ||
	    !cursor_sub(&body, n->spi_size, &n->spi))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	n->data = body;
	return 0;
}

int wire_add_notify(struct wire_builder *w, uint32_t doi, uint8_t proto, uint16_t type,
		    const uint8_t *spi, uint8_t spi_size, const uint8_t *data, size_t len)
{
	size_t start = wire_payload_begin(w, ISAKMP_PL_N);

	buf_put_u32(w->b, doi);
	buf_put_u8(w->b, proto);
	buf_put_u8(w->b, spi_size);
	buf_put_u16(w->b, type);
	buf_append(w->b, spi, spi_size);
	buf_append(w->b, data, len);
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}

int wire_parse_delete(struct cursor body, struct wire_delete *d)
{
	memset(d, 0, sizeof(*d));
	if (!cursor_u32(&body, &d->doi) || !cursor_u8(&body, &d->proto) ||
	    !cursor_u8(&body, &d->spi_size) || !cursor_u16(&body, &d->nspi))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	if (d->spi_size == 0 || d->nspi == 0 || body.len != (size_t)d->spi_size * d->nspi)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	d->spis = body;
	return 0;
}

int wire_add_delete(struct wire_builder *w, uint32_t doi, uint8_t proto, uint8_t spi_size,
		    const uint8_t *spis, uint16_t nspi)
{
	size_t start;

	if (spi_size == 0 || nspi == 0)
		return -EINVAL;
	start = wire_payload_begin(w, ISAKMP_PL_D);
	buf_put_u32(w->b, doi);
	buf_put_u8(w->b, proto);
	buf_put_u8(w->b, spi_size);
	buf_put_u16(w->b, nspi);
	buf_append(w->b, spis, (size_t)spi_size * nspi);
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}

int wire_parse_cert(struct cursor body, struct wire_cert *c)
{
	memset(c, 0, sizeof(*c));
	if (!cursor_u8(&body, &c->encoding))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	c->data = body;
	return 0;
}

int wire_add_cert(struct wire_builder *w, uint8_t type, uint8_t encoding, const uint8_t *data,
		  size_t len)
{
	size_t start;

	if (type != ISAKMP_PL_CERT && type != ISAKMP_PL_CR)
		return -EINVAL;
	start = wire_payload_begin(w, type);
	buf_put_u8(w->b, encoding);
	buf_append(w->b, data, len);
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}

int wire_parse_nat_oa(struct cursor body, struct wire_nat_oa *oa)
{
	uint8_t reserved1;
	uint16_t reserved2;

	memset(oa, 0, sizeof(*oa));
	if (!cursor_u8(&body, &oa->id_type) || !cursor_u8(&body, &reserved1) ||
	    !cursor_u16(&body, &reserved2))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	if (reserved1 != 0 || reserved2 != 0)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	oa->addr = body;
	if (!len_ok(find_rule(nat_oa_rules, ARRAY_SIZE(nat_oa_rules), oa->id_type), body.len))
		return ISAKMP_N_INVALID_ID_INFORMATION;
	return 0;
}

int wire_add_nat_oa(struct wire_builder *w, uint8_t type, uint8_t id_type, const uint8_t *addr,
		    size_t len)
{
	size_t start;

	if (type != ISAKMP_PL_NAT_OA && type != ISAKMP_PL_NAT_OA_DRAFT)
		return -EINVAL;
	if (!len_ok(find_rule(nat_oa_rules, ARRAY_SIZE(nat_oa_rules), id_type), len))
		return -EINVAL;
	start = wire_payload_begin(w, type);
	buf_put_u8(w->b, id_type);
	buf_put_u8(w->b, 0);
	buf_put_u16(w->b, 0);
	buf_append(w->b, addr, len);
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}
