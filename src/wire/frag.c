/* IKEv1 fragment payload 132 (wire/frag.h). */
#include <errno.h>

#include "wire/frag.h"

int wire_parse_frag(const uint8_t *msg, size_t len, struct wire_frag *f)
{
	struct cursor c;
	uint8_t next, reserved;
	uint16_t plen;

	if (len < ISAKMP_HDR_LEN + ISAKMP_FRAG_HDR_LEN)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	c = cursor_make(msg + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN);
	if (!cursor_u8(&c, &next) || !cursor_u8(&c, &reserved) || !cursor_u16(&c, &plen) ||
	    !cursor_u16(&c, &f->id) || !cursor_u8(&c, &f->num) || !cursor_u8(&c, &f->flags))
		return ISAKMP_N_PAYLOAD_MALFORMED;
	if (next != ISAKMP_PL_NONE || reserved || plen != len - ISAKMP_HDR_LEN || !f->num ||
	    plen <= ISAKMP_FRAG_HDR_LEN)
		return ISAKMP_N_PAYLOAD_MALFORMED;
	f->data = c; /* the rest: plen - 8 bytes, at least one */
	return 0;
}

int wire_add_frag(struct buf *b, const struct isakmp_hdr *h, uint16_t id, uint8_t num, bool last,
		  const uint8_t *data, size_t len)
{
	struct isakmp_hdr fh = *h;
	struct wire_builder w;
	size_t start;

	if (!num || !len)
		return -EINVAL;
	fh.flags = 0;
	wire_build_start(&w, b, &fh);
	start = wire_payload_begin(&w, ISAKMP_PL_FRAG);
	buf_put_u16(b, id);
	buf_put_u8(b, num);
	buf_put_u8(b, last ? ISAKMP_FRAG_LAST : 0);
	buf_append(b, data, len);
	wire_payload_end(&w, start);
	return wire_build_finish(&w);
}
