/* Vendor IDs (RFC 2408 3.16): the ones oakley sends and understands.
 * NAT traversal (RFC 3947, and draft-ietf-ipsec-nat-t-ike -02, -02 with
 * its trailing newline, -03 for older peers) and Dead Peer Detection
 * (RFC 3706).  An initiator offers every NAT-T version and DPD in its
 * first message; a responder answers with the best NAT-T version the
 * peer offered, and DPD always (so the peer may probe even when our DPD
 * is off).  What the peer sent is kept on the ISAKMP SA. */
#ifndef OAKLEY_IKE_VENDOR_H
#define OAKLEY_IKE_VENDOR_H

#include <stdbool.h>
#include <stdint.h>

struct conn;
struct ike_msg;
struct wire_builder;

/* NAT-T versions, worst to best: a larger value is preferred. */
enum natt_version {
	NATT_NONE,
	NATT_DRAFT_02,	/* draft-ietf-ipsec-nat-t-ike-02 */
	NATT_DRAFT_02N, /* the same, hashed with a trailing newline */
	NATT_DRAFT_03,	/* draft-ietf-ipsec-nat-t-ike-03 */
	NATT_RFC,	/* RFC 3947 */
};

/* What a peer's vendor IDs said. */
struct peer_vendor {
	uint8_t natt;  /* enum natt_version: the best it offered */
	bool dpd;      /* RFC 3706 */
	uint8_t other; /* vendor IDs we do not know, counted up to 255 */
	bool frag;     /* IKE fragmentation (frag.h), with or without capabilities */
};

/* The VIDs of message m added to v (a peer may spread them over its
 * first messages). */
void vendor_note(const struct ike_msg *m, struct peer_vendor *v);
/* Ours: every NAT-T version and DPD when we start (peer NULL); the best
 * NAT-T version peer offered, if any, and DPD when we answer. */
int vendor_add_ours(struct wire_builder *w, const struct peer_vendor *peer);
/* The IKE fragmentation VID (with strongSwan's and Libreswan's capability
 * bits 0x80000000) unless c says fragmentation=no (c NULL: allowed), and
 * when we answer (peer not NULL) only to a peer that sent it. */
int vendor_add_frag(struct wire_builder *w, const struct conn *c, const struct peer_vendor *peer);
/* "RFC 3947", "draft-02", ..., "none" */
const char *natt_version_name(uint8_t v);
/* The NAT-D and NAT-OA payload numbers and the UDP-encapsulated modes of
 * a NAT-T version: RFC 3947's, or the drafts' private-use numbers. */
uint8_t natt_pl_nat_d(uint8_t v);
uint8_t natt_pl_nat_oa(uint8_t v);
uint16_t natt_encap_tunnel(uint8_t v);
uint16_t natt_encap_transport(uint8_t v);

#endif
