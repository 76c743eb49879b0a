/* libFuzzer target for the ISAKMP codec: the header, the payload chain
 * (with and without trailing padding), and every payload body with its
 * parser, SA down to the attributes, ATTRIBUTE (14) down to each
 * attribute's value and log string.  A chain that parses cleanly must
 * also rebuild to the very same bytes; so must an IKEv1 fragment
 * (payload 132) and an ATTRIBUTE payload. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/attr.h"
#include "wire/frag.h"
#include "wire/message.h"
#include "wire/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t sink;

static void touch(struct cursor c)
{
	/* Reads every byte the parser handed out: ASan checks they are ours. */
	for (size_t i = 0; i < c.len; i++)
		sink += c.p[i];
}

static void walk_sa(struct cursor body)
{
	struct wire_sa sa;
	struct wire_proposal p;
	struct wire_transform t;
	struct wire_attr a;
	uint32_t v;

	if (wire_parse_sa(body, &sa))
		return;
	while (sa.proposals.len) {
		if (wire_proposal_next(&sa.proposals, &p))
			return;
		touch(cursor_make(p.spi, p.spi_size));
		while (p.transforms.len) {
			/* wire_proposal_next validated them all: no error here. */
			if (wire_transform_next(&p.transforms, &t))
				abort();
			while (t.attrs.len) {
				if (wire_attr_next(&t.attrs, &a))
					abort();
				touch(a.value);
				if (wire_attr_u32(&a, &v))
					sink += v;
			}
		}
	}
}

/* One attribute's value as every reader takes it, and its log string
 * whole and cut short: always terminated inside the buffer. */
static void walk_cfg_attr(const struct wire_attr *a)
{
	static const size_t lens[] = {512, 24, 1};
	struct wire_unity_net n;
	struct in_addr in, mask;
	struct cursor c;
	char out[512];
	uint32_t v;

	touch(a->value);
	if (wire_cfg_ip4(a, &in))
		sink += in.s_addr;
	if (wire_cfg_ip4_subnet(a, &in, &mask))
		sink += in.s_addr ^ mask.s_addr;
	if (wire_attr_u32(a, &v))
		sink += v;
	c = a->value;
	while (wire_unity_net_next(&c, &n))
		sink += n.addr.s_addr ^ n.mask.s_addr;
	if (c.len >= WIRE_UNITY_NET_LEN)
		abort();
	sink += wire_cfg_attr_is_tv(a->type);
	sink += (uintptr_t)wire_cfg_attr_name(a->type);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int r = wire_cfg_attr_str(a, out, lens[i]);

		if ((r != 0 && r != -ENOSPC) || strnlen(out, lens[i]) >= lens[i])
			abort();
		sink += (uint8_t)out[0];
	}
}

/* A clean ATTRIBUTE payload rebuilds to its own bytes (RESERVED aside:
 * it is written as zero). */
static void rebuild_cfg(struct cursor body, const struct wire_cfg *cfg)
{
	struct wire_cfg_attr_spec specs[WIRE_CFG_MAX_ATTRS];
	struct isakmp_hdr h = {0};
	struct cursor c = cfg->attrs;
	struct wire_builder w;
	struct wire_attr a;
	unsigned n = 0;
	struct buf b;

	if (body.p[1] != 0)
		return;
	while (c.len) {
		if (n == WIRE_CFG_MAX_ATTRS)
			return;
		if (wire_attr_next(&c, &a))
			abort();
		specs[n++] = (struct wire_cfg_attr_spec){a.type, a.tv, a.tv_value, a.value.p,
							 a.value.len};
	}
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	if (wire_add_cfg(&w, cfg->type, cfg->id, specs, n))
		abort();
	if (b.len != ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN + body.len ||
	    memcmp(b.data + ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN, body.p, body.len) != 0)
		abort();
	buf_free(&b);
}

static void walk_cfg(struct cursor body)
{
	struct wire_cfg cfg;
	struct wire_attr a;
	struct cursor c;

	if (wire_parse_cfg(body, &cfg))
		return;
	sink += (uintptr_t)wire_cfg_name(cfg.type);
	c = cfg.attrs;
	while (c.len) {
		/* wire_parse_cfg checked them all: no error here. */
		if (wire_attr_next(&c, &a))
			abort();
		walk_cfg_attr(&a);
	}
	rebuild_cfg(body, &cfg);
}

