/* Child SAs: the pair of IPsec SAs a Quick Mode made, their keys derived
 * and installed in the kernel with their policies, and removed again. */
#ifndef OAKLEY_IKE_CHILD_H
#define OAKLEY_IKE_CHILD_H

#include "ike/ike.h"

/* Our inbound SPI: from the kernel (ALLOCSPI), or random without one. */
int child_alloc_spi(struct ike_daemon *d, struct quick *q, char *why, size_t whylen);
/* Derives KEYMAT for both directions and installs SAs and policies.
 * 0, or -errno with why filled in (the kernel's answer, in plain words). */
int child_install(struct quick *q, const uint8_t *gxy, size_t gxy_len, char *why, size_t whylen);
/* Removes the kernel state; send_delete tells the peer first. */
void child_remove(struct child_sa *c, bool send_delete);
/* dpdaction=hold: c's SAs go, its policies stay, so its traffic is
 * dropped, not sent in the clear.  c leaves the daemon's tables; the
 * caller keeps it until child_held_release takes the policies back
 * (unless an installed successor owns them now) and frees it. */
void child_hold(struct child_sa *c);
void child_held_release(struct child_sa *c);
/* The peer deleted the SA whose SPI (our outbound) it names. */
void child_peer_deleted(struct ike_sa *sa, uint32_t spi);
void child_remove_conn(struct ike_daemon *d, const char *name, bool send_delete);
bool child_conn_up(struct ike_daemon *d, const char *name);
/* The kernel says an SA reached a limit: soft rekeys, hard removes. */
void child_kernel_expired(struct ike_daemon *d, uint32_t spi, bool hard);
/* The kernel's byte and packet counts of both SAs; -ENODEV when the child
 * is not in the kernel. */
struct xfrm_sa_stats;
int child_stats(const struct child_sa *c, struct xfrm_sa_stats *in, struct xfrm_sa_stats *out);

#endif
