/* What Quick Mode sends, as data (struct send_spec, exchange.h): the
 * payloads by role, HASH(1)/HASH(2) over the rest when the spec is
 * hashed, encrypted under the Quick Mode's own IV chain. */
#include <string.h>

#include "crypto/keying.h"
#include "ike/dispatch.h"
#include "ike/id.h"
#include "ike/informational.h"
#include "ike/lifetime.h"
#include "ike/pfs.h"
#include "ike/proposal.h"
#include "ike/quick.h"
#include "wire/payload.h"

static void qm_header(const struct quick *q, struct isakmp_hdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, q->sa->icookie, 8);
	memcpy(h->rcookie, q->sa->rcookie, 8);
	h->exchange = ISAKMP_XCHG_QUICK;
	h->msgid = q->msgid;
}

/* Our offer (QM1), or the proposal chosen (QM2); our inbound SPI. */
static int add_sa(void *state, struct wire_builder *w)
{
	struct quick *q = state;

	if (q->initiator)
		return p2_add_sa_encap(w, q->conn, q->x->spi_in,
				       natt_encap_mode(q->sa, q->conn->mode == MODE_TUNNEL));
	return p2_add_chosen(w, q->x->propnum, q->x->spi_in, &q->x->echo);
}

static int add_nonce(void *state, struct wire_builder *w)
{
	struct quick *q = state;
	const struct buf *n = q->initiator ? &q->x->ni : &q->x->nr;

	return wire_add_raw(w, ISAKMP_PL_NONCE, n->data, n->len);
}

static int add_ke(void *state, struct wire_builder *w)
{
	struct quick *q = state;

	return q->x->pfs ? pfs_add_ke(w, q) : 0;
}

/* IDci, IDcr: always from the initiator, echoed by the responder when
 * they came. */
static int add_ids(void *state, struct wire_builder *w)
{
	struct quick *q = state;
	const struct conf_ts *ci = q->initiator ? &q->x->ts_local : &q->x->ts_remote;
	const struct conf_ts *cr = q->initiator ? &q->x->ts_remote : &q->x->ts_local;
	int err;

	if (!q->initiator && !q->x->ids)
		return 0;
	err = id_add_ts(w, ci);
	return err ? err : id_add_ts(w, cr);
}

static int add_lifetime(void *state, struct wire_builder *w)
{
	struct quick *q = state;

	return q->x->notify_lifetime ? lifetime_add_notify(w, q) : 0;
}

/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
static int add_hash3(void *state, struct wire_builder *w)
{
	struct quick *q = state;
	struct ike_sa *sa = q->sa;
	uint8_t hash[IKE_MAX_MD];
	int err = ike_qm_hash3(sa->hash->openssl, sa->skeyid_a, sa->prf_len, q->msgid,
			       q->x->ni.data, q->x->ni.len, q->x->nr.data, q->x->nr.len, hash);

	return err ? err : wire_add_raw(w, ISAKMP_PL_HASH, hash, sa->prf_len);
}

const struct send_spec send_qm1 = {
	.name = "Quick Mode message 1",
	.encrypted = true,
	.retransmit = true,
	.hashed = true,
	.add = {add_sa, add_nonce, add_ke, add_ids, natt_add_nat_oa},
};
const struct send_spec send_qm2 = {
	.name = "Quick Mode message 2",
	.encrypted = true,
	.retransmit = true,
	.hashed = true,
	.add = {add_sa, add_nonce, add_ke, add_ids, add_lifetime, natt_add_nat_oa},
};
/* The last message: answered by nothing, so not retransmitted. */
const struct send_spec send_qm3 = {
	.name = "Quick Mode message 3",
	.encrypted = true,
	.add = {add_hash3},
};

int quick_build_send(struct quick *q, const struct send_spec *spec)
{
	struct ike_sa *sa = q->sa;
	struct isakmp_hdr h;
	struct buf msg;
	size_t hash_off = 0;
	int err;

	qm_header(q, &h);
	err = send_spec_build(spec, q, &h, sa->prf_len, &msg, &hash_off);
	/* HASH(1) covers the rest; HASH(2) the initiator's nonce too. */
	if (!err && spec->hashed)
		err = hashed_fill(sa, &msg, hash_off, q->msgid, q->initiator ? NULL : &q->x->ni);
	if (!err)
		err = send_protected(sa, &msg, q->x->iv, &q->xmit, spec->retransmit);
	buf_free(&msg);
	return err;
}
