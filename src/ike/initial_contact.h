/* INITIAL-CONTACT on receipt (RFC 2407 4.6.3.3): a peer that restarted
 * has lost its SAs; once it has authenticated again, the SAs its earlier
 * self had with us (the same identity from the same address) are removed,
 * never those of other peers nor the new ISAKMP SA that carried it. */
#ifndef OAKLEY_IKE_INITIAL_CONTACT_H
#define OAKLEY_IKE_INITIAL_CONTACT_H

#include <stdbool.h>
#include <stdint.h>

struct sockaddr;
struct ike_sa;
struct ike_msg;

/* What an ISAKMP SA knows of its peer's authenticated identity (the ID
 * payload of MM5/MM6, or of AM1 at an Aggressive Mode responder; not yet
 * at an Aggressive Mode initiator), as a digest: SAs are many, IDs up to
 * 255 bytes. */
struct ic_state {
	uint8_t id_digest[32];
	bool have_id;
	bool deferred; /* an XAUTH server acts on it once XAUTH passed (ra.h) */
};

/* After authentication (the HASH verified): m, the authenticated phase-1
 * message, gives the peer's ID; if it (or m NULL: a protected
 * Informational) carries INITIAL-CONTACT, the earlier SAs go.  Returns how
 * many SAs (ISAKMP and IPsec) were removed. */
/* Records the peer's ID from an Aggressive Mode exchange whose proof
 * verified (the initiator's AM2 carries it before the keys exist). */
void initial_contact_note_peer_id(struct ike_sa *sa);
unsigned initial_contact_received(struct ike_sa *sa, const struct ike_msg *m);

/* Both SAs' peers sent the same authenticated ID (both recorded). */
bool ic_same_identity(const struct ike_sa *a, const struct ike_sa *b);
/* addr is sa's peer: the same address, and the same port when NAT-T is
 * active on sa (peers behind one NAT share the address). */
bool ic_same_endpoint(const struct ike_sa *sa, const struct sockaddr *addr);

#endif
