#include <stdio.h>

#include "ike/exchange.h"
#include "wire/payload.h"

int step_check(const struct step *s, bool initiator, const struct ike_msg *m, char *why,
	       size_t whylen)
{
	uint32_t seen = 0;
	unsigned i;

	if (s->initiator != initiator) {
		snprintf(why, whylen, "unexpected message for the %s",
			 initiator ? "initiator" : "responder");
		return ISAKMP_N_INVALID_EXCHANGE_TYPE;
	}
	if (s->encrypted != STEP_EITHER &&
	    (s->encrypted == STEP_ENCRYPTED) != !!(m->hdr.flags & ISAKMP_FLAG_ENC)) {
		snprintf(why, whylen, "message must %sbe encrypted",
			 s->encrypted == STEP_ENCRYPTED ? "" : "not ");
		return ISAKMP_N_INVALID_FLAGS;
	}
	for (i = 0; i < m->pl.n; i++) {
		uint32_t bit = PL(m->pl.p[i].type);

		if (!((s->must | s->may) & bit)) {
			snprintf(why, whylen, "unexpected %s payload",
				 wire_payload_name(m->pl.p[i].type));
			return ISAKMP_N_INVALID_PAYLOAD_TYPE;
		}
		seen |= bit;
	}
	if ((seen & s->must) != s->must) {
		for (i = 0; i < 32; i++)
			if ((s->must & ~seen) & (1u << i))
				break;
		snprintf(why, whylen, "%s payload missing", wire_payload_name((uint8_t)i));
		return ISAKMP_N_PAYLOAD_MALFORMED;
	}
	return 0;
}
