#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/dh.h"
#include "ike/pfs.h"
#include "wire/payload.h"

int pfs_start(struct quick *q)
{
	size_t len = dh_public_len(q->pfs->ike_id);
	uint8_t *p;
	int err;

	err = dh_new(q->pfs->ike_id, &q->dh);
	if (err)
		return err;
	buf_reset(&q->gx);
	p = buf_reserve(&q->gx, len);
	return p ? dh_public(q->dh, p, len) : -ENOMEM;
}

int pfs_add_ke(struct wire_builder *w, const struct quick *q)
{
	return wire_add_raw(w, ISAKMP_PL_KE, q->gx.data, q->gx.len);
}

int pfs_finish(struct quick *q, const struct ike_msg *m, char *why, size_t whylen)
{
	const struct wire_payload *ke = wire_find(&m->pl, ISAKMP_PL_KE);
	uint8_t secret[DH_MAX_SECRET];
	size_t len = 0;
	int err;

	if (!ke) {
		snprintf(why, whylen, "PFS with %s was agreed but the peer sent no KE payload",
			 q->pfs->display);
		return ISAKMP_N_PAYLOAD_MALFORMED;
	}
	if (ke->body.len != dh_public_len(q->pfs->ike_id)) {
		snprintf(why, whylen, "peer's Quick Mode KE is %zu bytes, %s needs %zu",
			 ke->body.len, q->pfs->display, dh_public_len(q->pfs->ike_id));
		return ISAKMP_N_INVALID_KEY_INFORMATION;
	}
	err = dh_shared(q->dh, ke->body.p, ke->body.len, secret, &len);
	if (err) {
		snprintf(why, whylen, "peer's Quick Mode public value is invalid for %s",
			 q->pfs->display);
		return ISAKMP_N_INVALID_KEY_INFORMATION;
	}
	buf_reset(&q->gxy);
	err = buf_append(&q->gxy, secret, len) ? 0 : -ENOMEM;
	OPENSSL_cleanse(secret, sizeof(secret));
	dh_free(q->dh);
	q->dh = NULL;
	return err;
}

void pfs_clear(struct quick *q)
{
	if (q->dh)
		dh_free(q->dh);
	q->dh = NULL;
	buf_free(&q->gx);
	buf_free(&q->gxy);
}
