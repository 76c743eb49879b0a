/* The bodies of ISAKMP payloads (RFC 2408 3.4-3.15, RFC 2407 4.6, RFC 3947
 * 5): each parsed from the body cursor of a struct wire_payload, and built
 * onto a struct wire_builder.  Parsers take their cursor by value or
 * pointer, never read outside it, and return 0 or the ISAKMP notify code
 * to answer with; builders return 0 or -errno (-EINVAL for a spec that
 * cannot be encoded, -ENOMEM). */
#ifndef OAKLEY_WIRE_PAYLOAD_H
#define OAKLEY_WIRE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "wire/message.h"

/* Data attributes (RFC 2408 3.3).  TV: tv_value holds the value and value
 * is empty; TLV: value holds the bytes.  type has the AF bit cleared. */
struct wire_attr {
	uint16_t type;
	bool tv;
	uint16_t tv_value;
	struct cursor value; /* TLV value */
};

/* Reads one data attribute (TV or TLV).  0 or PAYLOAD_MALFORMED (nothing
 * left, a truncated header, or a TLV value running past the cursor). */
int wire_attr_next(struct cursor *c, struct wire_attr *a);
/* The value as a number: TV, or a TLV of 1..4 bytes (life durations may be
 * 4-byte TLV).  Longer TLVs count when their extra leading bytes are zero
 * (strongSwan sends 8-byte TLVs for values above 2^32, and RFC 2407
 * allows any length); false if empty or the value does not fit. */
bool wire_attr_u32(const struct wire_attr *a, uint32_t *v);

/* SA payload (RFC 2408 3.4, RFC 2407 4.6.1), proposals (3.5) and
 * transforms (3.6). */
struct wire_sa {
	uint32_t doi, situation;
	struct cursor proposals;
};
struct wire_proposal {
	uint8_t num, proto, spi_size, ntransforms;
	uint8_t spi[16];
	struct cursor transforms;
};
struct wire_transform {
	uint8_t num, id;
	struct cursor attrs;
};

/* Body shorter than 8 bytes (PAYLOAD_MALFORMED), DOI 1 only
 * (DOI_NOT_SUPPORTED), situation IDENTITY_ONLY (SITUATION_NOT_SUPPORTED),
 * no proposal (BAD_PROPOSAL_SYNTAX).  sa->proposals is then non-empty. */
int wire_parse_sa(struct cursor body, struct wire_sa *sa);
/* Reads the next proposal off c (loop while c->len) and checks all of it,
 * transforms and attributes included:
 *   length < 8 or past the cursor, non-zero RESERVED, SPI past the
 *   proposal, a malformed transform or attribute   -> PAYLOAD_MALFORMED
 *   spi_size > 16                                  -> INVALID_SPI
 *   next-payload not 2 (more follow) / 0 (last), or not agreeing with
 *   what follows; #transforms 0 or not the number of transforms present,
 *   bad transform chaining                         -> BAD_PROPOSAL_SYNTAX */
int wire_proposal_next(struct cursor *c, struct wire_proposal *p);
/* Reads the next transform off c (loop while c->len): length < 8 or past
 * the cursor, non-zero RESERVED or RESERVED2, attributes that do not parse
 * exactly -> PAYLOAD_MALFORMED; next-payload not 3 (more follow) / 0
 * (last), or not agreeing with what follows -> BAD_PROPOSAL_SYNTAX. */
int wire_transform_next(struct cursor *c, struct wire_transform *t);

/* Build side: a whole SA payload from a spec. */
struct wire_attr_spec {
	uint16_t type;
	uint32_t value;
}; /* TV when value <= 0xffff, else 4-byte TLV */
struct wire_transform_spec {
	uint8_t num, id;
	unsigned nattrs;
	struct wire_attr_spec attrs[16];
};
struct wire_proposal_spec {
	uint8_t num, proto, spi_size;
	uint8_t spi[16];
	unsigned ntransforms;
	const struct wire_transform_spec *transforms;
};
/* -EINVAL: no proposal, a proposal without transforms or with more than
 * 255, spi_size > 16, nattrs > 16. */
int wire_add_sa(struct wire_builder *w, uint32_t doi, uint32_t situation,
		const struct wire_proposal_spec *props, unsigned nprops);

