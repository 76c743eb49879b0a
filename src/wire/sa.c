/* SA payload, proposals, transforms and data attributes (RFC 2408 3.3-3.6,
 * 5.4-5.5; RFC 2407 4.6.1). */
#include "wire/payload.h"

#include <errno.h>
#include <string.h>

#define PROPOSAL_HDR_LEN  8 /* generic header, #, protocol, SPI size, #transforms */
#define TRANSFORM_HDR_LEN 8 /* generic header, #, id, RESERVED2 */
#define ARRAY_SIZE(a)	  (sizeof(a) / sizeof((a)[0]))

int wire_attr_next(struct cursor *c, struct wire_attr *a)
{
	uint16_t type, lv;

	memset(a, 0, sizeof(*a));
	if (!cursor_u16(c, &type) || !cursor_u16(c, &lv))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	a->type = type & ~ISAKMP_ATTR_AF;
	a->tv = type & ISAKMP_ATTR_AF;
	if (a->tv) {
		a->tv_value = lv;
		a->value = cursor_make(NULL, 0);
		return 0;
	}
	if (!cursor_sub(c, lv, &a->value))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	return 0;
}

bool wire_attr_u32(const struct wire_attr *a, uint32_t *v)
{
	const uint8_t *p = a->value.p;
	size_t n = a->value.len;
	uint32_t x = 0;

	if (a->tv) {
		*v = a->tv_value;
		return true;
	}
	if (n == 0)
		return false;
	for (; n > 4; n--, p++)
		if (*p != 0)
			return false;
	for (; n > 0; n--, p++)
		x = x << 8 | *p;
	*v = x;
	return true;
}

int wire_parse_sa(struct cursor body, struct wire_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (!cursor_u32(&body, &sa->doi) || !cursor_u32(&body, &sa->situation))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	if (sa->doi != IPSEC_DOI)
		return ISAKMP_N_DOI_NOT_SUPPORTED;
	/* RFC 2407 4.6.1: only SIT_IDENTITY_ONLY has no labeled-domain fields
	 * after it; secrecy and integrity situations are not supported. */
	if (sa->situation != IPSEC_SIT_IDENTITY_ONLY)
		return ISAKMP_N_SITUATION_NOT_SUPPORTED;
	if (body.len == 0)
		return ISAKMP_N_BAD_PROPOSAL_SYNTAX;
	sa->proposals = body;
	return 0;
}

/* The substructure generic header shared by proposals and transforms:
 * splits the whole substructure off c into *sub (positioned after the
 * generic header) and checks that its next-payload byte says `more` when
 * bytes follow and 0 when it is the last. */
static int substructure(struct cursor *c, uint8_t more, size_t min_len, struct cursor *sub)
{
	uint8_t next, reserved;
	uint16_t len;

	if (c->len < min_len)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	next = c->p[0];
	reserved = c->p[1];
	len = get_u16(c->p + 2);
	if (len < min_len || !cursor_sub(c, len, sub))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	cursor_skip(sub, ISAKMP_GENERIC_LEN);
	if (reserved != 0)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	if (next != (c->len ? more : ISAKMP_PL_NONE))
		return ISAKMP_N_BAD_PROPOSAL_SYNTAX;
	return 0;
}

int wire_transform_next(struct cursor *c, struct wire_transform *t)
{
	struct cursor sub, attrs;
	struct wire_attr a;
	uint16_t reserved2;
	int err;

	memset(t, 0, sizeof(*t));
	err = substructure(c, ISAKMP_PL_T, TRANSFORM_HDR_LEN, &sub);
	if (err)
		return err;
	cursor_u8(&sub, &t->num);
	cursor_u8(&sub, &t->id);
	cursor_u16(&sub, &reserved2);
	if (reserved2 != 0)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	/* Walk the attributes once here so callers only meet whole ones. */
	for (attrs = sub; attrs.len;) {
		err = wire_attr_next(&attrs, &a);
		if (err)
			return err;
	}
	t->attrs = sub;
	return 0;
}

