/* Perfect forward secrecy in Quick Mode (RFC 2409 5.5): a fresh
 * Diffie-Hellman exchange whose secret goes into KEYMAT. */
#ifndef OAKLEY_IKE_PFS_H
#define OAKLEY_IKE_PFS_H

#include "ike/exchange.h"
#include "ike/ike.h"

/* Our key pair for q->pfs. */
int pfs_start(struct quick *q);
int pfs_add_ke(struct wire_builder *w, const struct quick *q);
/* The peer's KE from m: the shared secret into q->gxy.  0, or a notify code
 * with the reason in why. */
int pfs_finish(struct quick *q, const struct ike_msg *m, char *why, size_t whylen);
void pfs_clear(struct quick *q);

#endif
