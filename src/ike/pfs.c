#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto/dh.h"
#include "ike/dispatch.h"
#include "ike/pfs.h"
#include "wire/payload.h"

const struct wire_payload *pfs_peer_ke(struct quick *q, const struct ike_msg *m, int *notify,
				       char *why, size_t whylen)
{
	const struct wire_payload *ke = wire_find(&m->pl, ISAKMP_PL_KE);

	if (!ke) {
		snprintf(why, whylen, "PFS with %s was agreed but the peer sent no KE payload",
			 q->x->pfs->display);
		*notify = ISAKMP_N_PAYLOAD_MALFORMED;
		return NULL;
	}
	if (ke->body.len != dh_public_len(q->x->pfs->ike_id)) {
		snprintf(why, whylen, "peer's Quick Mode KE is %zu bytes, %s needs %zu",
			 ke->body.len, q->x->pfs->display, dh_public_len(q->x->pfs->ike_id));
		*notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		return NULL;
	}
	return ke;
}

int pfs_start(struct quick *q, const struct wire_payload *peer)
{
	return exchange_job_start(q->x, &quick_mode_type, q->x->pfs->ike_id,
				  peer ? peer->body.p : NULL, peer ? peer->body.len : 0);
}

bool pfs_done(struct quick *q, char *why, size_t whylen)
{
	if (q->x->dhj.err == -EINVAL)
		snprintf(why, whylen, "peer's Quick Mode public value is invalid for %s",
			 q->x->pfs->display);
	else if (q->x->dhj.err)
		snprintf(why, whylen, "cannot make a %s key pair: %s", q->x->pfs->display,
			 strerror(-q->x->dhj.err));
	return !q->x->dhj.err;
}

int pfs_add_ke(struct wire_builder *w, const struct quick *q)
{
	return wire_add_raw(w, ISAKMP_PL_KE, q->x->dhj.pub, q->x->dhj.pub_len);
}
