/* What child.c shares with the rekey's kernel steps (rekey_kernel.c). */
#ifndef OAKLEY_IKE_CHILD_INTERNAL_H
#define OAKLEY_IKE_CHILD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"
#include "kernel/xfrm.h"

void addr_from_sa(struct xfrm_addr *a, const struct sockaddr *sa);
/* KEYMAT for the SA with this SPI (RFC 2409 5.5). */
int child_keymat(const struct quick *q, uint32_t spi, const uint8_t *gxy, size_t gxy_len,
		 uint8_t *out, size_t len);
/* c's addresses, selectors, SPIs, algorithms, lifetimes, encapsulation
 * and cookies from its Quick Mode q. */
void child_set_from_quick(struct child_sa *c, const struct quick *q);
/* The kernel's description of one direction of c. */
void child_sa_params(const struct child_sa *c, bool inbound, const uint8_t *keymat,
		     struct xfrm_sa *x);

#endif
