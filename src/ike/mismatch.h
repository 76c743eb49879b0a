/* Why no proposal was chosen, in one line an engineer can act on: what
 * the peer offered, and how the closest local proposal differs from it,
 * field by field, side by side (peer's vs ours). */
#ifndef OAKLEY_IKE_MISMATCH_H
#define OAKLEY_IKE_MISMATCH_H

#include "ike/proposal.h"

/* "aes128-sha1-modp2048", as in ike= / esp= */
void proposal_str(const struct proposal *p, char *out, size_t len);
/* "ike=aes128-sha1-modp2048,3des-md5-modp1024" */
void proposals_str(const char *key, const struct proposal_list *l, char *out, size_t len);
/* Both return how many fields the closest proposal differs in. */
unsigned p1_explain(const struct conn *c, const struct p1_offer *offers, unsigned n, char *why,
		    size_t whylen);
unsigned p2_explain(const struct conn *c, const struct p2_offer *offers, unsigned n, char *why,
		    size_t whylen);

#endif
