/* Perfect forward secrecy in Quick Mode (RFC 2409 5.5): a fresh
 * Diffie-Hellman exchange, run as a job (ike/dh_job.h), whose secret goes
 * into KEYMAT. */
#ifndef OAKLEY_IKE_PFS_H
#define OAKLEY_IKE_PFS_H

#include "ike/exchange.h"
#include "ike/ike.h"

/* The peer's KE from m, checked against q->pfs: the payload, or NULL with
 * *notify the notify code and why the reason. */
const struct wire_payload *pfs_peer_ke(struct quick *q, const struct ike_msg *m, int *notify,
				       char *why, size_t whylen);
/* Our key pair, and the secret when peer is given, as a job; its row's
 * resume goes on (exchange_job_start). */
int pfs_start(struct quick *q, const struct wire_payload *peer);
/* In a resume: false (and the reason in why) if the job failed. */
bool pfs_done(struct quick *q, char *why, size_t whylen);
int pfs_add_ke(struct wire_builder *w, const struct quick *q);

#endif
