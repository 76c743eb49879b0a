/* Rekeying, make before break (issue 9).
 *
 * When: strongSwan's ipsec.conf meaning of margintime= (rekeymargin=) and
 * rekeyfuzz=: a rekey starts at lifetime - margin - random(0 .. margin *
 * fuzz / 100).  When margin and its fuzz do not fit in half the lifetime
 * (a 9 min margin on a 40 s SA) both are scaled down so that they do: the
 * rekey never starts before half the lifetime, nor after lifetime - margin.
 *
 * ISAKMP SAs: the side whose timer fires first starts a new Main (or
 * Aggressive) Mode while the old SA is valid; once it is up the old one is
 * deleted with a Delete to the peer (by the new one's initiator).  IPsec SAs
 * stay where they are; later Quick Modes use the newest ISAKMP SA.  Two
 * new ones made at once (both sides rekeyed): the one whose initiator
 * cookie is higher goes, on both sides.
 *
 * IPsec SAs: the successor has the same reqid, so the policies do not
 * change; its inbound SA is in the kernel before our QM2 (QM3) goes.  The
 * responder adds its outbound SA at QM3; the initiator holds its outbound
 * SA back until the peer is seen sending on the new inbound one (or a
 * short wait passed), since the peer adds its inbound SA only at QM3.  The
 * kernel sends on the newest outbound SA of a reqid; the old outbound SA
 * is removed half a second later (a packet that chose it just before the
 * switch is still on its way out).  The old inbound SA stays until the peer sends on the
 * new one (or a wait passed), then a Delete names it, and it goes a moment
 * later.  Two successors made at once: the pair with the lower SPI stays. */
#ifndef OAKLEY_IKE_REKEY_H
#define OAKLEY_IKE_REKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "util/loop.h"

struct ike_sa;
struct child_sa;
struct quick;
struct ike_daemon;
struct conf_ts;

/* The window a rekey starts in, in ms after the SA was made: [lo, hi]. */
void rekey_window_ms(uint32_t life_s, uint32_t margin_s, uint32_t fuzz_pct, uint64_t *lo,
		     uint64_t *hi);
/* A time in that window, r (uniform random 32 bits) choosing where. */
uint64_t rekey_after_ms(uint32_t life_s, uint32_t margin_s, uint32_t fuzz_pct, uint32_t r);
/* The same with fresh randomness. */
uint64_t rekey_after_ms_rand(uint32_t life_s, uint32_t margin_s, uint32_t fuzz_pct);

/* On an ISAKMP SA (struct ike_sa's `rk`). */
struct ike_rekey {
	struct timer timer;   /* the start of its rekey */
	unsigned replaces;    /* the serial of the SA it was made to replace, 0: none */
	unsigned replaced_by; /* its successor's serial, once that is up */
	uint64_t retire_ms;   /* when that was */
};

void rekey_ike_init(struct ike_sa *sa);
void rekey_ike_free(struct ike_sa *sa);
/* sa is up: its rekey timer; the SA it replaces, or a twin, goes. */
void rekey_ike_established(struct ike_sa *sa);
/* The ISAKMP SA to send a child's Delete under: the one that made it, or
 * the newest with its peer when that one is gone. */
struct ike_sa *rekey_sa_for_child(const struct child_sa *c);

/* On an IPsec SA (struct child_sa's `rk`). */
enum child_rekey_state {
	CHILD_RK_NONE,
	CHILD_RK_HOLD,	   /* new, initiator: outbound SA held back */
	CHILD_RK_RETIRING, /* old: outbound gone, inbound kept for the peer */
	CHILD_RK_DELETED,  /* old: Delete sent, inbound goes soon */
};

struct child_rekey {
	struct timer timer;
	enum child_rekey_state state;
	unsigned succ_seq; /* replaced by the child with this seq, 0: not */
	uint64_t since_ms;
	bool out_removed; /* CHILD_RK_RETIRING: its outbound SA is gone */
	uint8_t *key_out; /* CHILD_RK_HOLD: the outbound keys (heap, wiped) */
	size_t key_len;
};

/* The reqid for a new child with these selectors and peer: the running
 * child's (its successor keeps the policies), or a fresh one. */
uint32_t rekey_child_reqid(struct ike_daemon *d, const struct conf_ts *l, const struct conf_ts *r,
			   const struct sockaddr *peer);
/* Should the initiator's new child hold its outbound SA back (a running
 * child with its selectors carries the traffic meanwhile)? */
bool rekey_child_holds_out(const struct child_sa *c);
void rekey_child_init(struct child_sa *c);
void rekey_child_free(struct child_sa *c);
/* c was installed (key_out: its held-back outbound keys, or NULL). */
void rekey_child_installed(struct child_sa *c, const uint8_t *key_out, size_t key_len);
/* May this side rekey c (rekey=yes, and it can reach the peer)? */
bool rekey_child_may(const struct child_sa *c);
/* When this side starts c's successor (ms after c was made): the
 * initiator in the margin, the responder halfway from the margin's start
 * to the end (if the initiator did not); the lifetime when it may not. */
uint64_t rekey_child_after_ms(const struct child_sa *c);
/* The kernel's soft time limit for c: after the rekey timers of both sides
 * (it retries a rekey that failed), before the hard one. */
uint32_t rekey_child_soft_s(const struct child_sa *c);
/* rekey_kernel.c: a Quick Mode's inbound SA, before our QM2 (QM3) goes;
 * c's outbound SA added (held back until now) or removed alone; the
 * packets c's inbound SA took.  0 or -errno. */
int child_install_inbound(struct quick *q);
int child_install_outbound(struct child_sa *c, const uint8_t *key);
void child_remove_outbound(struct child_sa *c);
int child_in_packets(const struct child_sa *c, uint64_t *packets);

/* A few words for status: "replaced by ...", "rekeyed by #N", or "". */
const char *rekey_child_state(const struct child_sa *c, char *buf, size_t len);
const char *rekey_ike_state(const struct ike_sa *sa, char *buf, size_t len);

#endif
