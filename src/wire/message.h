/* ISAKMP messages (RFC 2408 3.1, 3.2): the fixed header, the chain of
 * generic payloads behind it, and a builder that keeps the chain's
 * next-payload bytes and lengths right.  Pure: no I/O, no SA state.
 * Parsers return 0 or the ISAKMP notify code (enum isakmp_notify) that
 * the message deserves; builders return 0 or -errno. */
#ifndef OAKLEY_WIRE_MESSAGE_H
#define OAKLEY_WIRE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "wire/isakmp.h"

struct isakmp_hdr {
	uint8_t icookie[8], rcookie[8];
	uint8_t next_payload, version, exchange, flags;
	uint32_t msgid, length;
};

/* 0 or the notify code to answer with.  Checks, in order: len >= 28
 * (PAYLOAD_MALFORMED), header length >= 28 (PAYLOAD_MALFORMED), header
 * length == len (UNEQUAL_PAYLOAD_LENGTHS), major version 1
 * (INVALID_MAJOR_VERSION).  *h is filled whenever len >= 28, so a
 * rejection can still be answered with the peer's cookies. */
int wire_parse_header(const uint8_t *msg, size_t len, struct isakmp_hdr *h);
/* Writes the 28 header bytes of h as they are (next_payload, length too). */
void wire_put_header(uint8_t *out, const struct isakmp_hdr *h);

#define WIRE_MAX_PAYLOADS 64

struct wire_payload {
	uint8_t type;
	const uint8_t *start; /* the generic header */
	size_t len;	      /* whole payload, generic header included */
	struct cursor body;   /* after the 4-byte generic header */
};

struct wire_payloads {
	unsigned n;
	struct wire_payload p[WIRE_MAX_PAYLOADS];
};

/* Walks a payload chain starting with type `first` over body/len (the
 * bytes after the ISAKMP header, decrypted if it was encrypted).
 * allow_trailing: the bytes after the last payload are CBC padding
 * (encrypted messages) and are ignored; otherwise they are
 * PAYLOAD_MALFORMED.  Errors: a payload length < 4, running past the
 * buffer, or a chain that runs out of bytes -> PAYLOAD_MALFORMED;
 * non-zero RESERVED -> PAYLOAD_MALFORMED; a type that is not a message
 * payload (unknown, or P/T outside an SA) -> INVALID_PAYLOAD_TYPE; more
 * than WIRE_MAX_PAYLOADS -> PAYLOAD_MALFORMED.  Returns 0 or the notify
 * code; on error out->n counts the payloads read before the bad one.
 * Without ALLOW_TRAILING, up to 3 zero bytes of padding may follow the
 * chain, as Libreswan sends. */
int wire_parse_chain(uint8_t first, const uint8_t *body, size_t len, bool allow_trailing,
		     struct wire_payloads *out);
/* The first payload of that type, or NULL. */
const struct wire_payload *wire_find(const struct wire_payloads *pl, uint8_t type);
/* How many payloads of that type. */
unsigned wire_count(const struct wire_payloads *pl, uint8_t type);
/* True if type may appear in a message's payload chain. */
bool wire_payload_known(uint8_t type);

/* Building: header first, then payloads; each begin patches the previous
 * payload's next-payload byte (or the header's) so chains are always
 * right.  The message starts at b->len when wire_build_start is called, so
 * a prefix (the NAT-T non-ESP marker) may already be in the buffer. */
struct wire_builder {
	struct buf *b;
	size_t next_off; /* the next-payload byte to patch */
	size_t hdr_off;	 /* where the ISAKMP header starts in b */
};

/* h->next_payload and h->length are ignored (patched later); a version of
 * 0 is written as ISAKMP_VERSION. */
void wire_build_start(struct wire_builder *w, struct buf *b, const struct isakmp_hdr *h);
size_t wire_payload_begin(struct wire_builder *w, uint8_t type); /* returns payload start offset */
void wire_payload_end(struct wire_builder *w, size_t start);	 /* patches its length */
/* Patches the header length; -ENOMEM if the buf failed, -EMSGSIZE if the
 * message (hence possibly a payload) is > 65535 bytes. */
int wire_build_finish(struct wire_builder *w);
/* The raw-body payloads (KE, NONCE, HASH, SIG, VID, NAT-D): the generic
 * header and data.  0 or -ENOMEM. */
int wire_add_raw(struct wire_builder *w, uint8_t type, const uint8_t *data, size_t len);

#endif
