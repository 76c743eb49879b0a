/* IKEv1 fragments (payload 132, as Cisco, Microsoft, strongSwan and
 * Libreswan send them): a datagram is an ISAKMP header whose next payload
 * is 132, then one fragment payload: generic header, fragment ID (2
 * bytes), fragment number (1, from 1), flags (1; ISAKMP_FRAG_LAST), then a
 * slice of the whole message, which is sent as it would be unfragmented
 * (encrypted, header included).  Pure: no I/O, no SA state. */
#ifndef OAKLEY_WIRE_FRAG_H
#define OAKLEY_WIRE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "wire/message.h"

struct wire_frag {
	uint16_t id;
	uint8_t num, flags;
	struct cursor data; /* the slice */
};

/* msg/len: a whole datagram whose header (already checked by
 * wire_parse_header) says next payload 132.  0, or PAYLOAD_MALFORMED: no
 * room for the fragment header, a payload length that is not the rest of
 * the datagram, a next payload other than 0, non-zero RESERVED, number
 * 0, or no data. */
int wire_parse_frag(const uint8_t *msg, size_t len, struct wire_frag *f);

/* Appends one fragment message to b: h's cookies, version, exchange and
 * message ID, next payload 132, flags 0 (the slice is of a message that
 * is already encrypted, and the fragment itself is not).  0, -EINVAL (num
 * 0, no data), -ENOMEM, -EMSGSIZE. */
int wire_add_frag(struct buf *b, const struct isakmp_hdr *h, uint16_t id, uint8_t num, bool last,
		  const uint8_t *data, size_t len);

#endif