int wire_proposal_next(struct cursor *c, struct wire_proposal *p)
{
	struct cursor sub, ts;
	struct wire_transform t;
	unsigned n = 0;
	int err;

	memset(p, 0, sizeof(*p));
	err = substructure(c, ISAKMP_PL_P, PROPOSAL_HDR_LEN, &sub);
	if (err)
		return err;
	cursor_u8(&sub, &p->num);
	cursor_u8(&sub, &p->proto);
	cursor_u8(&sub, &p->spi_size);
	cursor_u8(&sub, &p->ntransforms);
	if (p->spi_size > sizeof(p->spi))
		return ISAKMP_N_INVALID_SPI;
	if (!cursor_bytes(&sub, p->spi, p->spi_size))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	/* Validate every transform now, so that the count can be checked and
	 * callers walking them later meet no surprises. */
	for (ts = sub; ts.len; n++) {
		err = wire_transform_next(&ts, &t);
		if (err)
			return err;
	}
	if (n == 0 || n != p->ntransforms)
		return ISAKMP_N_BAD_PROPOSAL_SYNTAX;
	p->transforms = sub;
	return 0;
}

static void put_attr(struct buf *b, const struct wire_attr_spec *a)
{
	if (a->value <= 0xffff) {
		buf_put_u16(b, a->type | ISAKMP_ATTR_AF);
		buf_put_u16(b, (uint16_t)a->value);
	} else {
		buf_put_u16(b, a->type & ~ISAKMP_ATTR_AF);
		buf_put_u16(b, 4);
		buf_put_u32(b, a->value);
	}
}

/* Appends a proposal or transform substructure header (length patched by
 * the caller through its returned offset). */
static size_t put_substructure(struct buf *b, uint8_t next)
{
	size_t start = b->len;

	buf_put_u8(b, next);
	buf_put_u8(b, 0);
	buf_put_u16(b, 0);
	return start;
}

static void patch_length(struct buf *b, size_t start)
{
	size_t len = b->len - start;

	buf_set_u16(b, start + 2, len > 0xffff ? 0xffff : (uint16_t)len);
}

static void put_transform(struct buf *b, const struct wire_transform_spec *t, bool last)
{
	size_t start = put_substructure(b, last ? ISAKMP_PL_NONE : ISAKMP_PL_T);

	buf_put_u8(b, t->num);
	buf_put_u8(b, t->id);
	buf_put_u16(b, 0);
	for (unsigned i = 0; i < t->nattrs; i++)
		put_attr(b, &t->attrs[i]);
	patch_length(b, start);
}

static void put_proposal(struct buf *b, const struct wire_proposal_spec *p, bool last)
{
	size_t start = put_substructure(b, last ? ISAKMP_PL_NONE : ISAKMP_PL_P);

	buf_put_u8(b, p->num);
	buf_put_u8(b, p->proto);
	buf_put_u8(b, p->spi_size);
	buf_put_u8(b, (uint8_t)p->ntransforms);
	buf_append(b, p->spi, p->spi_size);
	for (unsigned i = 0; i < p->ntransforms; i++)
		put_transform(b, &p->transforms[i], i + 1 == p->ntransforms);
	patch_length(b, start);
}

static bool proposal_spec_ok(const struct wire_proposal_spec *p)
{
	if (p->spi_size > sizeof(p->spi) || p->ntransforms == 0 || p->ntransforms > 255 ||
	    !p->transforms)
		return false;
	for (unsigned i = 0; i < p->ntransforms; i++)
		if (p->transforms[i].nattrs > ARRAY_SIZE(p->transforms[i].attrs))
			return false;
	return true;
}

int wire_add_sa(struct wire_builder *w, uint32_t doi, uint32_t situation,
		const struct wire_proposal_spec *props, unsigned nprops)
{
	size_t start;

	if (nprops == 0 || !props)
		return -EINVAL;
	for (unsigned i = 0; i < nprops; i++)
		if (!proposal_spec_ok(&props[i]))
			return -EINVAL;
	start = wire_payload_begin(w, ISAKMP_PL_SA);
	buf_put_u32(w->b, doi);
	buf_put_u32(w->b, situation);
	for (unsigned i = 0; i < nprops; i++)
		put_proposal(w->b, &props[i], i + 1 == nprops);
	wire_payload_end(w, start);
	return w->b->failed ? -ENOMEM : 0;
}
