/* Proposal building and choice, both phases.  The initiator offers its
 * configured list in order; the responder takes the first entry of its own
 * list that the peer offered (local preference). */
#ifndef OAKLEY_IKE_PROPOSAL_H
#define OAKLEY_IKE_PROPOSAL_H

#include "conf/conf.h"
#include "wire/message.h"
#include "wire/payload.h"

/* What one phase-1 transform says. */
struct p1_offer {
	const struct alg *encr, *hash, *group;
	uint16_t auth;
	uint32_t life_s, life_kb;
	bool unknown; /* an attribute or value we do not support */
};

/* What one phase-2 proposal (ESP, one transform) says. */
struct p2_offer {
	const struct alg *encr, *integ, *group;
	uint16_t group_id; /* as sent, for a group we do not know */
	uint16_t encap;
	uint32_t life_s, life_kb;
	uint32_t spi;
	bool unknown;
};

int p1_add_sa(struct wire_builder *w, const struct conn *c);
/* Responder: picks from the peer's SA payload.  On success fills *chosen
 * and the proposal/transform to echo (why is ""); on failure returns
 * NO_PROPOSAL_CHOSEN (or the parse error) with why always a sentence and
 * *ndiff (if not NULL) the number of fields the closest proposal differs
 * in.  The same holds for p2_choose and both _accept. */
int p1_choose(const struct conn *c, struct cursor sa_body, struct p1_offer *chosen,
	      struct wire_transform_spec *echo, uint8_t *propnum, char *why, size_t whylen,
	      unsigned *ndiff);
/* Initiator: checks the responder's answer is one transform we offered. */
int p1_accept(const struct conn *c, struct cursor sa_body, struct p1_offer *chosen, char *why,
	      size_t whylen);
int p1_add_chosen(struct wire_builder *w, uint8_t propnum, const struct wire_transform_spec *t);

/* Phase 2: ESP proposals, one per configured esp= entry. */
int p2_add_sa(struct wire_builder *w, const struct conn *c, uint32_t spi);
/* The same with this encapsulation mode (NAT-T's UDP-encapsulated ones). */
int p2_add_sa_encap(struct wire_builder *w, const struct conn *c, uint32_t spi, uint16_t encap);
int p2_choose(const struct conn *c, struct cursor sa_body, struct p2_offer *chosen,
	      struct wire_transform_spec *echo, uint8_t *propnum, char *why, size_t whylen,
	      unsigned *ndiff);
int p2_accept(const struct conn *c, struct cursor sa_body, struct p2_offer *chosen, char *why,
	      size_t whylen);
int p2_add_chosen(struct wire_builder *w, uint8_t propnum, uint32_t spi,
		  const struct wire_transform_spec *t);

/* "tunnel", "transport", ... for an encapsulation mode */
const char *encap_name(uint16_t encap);
/* "AES_CBC-128/HMAC_SHA1/MODP_2048" */
void p1_offer_str(const struct p1_offer *o, char *out, size_t len);
void p2_offer_str(const struct p2_offer *o, char *out, size_t len);

#endif
