/* Informational exchanges (RFC 2408 4.8, RFC 2409 5.7): notifications and
 * deletes, protected by HASH(1) once the ISAKMP SA has keys, in the clear
 * before that. */
#ifndef OAKLEY_IKE_INFORMATIONAL_H
#define OAKLEY_IKE_INFORMATIONAL_H

#include "ike/exchange.h"
#include "ike/ike.h"

/* INITIAL-CONTACT in MM5 when no other SA with that peer is up. */
int info_add_initial_contact(struct wire_builder *w, struct ike_sa *sa);
/* Logs the notifications a Main Mode message carries. */
void info_note_notifies(struct ike_sa *sa, const struct ike_msg *m);
/* An unprotected notify answering m (no keys yet). */
void info_send_plain_notify(struct ike_daemon *d, const struct ike_msg *m, uint16_t type);
int info_send_notify(struct ike_sa *sa, uint16_t type);
/* R-U-THERE or R-U-THERE-ACK (RFC 3706) with sequence number seq. */
int info_send_dpd(struct ike_sa *sa, uint16_t type, uint32_t seq);
/* A notify about the peer's Quick Mode, naming its ESP SPI. */
int info_send_notify_esp(struct ike_sa *sa, uint16_t type, uint32_t spi);
int info_send_delete_isakmp(struct ike_sa *sa);
int info_send_delete_esp(struct ike_sa *sa, uint32_t spi);
/* An unprotected notify from sa, for a refusal in a job's
 * completion (no message to answer); and the initiator's refusal of
 * MM6, which established the responder's SA: the notify (if type) and a
 * Delete of the ISAKMP SA, each under the new keys, so that the peer
 * drops its SA at once.  Needs the keys and the exchange (a failed SA
 * keeps both until it is freed). */
void info_send_plain_notify_sa(struct ike_sa *sa, uint16_t type);
int info_send_refusal(struct ike_sa *sa, uint16_t type);

/* HASH(1)-style protection shared with Quick Mode: reserves the HASH
 * payload and returns the offset of its value; hash_fill computes
 * prf(SKEYID_a, M-ID [| Ni_b] | rest) over what follows it. */
int hashed_begin(struct wire_builder *w, size_t prf_len, size_t *hash_off);
int hashed_fill(struct ike_sa *sa, struct buf *msg, size_t hash_off, uint32_t msgid,
		const struct buf *ni);
/* Verifies a received HASH(1)/HASH(2): the HASH must be the first payload. */
bool hashed_verify(struct ike_sa *sa, const struct ike_msg *m, uint32_t msgid,
		   const struct buf *ni);
/* Encrypts and sends a message of an exchange other than phase 1. */
int send_protected(struct ike_sa *sa, struct buf *msg, uint8_t *iv, struct xmit *x,
		   bool retransmit);

#endif
