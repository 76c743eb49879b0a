/* ISAKMP header and payload chain (RFC 2408 3.1, 3.2, 5.1, 5.2). */
#include "wire/message.h"

#include <errno.h>
#include <string.h>

int wire_parse_header(const uint8_t *msg, size_t len, struct isakmp_hdr *h)
{
	struct cursor c = cursor_make(msg, len);

	memset(h, 0, sizeof(*h));
	if (len < ISAKMP_HDR_LEN)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	/* Cannot fail: len >= 28 was checked. */
	cursor_bytes(&c, h->icookie, ISAKMP_COOKIE_LEN);
	cursor_bytes(&c, h->rcookie, ISAKMP_COOKIE_LEN);
	cursor_u8(&c, &h->next_payload);
	cursor_u8(&c, &h->version);
	cursor_u8(&c, &h->exchange);
	cursor_u8(&c, &h->flags);
	cursor_u32(&c, &h->msgid);
	cursor_u32(&c, &h->length);

	if (h->length < ISAKMP_HDR_LEN)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	if (h->length != len)
		return ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS;
	if ((h->version >> 4) != (ISAKMP_VERSION >> 4))
		return ISAKMP_N_INVALID_MAJOR_VERSION;
	return 0;
}

void wire_put_header(uint8_t *out, const struct isakmp_hdr *h)
{
	memcpy(out, h->icookie, ISAKMP_COOKIE_LEN);
	memcpy(out + 8, h->rcookie, ISAKMP_COOKIE_LEN);
	out[16] = h->next_payload;
	out[17] = h->version;
	out[18] = h->exchange;
	out[19] = h->flags;
	put_u32(out + 20, h->msgid);
	put_u32(out + 24, h->length);
}

bool wire_payload_known(uint8_t type)
{
	switch (type) {
	case ISAKMP_PL_SA:
	case ISAKMP_PL_KE:
	case ISAKMP_PL_ID:
	case ISAKMP_PL_CERT:
	case ISAKMP_PL_CR:
	case ISAKMP_PL_HASH:
	case ISAKMP_PL_SIG:
	case ISAKMP_PL_NONCE:
	case ISAKMP_PL_N:
	case ISAKMP_PL_D:
	case ISAKMP_PL_VID:
	case ISAKMP_PL_ATTR:
	case ISAKMP_PL_NAT_D:
	case ISAKMP_PL_NAT_OA:
	case ISAKMP_PL_NAT_D_DRAFT:
	case ISAKMP_PL_NAT_OA_DRAFT:
		return true;
	default:
		/* P and T live inside an SA only; the rest is unassigned. */
		return false;
	}
}

/* Reads one generic payload of the given type off c into p; *next gets
 * its next-payload byte. */
static int parse_generic(struct cursor *c, uint8_t type, struct wire_payload *p, uint8_t *next)
{
	const uint8_t *start = c->p;
	struct cursor pc;
	uint8_t reserved;
	uint16_t len;

	if (!wire_payload_known(type))
		return ISAKMP_N_INVALID_PAYLOAD_TYPE;
	if (c->len < ISAKMP_GENERIC_LEN)
		return ISAKMP_N_PAYLOAD_MALFORMED; /* the chain does not end */
	len = get_u16(start + 2);
	if (len < ISAKMP_GENERIC_LEN || !cursor_sub(c, len, &pc))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	cursor_u8(&pc, next);
	cursor_u8(&pc, &reserved);
	cursor_skip(&pc, 2);
	if (reserved != 0)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	p->type = type;
	p->start = start;
	p->len = len;
	p->body = pc;
	return 0;
}

/* Libreswan pads a cleartext message to a multiple of 4 bytes with zeros
 * after its last payload (seen in its MM4 with a CR payload). */
static bool zero_padding(const uint8_t *p, size_t len)
{
	if (len > 3)
		return false;
	while (len--)
		if (p[len])
			return false;
	return true;
}

int wire_parse_chain(uint8_t first, const uint8_t *body, size_t len, bool allow_trailing,
		     struct wire_payloads *out)
{
	struct cursor c = cursor_make(body, len);
	uint8_t type = first;
	int err;

	out->n = 0;
	while (type != ISAKMP_PL_NONE) {
		if (out->n == WIRE_MAX_PAYLOADS)
			return ISAKMP_N_PAYLOAD_MALFORMED;
		err = parse_generic(&c, type, &out->p[out->n], &type);
		if (err)
			return err;
		out->n++;
	}
	if (c.len && !allow_trailing && !zero_padding(c.p, c.len))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	return 0;
}

const struct wire_payload *wire_find(const struct wire_payloads *pl, uint8_t type)
{
	for (unsigned i = 0; i < pl->n; i++)
		if (pl->p[i].type == type)
			return &pl->p[i];
	return NULL;
}

unsigned wire_count(const struct wire_payloads *pl, uint8_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < pl->n; i++)
		n += pl->p[i].type == type;
	return n;
}

void wire_build_start(struct wire_builder *w, struct buf *b, const struct isakmp_hdr *h)
{
	struct isakmp_hdr hh = *h;
	uint8_t *p;

	w->b = b;
	w->hdr_off = b->len;
	w->next_off = b->len + 16;
	hh.next_payload = ISAKMP_PL_NONE;
	hh.length = 0;
	if (!hh.version)
		hh.version = ISAKMP_VERSION;
	p = buf_reserve(b, ISAKMP_HDR_LEN);
	if (p)
		wire_put_header(p, &hh);
}

size_t wire_payload_begin(struct wire_builder *w, uint8_t type)
{
	struct buf *b = w->b;
	size_t start = b->len;

	if (!buf_reserve(b, ISAKMP_GENERIC_LEN))
		return start;
	if (w->next_off < b->len)
		b->data[w->next_off] = type;
	/* Our own next-payload byte is the first of our generic header. */
	w->next_off = start;
	return start;
}

void wire_payload_end(struct wire_builder *w, size_t start)
{
	size_t len = w->b->len - start;

	/* An oversized payload makes an oversized message, which
	 * wire_build_finish refuses; the truncated length never leaves. */
	buf_set_u16(w->b, start + 2, len > 0xffff ? 0xffff : (uint16_t)len);
}

int wire_build_finish(struct wire_builder *w)
{
	size_t len;

	if (w->b->failed)
		return -ENOMEM;
	len = w->b->len - w->hdr_off;
	if (len > ISAKMP_MAX_MSG)
		return -EMSGSIZE;
	buf_set_u32(w->b, w->hdr_off + 24, (uint32_t)len);
	return 0;
}

int wire_add_raw(struct wire_builder *w, uint8_t type, const uint8_t *data, size_t len)
{
	size_t start = wire_payload_begin(w, type);

	buf_append(w->b, data, len);
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}
