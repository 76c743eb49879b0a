/* Address pools for Mode Config servers (issue 11): which address each
 * identity (the XAUTH user name, else the peer's phase-1 ID as a string)
 * holds.  Pure bookkeeping, no I/O, as strongSwan's mem_pool behaves:
 *
 * - An identity that holds a lease, online or offline, gets the same
 *   address again (a reconnect keeps its address while the lease lives).
 * - Else a never-used address, lowest first; else the offline lease of
 *   another identity that has been offline longest (it loses it).
 * - Every address is held by one identity at most: never handed out twice.
 * - A lease is online from acquire to release; acquiring an online lease
 *   again counts a second holder, and the last release makes it offline
 *   (ra_hold.c acquires once per hold: one online SA per address).
 *
 * Memory: bounded by the pool's size (one entry per address ever handed
 * out); identities longer than LEASE_ID_MAX are refused. */
#ifndef OAKLEY_IKE_LEASE_H
#define OAKLEY_IKE_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"

#define LEASE_ID_MAX   255   /* bytes of an identity */
#define LEASE_POOL_MAX 65536 /* addresses in one pool */

struct lease_pool;

/* first..last inclusive, one family (IPv4 or IPv6), first <= last, at
 * most LEASE_POOL_MAX addresses: 0, -EINVAL (with nothing made), -ENOMEM. */
int lease_pool_new(const char *name, const struct conf_addr *first, const struct conf_addr *last,
		   struct lease_pool **out);
void lease_pool_free(struct lease_pool *p);
const char *lease_pool_name(const struct lease_pool *p);
/* Whether the pool is the range first..last (a reload keeps such a pool,
 * with its leases). */
bool lease_pool_same(const struct lease_pool *p, const struct conf_addr *first,
		     const struct conf_addr *last);

/* The address for identity (see above): 0; -ENOSPC: every address is online;
 * -EINVAL: an empty or too long identity; -ENOMEM. */
int lease_acquire(struct lease_pool *p, const char *identity, struct conf_addr *out);
/* One holder of identity's lease on a lets go: 0, or -ENOENT when identity
 * holds no online lease on a. */
int lease_release(struct lease_pool *p, const char *identity, const struct conf_addr *a);

/* Whether a is in p's range. */
bool lease_pool_has(const struct lease_pool *p, const struct conf_addr *a);
/* A reload changed a range: every lease of from (online or offline) whose
 * address is in to's range moves to `to`, with its holders, unless to
 * has that address or that identity already.  0 or -ENOMEM (some moved). */
int lease_pool_adopt(struct lease_pool *to, struct lease_pool *from);

/* Whether identity's lease in p (online or offline) is a. */
bool lease_held(const struct lease_pool *p, const char *identity, const struct conf_addr *a);

struct lease_counts {
	unsigned size, online, offline;
};
void lease_pool_counts(const struct lease_pool *p, struct lease_counts *c);
/* Every lease ever handed out (online first, then offline), for status. */
typedef void (*lease_fn)(const char *identity, const struct conf_addr *a, bool online,
			 unsigned holders, void *arg);
void lease_pool_walk(const struct lease_pool *p, lease_fn fn, void *arg);

#endif
