/* An Aggressive Mode initiator sends AM3 once: nothing answers it, and
 * the responder does not retransmit AM2 (phase1_build.c: AM1's source is
 * unverified).  So a lost AM3 left the responder waiting, dropping every
 * QM1 "before phase 1 is up", until the Quick Mode gave up.  While the SA
 * still keeps AM3 (for xmit_span_ms after it went), each retransmission
 * of one of our QM1s under it sends AM3 again first; a responder that has
 * it already takes the copy as a repeat of the last message it accepted,
 * which answered nothing, and stays silent. */
#include "ike/ike.h"
#include "ike/loss.h"
#include "wire/isakmp.h"

void loss_am3_again(struct quick *q)
{
	struct ike_sa *sa = q->sa;

	if (!q->initiator || !sa->initiator || sa->exchange != ISAKMP_XCHG_AGGRESSIVE ||
	    sa->state != IKE_SA_ESTABLISHED || !sa->xmit.last_sent.len)
		return;
	xmit_resend(sa, &sa->xmit);
}
