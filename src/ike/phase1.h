/* Phase 1, shared by Main Mode and Aggressive Mode (RFC 2409 5). */
#ifndef OAKLEY_IKE_PHASE1_H
#define OAKLEY_IKE_PHASE1_H

#include "ike/exchange.h"
#include "ike/ike.h"
#include "ike/dh_job.h"
#include "ike/proposal.h"

/* A new initiator SA for connection c: addresses, the key (looked up by
 * peer_id first when given), hashed.  NULL if it failed (it said why, and
 * fn heard it). */
/* Room for a refusal's reason (a proposal mismatch is long). */
#define P1_WHY_LEN 512

struct ike_sa *phase1_initiator(struct ike_daemon *d, const struct conn *c,
				const struct conf_id *peer_id, ike_up_fn fn, void *arg);
/* Our SA payload, its body kept for HASH_I and HASH_R. */
int phase1_add_our_sa(struct ike_sa *sa, struct wire_builder *w);
void phase1_header(struct ike_sa *sa, struct isakmp_hdr *h);
/* Builds the message spec says (phase1_build.c) and sends it. */
int phase1_build_send(struct ike_sa *sa, const struct send_spec *spec);
/* What MM2 says, for send_mm2's builder. */
struct p1_choice {
	uint8_t propnum;
	const struct wire_transform_spec *echo;
	const struct peer_vendor *peer; /* MM1's vendor IDs, answered */
};
extern const struct send_spec send_mm1, send_mm2, send_mm3, send_mm4, send_mm5, send_mm6, send_am1,
	send_am2, send_am3;
/* Taps, encrypts if asked, sends (retransmitting if asked), frees msg. */
int phase1_send(struct ike_sa *sa, struct buf *msg, bool encrypt, bool retransmit);
int phase1_body_copy(struct buf *dst, const struct wire_payload *p);
/* The PSK: by the gateways' addresses, then by the connection's IDs;
 * peer_id is the ID the peer sent, when known (Aggressive Mode). */
/* The SA of a phase-1 message no ISAKMP SA's cookies matched (daemon.c):
 * found, promoted from half-open, or made for a new peer; NULL: dropped. */
struct ike_sa *phase1_find(struct ike_daemon *d, struct ike_msg *m);
int phase1_find_psk(struct ike_sa *sa, const struct conf_id *peer_id);
/* Connection c's PSK for this peer is the one the exchange uses. */
bool phase1_psk_same(const struct ike_sa *sa, const struct conn *c);
int phase1_take_offer(struct ike_sa *sa, const struct p1_offer *o);
/* Our key pair (and the secret, with the peer's KE) as a job; then() goes
 * on with the exchange from the loop. */
int phase1_dh(struct ike_sa *sa, const struct buf *peer_gx);
/* In then(): our public value into gx; false if the SA failed (said why)
 * or was ended meanwhile. */
bool phase1_dh_done(struct ike_sa *sa, struct dh_job *j, struct buf *gx);
/* The peer's KE and nonce from m. */
struct step_result phase1_take_ke(struct ike_sa *sa, struct ike_msg *m, struct buf *gx,
				  struct buf *nonce);
/* A responder's half of the exchange of KE and nonce: the initiator's
 * from m, our nonce, and the DH job. */
struct step_result phase1_respond_ke(struct ike_sa *sa, struct ike_msg *m);
/* The keys from the completed DH job's secret; fails the SA on error.
 * A Main Mode responder keeps the secret until MM5 (phase1_forget_secret). */
int phase1_derive_keys(struct ike_sa *sa);
void phase1_forget_secret(struct ike_sa *sa);
/* MM5 that the key chosen by address does not open: the keys of the other
 * connections for this peer, tried in turn (see phase1.c). */
bool phase1_try_other_keys(struct ike_sa *sa, struct ike_msg *m, const uint8_t *cipher,
			   uint8_t *iv);
/* HASH_I (initiator) or HASH_R over id_b: what a PSK sends, and what a
 * signature signs. */
int phase1_hash(struct ike_sa *sa, bool initiator, const struct buf *id_b, uint8_t *out);
/* The peer's ID against its connection (switching connection at the
 * responder when another one is the peer's) and its AUTH (auth.h). */
struct step_result phase1_check_id(struct ike_sa *sa, struct ike_msg *m);
/* Its first half, for Aggressive Mode, whose AUTH waits for the keys. */
struct step_result phase1_take_id(struct ike_sa *sa, struct ike_msg *m);
/* The initiator refused MM6 or AM2 (r: why): the responder is told. */
void phase1_refuse_answer(struct ike_sa *sa, struct step_result r);

#endif
