/* What Main Mode and Aggressive Mode send, as data: each message is a
 * `struct send_spec`, its payloads added in order by builders that pick
 * our side's values by role (our g^x, our nonce, our ID), and our proof
 * by the SA's authentication method (auth_add: HASH with a PSK).  The
 * rows name the message that answers them (step.sends); the initiator's
 * first message is its type's (exchange_type.sends_first). */
#include <errno.h>

#include "ike/auth.h"
#include "ike/dispatch.h"
#include "ike/id.h"
#include "ike/informational.h"
#include "ike/phase1.h"
#include "wire/payload.h"

static int add_our_sa(void *state, struct wire_builder *w)
{
	return phase1_add_our_sa(state, w);
}

static int add_chosen_sa(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;

	return p1_add_chosen(w, sa->x->propnum, &sa->x->echo);
}

static int add_ke(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;
	const struct buf *gx = sa->initiator ? &sa->x->gxi : &sa->x->gxr;

	return wire_add_raw(w, ISAKMP_PL_KE, gx->data, gx->len);
}

static int add_nonce(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;
	const struct buf *nonce = sa->initiator ? &sa->x->ni : &sa->x->nr;

	return wire_add_raw(w, ISAKMP_PL_NONCE, nonce->data, nonce->len);
}

/* Our ID; its body is kept, the HASH covers it. */
static int add_id(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;
	struct buf *id_b = sa->initiator ? &sa->x->idii_b : &sa->x->idir_b;
	size_t off, len;
	int err = id_add_phase1(w, &sa->conn->local.id, &off, &len);

	if (err)
		return err;
	buf_reset(id_b);
	return buf_append(id_b, w->b->data + off, len) ? 0 : -ENOMEM;
}

/* The initiator's, with its HASH: the peer may drop its old SAs. */
static int add_initial_contact(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;

	return sa->initiator ? info_add_initial_contact(w, sa) : 0;
}

/* MM2: the transform chosen (state: a struct p1_choice). */
static int add_choice(void *state, struct wire_builder *w)
{
	const struct p1_choice *c = state;

	return p1_add_chosen(w, c->propnum, c->echo);
}

/* Our vendor IDs: all we speak when we start, our answer to the peer's
 * when we respond (vendor.h). */
static int add_vids(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;

	const struct peer_vendor *peer = sa->initiator ? NULL : &sa->peer_vendor;

	return vendor_add_ours(w, peer) ?: vendor_add_frag(w, sa->conn, peer);
}

static int add_choice_vids(void *state, struct wire_builder *w)
{
	const struct p1_choice *c = state;

	/* main_mode_respond forgot the peer's fragmentation VID if ours is off */
	return vendor_add_ours(w, c->peer) ?: vendor_add_frag(w, NULL, c->peer);
}

const struct send_spec send_mm1 = {
	.name = "Main Mode message 1",
	.encrypted = false,
	.retransmit = true,
	.add = {add_our_sa, add_vids},
};
/* Sent from the half-open state, which has no ISAKMP SA (main_mode.c):
 * not on MM1's row, whose handler never runs.  Not retransmitted: a copy
 * of MM1 gets it again. */
const struct send_spec send_mm2 = {
	.name = "Main Mode message 2",
	.add = {add_choice, add_choice_vids},
};
/* MM3 (retransmitted by the initiator) and MM4 */
const struct send_spec send_mm3 = {
	.name = "Main Mode message 3",
	.encrypted = false,
	.retransmit = true,
	.add = {add_ke, add_nonce, auth_add_cr, natt_add_nat_d},
};
const struct send_spec send_mm4 = {
	.name = "Main Mode message 4",
	.encrypted = false,
	.retransmit = false,
	.add = {add_ke, add_nonce, auth_add_cr, natt_add_nat_d},
};
/* MM5 and MM6, encrypted */
const struct send_spec send_mm5 = {
	.name = "Main Mode message 5",
	.encrypted = true,
	.retransmit = true,
	.add = {add_id, auth_add, add_initial_contact},
};
const struct send_spec send_mm6 = {
	.name = "Main Mode message 6",
	.encrypted = true,
	.retransmit = false,
	.add = {add_id, auth_add, add_initial_contact},
};
const struct send_spec send_am1 = {
	.name = "Aggressive Mode message 1",
	.encrypted = false,
	.retransmit = true,
	.add = {add_our_sa, add_ke, add_nonce, add_id, auth_add_cr, add_vids},
};
/* Not retransmitted: the source of AM1 is unverified, and AM2 would be
 * sent there again and again.  A copy of AM1 gets AM2 again. */
const struct send_spec send_am2 = {
	.name = "Aggressive Mode message 2",
	.encrypted = false,
	.retransmit = false,
	.add = {add_chosen_sa, add_ke, add_nonce, add_id, auth_add_cr, auth_add, add_vids,
		natt_add_nat_d},
};
/* AM3: the last message, answered by nothing. */
const struct send_spec send_am3 = {
	.name = "Aggressive Mode message 3",
	.encrypted = true,
	.retransmit = false,
	.add = {auth_add, add_initial_contact, natt_add_nat_d},
};

int phase1_build_send(struct ike_sa *sa, const struct send_spec *spec)
{
	struct isakmp_hdr h;
	struct buf msg;
	int err;

	phase1_header(sa, &h);
	err = send_spec_build(spec, sa, &h, 0, &msg, NULL);
	if (!err)
		err = phase1_send(sa, &msg, spec->encrypted, spec->retransmit);
	buf_free(&msg);
	return err;
}