/* Identification (RFC 2408 3.8, RFC 2407 4.6.2). */
struct wire_id {
	uint8_t type, proto;
	uint16_t port;
	struct cursor data;
};
/* Body < 4 bytes -> PAYLOAD_MALFORMED.  Data length per type: IPV4_ADDR 4,
 * IPV4 SUBNET/RANGE 8, IPV6_ADDR 16, IPV6 SUBNET/RANGE 32, FQDN,
 * USER_FQDN, DER_ASN1_DN/GN, KEY_ID non-empty; a wrong length or an
 * unknown type -> INVALID_ID_INFORMATION. */
int wire_parse_id(struct cursor body, struct wire_id *id);
/* -EINVAL when (type, len) would not parse. */
int wire_add_id(struct wire_builder *w, uint8_t type, uint8_t proto, uint16_t port,
		const uint8_t *data, size_t len);

/* Notification (RFC 2408 3.14).  Body < 8 bytes or SPI past it ->
 * PAYLOAD_MALFORMED.  The DOI is not checked: DPD and INITIAL-CONTACT
 * come with DOI 1, some peers send 0. */
struct wire_notify {
	uint32_t doi;
	uint8_t proto, spi_size;
	uint16_t type;
	struct cursor spi, data;
};
int wire_parse_notify(struct cursor body, struct wire_notify *n);
int wire_add_notify(struct wire_builder *w, uint32_t doi, uint8_t proto, uint16_t type,
		    const uint8_t *spi, uint8_t spi_size, const uint8_t *data, size_t len);

/* Delete (RFC 2408 3.15).  spis holds nspi * spi_size bytes.  Body < 8
 * bytes, spi_size 0, nspi 0, or a body that is not exactly 8 + nspi *
 * spi_size bytes -> PAYLOAD_MALFORMED. */
struct wire_delete {
	uint32_t doi;
	uint8_t proto, spi_size;
	uint16_t nspi;
	struct cursor spis;
};
int wire_parse_delete(struct cursor body, struct wire_delete *d);
/* -EINVAL for spi_size 0 or nspi 0. */
int wire_add_delete(struct wire_builder *w, uint32_t doi, uint8_t proto, uint8_t spi_size,
		    const uint8_t *spis, uint16_t nspi);

/* Certificate (3.9) and Certificate Request (3.10; data = the authority,
 * which may be empty).  Empty body -> PAYLOAD_MALFORMED. */
struct wire_cert {
	uint8_t encoding;
	struct cursor data;
};
int wire_parse_cert(struct cursor body, struct wire_cert *c);
/* -EINVAL when type is neither CERT nor CR. */
int wire_add_cert(struct wire_builder *w, uint8_t type /* CERT or CR */, uint8_t encoding,
		  const uint8_t *data, size_t len);

/* NAT original address (RFC 3947 5.2; the same body in the draft payload
 * 131).  Body < 4 bytes or non-zero RESERVED -> PAYLOAD_MALFORMED;
 * id_type other than IPV4_ADDR (4-byte address) or IPV6_ADDR (16) ->
 * INVALID_ID_INFORMATION. */
struct wire_nat_oa {
	uint8_t id_type;
	struct cursor addr;
};
int wire_parse_nat_oa(struct cursor body, struct wire_nat_oa *oa);
/* type: ISAKMP_PL_NAT_OA or ISAKMP_PL_NAT_OA_DRAFT.  -EINVAL when (id_type,
 * len) would not parse. */
int wire_add_nat_oa(struct wire_builder *w, uint8_t type, uint8_t id_type, const uint8_t *addr,
		    size_t len);

/* Raw payloads (KE, NONCE, HASH, SIG, VID, NAT-D): the body cursor is the
 * value.  Checks the length rule of the type: NONCE 8..256 bytes (RFC 2409
 * 5), KE, HASH, SIG, VID, NAT-D non-empty.  0 or PAYLOAD_MALFORMED; types
 * without a rule pass. */
int wire_check_raw(uint8_t type, struct cursor body);

/* Names for logs; "UNKNOWN" for numbers without one. */
const char *wire_payload_name(uint8_t type);  /* "SA", "KE", ... */
const char *wire_notify_name(uint16_t type);  /* "NO_PROPOSAL_CHOSEN", ... */
const char *wire_exchange_name(uint8_t type); /* "Main Mode" ... */
const char *wire_id_name(uint8_t type);	      /* "ID_IPV4_ADDR", ... */
const char *wire_auth_name(uint16_t method);  /* "PSK", "RSA signature", ... */

#endif
