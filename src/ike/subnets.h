/* Several subnets per connection (conf/subnets.c makes the conns NAME/1x1,
 * NAME/1x2, ... of a conn NAME): `up NAME` and `down NAME` take them all,
 * and a peer's refusal of one pair's Quick Mode fails that pair only. */
#ifndef OAKLEY_IKE_SUBNETS_H
#define OAKLEY_IKE_SUBNETS_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ike.h"
#include "util/buf.h"

struct wire_notify;

/* Brings up every pair of group name: one phase 1 (the first pair's),
 * then one Quick Mode per pair under it.  fn is called once, when every
 * pair has answered: ok when all are up, why one line per pair
 * ("NAME/1x2: up" or "NAME/1x2: <why it failed>") after a first line
 * saying how many are up.  -ENOENT when name is no group. */
int ike_up_group(struct ike_daemon *d, const char *name, ike_up_fn fn, void *arg);
/* Brings every pair of group name down (its IPsec SAs, queued Quick Modes,
 * then the ISAKMP SA): 0, or -ENOENT when name is no group. */
int ike_down_group(struct ike_daemon *d, const char *name);

/* A peer's protected notify refusing our Quick Modes: when it names the
 * SPI of one of ours (as strongSwan's and oakley's do), only that one
 * fails (an SPI of none of ours fails none); without an SPI, all that are
 * pending (quick_refused_all). */
void quick_refused_by_spi(struct ike_sa *sa, const struct wire_notify *n);
/* The SPI of the first proposal of a Quick Mode SA payload's body (what
 * a refusal names): false when it has none of 4 bytes. */
bool quick_offer_spi(struct cursor sa_body, uint32_t *spi);

#endif