static void walk_payload(const struct wire_payload *p)
{
	struct wire_id id;
	struct wire_notify n;
	struct wire_delete d;
	struct wire_cert c;
	struct wire_nat_oa oa;

	sink += (uintptr_t)wire_payload_name(p->type);
	sink += wire_check_raw(p->type, p->body);
	switch (p->type) {
	case ISAKMP_PL_SA:
		walk_sa(p->body);
		break;
	case ISAKMP_PL_ID:
		if (!wire_parse_id(p->body, &id)) {
			touch(id.data);
			sink += (uintptr_t)wire_id_name(id.type);
		}
		break;
	case ISAKMP_PL_N:
		if (!wire_parse_notify(p->body, &n)) {
			touch(n.spi);
			touch(n.data);
			sink += (uintptr_t)wire_notify_name(n.type);
		}
		break;
	case ISAKMP_PL_D:
		if (!wire_parse_delete(p->body, &d)) {
			if (d.spis.len != (size_t)d.spi_size * d.nspi)
				abort();
			touch(d.spis);
		}
		break;
	case ISAKMP_PL_CERT:
	case ISAKMP_PL_CR:
		if (!wire_parse_cert(p->body, &c))
			touch(c.data);
		break;
	case ISAKMP_PL_ATTR:
		walk_cfg(p->body);
		break;
	case ISAKMP_PL_NAT_OA:
	case ISAKMP_PL_NAT_OA_DRAFT:
		if (!wire_parse_nat_oa(p->body, &oa))
			touch(oa.addr);
		break;
	default:
		touch(p->body);
		break;
	}
}

/* Rebuilds a cleanly parsed message from its header and payload bodies;
 * the generic headers are fully determined, so the bytes must match. */
static void rebuild(const uint8_t *data, size_t size, const struct isakmp_hdr *h,
		    const struct wire_payloads *pl)
{
	struct wire_builder w;
	struct buf b;

	size_t covered = ISAKMP_HDR_LEN;

	/* Up to 3 zero bytes may follow the chain (Libreswan's padding):
	 * they must be zeros, and such a message does not rebuild exactly. */
	for (unsigned i = 0; i < pl->n; i++)
		covered += ISAKMP_GENERIC_LEN + pl->p[i].body.len;
	if (covered != size) {
		if (covered > size || size - covered > 3)
			abort();
		for (size_t k = covered; k < size; k++)
			if (data[k])
				abort();
		return;
	}
	buf_init(&b);
	wire_build_start(&w, &b, h);
	for (unsigned i = 0; i < pl->n; i++)
		if (wire_add_raw(&w, pl->p[i].type, pl->p[i].body.p, pl->p[i].body.len))
			abort();
	if (wire_build_finish(&w) || b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	buf_free(&b);
}

/* A fragment: its slice read; a clean one with flags 0 rebuilds exactly. */
static void walk_frag(const uint8_t *data, size_t size, int herr, const struct isakmp_hdr *h)
{
	struct wire_frag f;
	struct buf b;

	if (wire_parse_frag(data, size, &f))
		return;
	touch(f.data);
	if (herr || h->flags)
		return;
	buf_init(&b);
	if (wire_add_frag(&b, h, f.id, f.num, f.flags == ISAKMP_FRAG_LAST, f.data.p, f.data.len))
		abort();
	/* flags other than LAST are not rebuilt */
	if (!(f.flags & ~ISAKMP_FRAG_LAST) && (b.len != size || memcmp(b.data, data, size) != 0))
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct isakmp_hdr h;
	struct wire_payloads pl;
	int herr, err;

	herr = wire_parse_header(data, size, &h);
	sink += (uintptr_t)wire_exchange_name(h.exchange);
	if (size < ISAKMP_HDR_LEN)
		return 0;
	if (h.next_payload == ISAKMP_PL_FRAG)
		walk_frag(data, size, herr, &h);
	/* Walk the chain whatever the header said, so the fuzzer need not
	 * get the length right to reach the payloads. */
	for (int trailing = 0; trailing <= 1; trailing++) {
		err = wire_parse_chain(h.next_payload, data + ISAKMP_HDR_LEN, size - ISAKMP_HDR_LEN,
				       trailing, &pl);
		if (pl.n > WIRE_MAX_PAYLOADS)
			abort();
		for (unsigned i = 0; i < pl.n; i++)
			walk_payload(&pl.p[i]);
		if (!herr && !err && !trailing)
			rebuild(data, size, &h, &pl);
	}
	return 0;
}
