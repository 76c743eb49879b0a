/* IKEv1 fragmentation (the vendor ID 4048b7d56ebce88525e7de7f00d6c2d3 and
 * payload 132, as Cisco, Microsoft, strongSwan and Libreswan speak it):
 * reassembly of received fragments into one message, and the splitting of
 * a message we send.
 *
 * Receiving.  A set is the fragments of one message: same source address,
 * cookies and fragment ID.  It holds at most FRAG_MAX_FRAGMENTS fragments
 * and FRAG_MAX_BYTES of data; fragments may come in any order; a copy of
 * one kept is ignored; a fragment that contradicts the set (the same
 * number with other data, a second LAST with another number, a number
 * beyond LAST) drops the set and starts a new one (a stale set must not
 * poison the next message: peers use fragment ID 1 for every message).
 * Once LAST and every number below it are there the message is whole and
 * is handed on as one datagram, so the dispatcher and the capture see one
 * message.  A half-finished set is dropped after the retransmission
 * timeout (the peer resends all fragments of a message it retransmits).
 * At most FRAG_MAX_SETS sets (FRAG_MAX_SETS_PEER per source address, and
 * FRAG_TABLE_BYTES in all) are kept: a stranger sending fragment 1 of
 * many sets gets no more; when the table is full, a new set takes the
 * place of the oldest first-message set (no responder cookie), so spoofed
 * first messages cannot lock out the exchanges we have.  The daemon takes fragments only of
 * exchanges it expects (frag_input).
 *
 * Sending.  When the connection says fragmentation=force, or yes and the
 * peer sent the vendor ID, a message larger than fragment_size= goes out
 * as fragments: each an ISAKMP header (the message's cookies, the ISAKMP
 * SA's exchange type (Main or Aggressive Mode, as strongSwan sends even
 * for Quick Mode), message ID 0, flags 0) and one fragment payload with
 * fragment ID 1, numbers from 1, LAST on the last.  fragment_size counts
 * the whole IP datagram of a fragment, as strongSwan's
 * charon.fragment_size: IP and UDP headers, the non-ESP marker on port
 * 4500, the ISAKMP header, the fragment payload. */
#ifndef OAKLEY_IKE_FRAG_H
#define OAKLEY_IKE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/buf.h"
#include "util/loop.h"
#include "wire/frag.h"

#define FRAG_MAX_FRAGMENTS 16
#define FRAG_MAX_BYTES	   65535 /* a set's data: the largest ISAKMP message */
#define FRAG_MAX_SETS	   64
#define FRAG_MAX_SETS_PEER 4
#define FRAG_TABLE_BYTES   (1024 * 1024)
#define FRAG_ID		   1 /* as strongSwan and Libreswan send */

struct frag_set;
struct ike_daemon;
struct ike_sa;
struct ike_msg;

struct frag_table {
	struct frag_set *sets; /* newest first */
	unsigned nsets;
	size_t bytes;
	uint64_t timeout_ms;
	uint64_t dropped;   /* fragments not kept, and sets dropped unfinished */
	struct timer timer; /* the daemon's: frag_expire when the oldest is due */
	struct loop *loop;
};

void frag_table_init(struct frag_table *t, uint64_t timeout_ms);
void frag_table_clear(struct frag_table *t); /* frees every set */

/* One fragment f of the message whose header is h, from `from`.
 * 1: the message is whole, in *whole (buf_init'ed by the caller; its
 * header is the original's); 0: kept or ignored (a copy); -E2BIG: number
 * above FRAG_MAX_FRAGMENTS (its set dropped); -EMSGSIZE: over
 * FRAG_MAX_BYTES or FRAG_TABLE_BYTES (its set dropped); -ENOSPC: no room
 * for a new set; -ENOMEM.  Sets due by now_ms are dropped first. */
int frag_add(struct frag_table *t, uint64_t now_ms, const struct sockaddr *from,
	     const struct isakmp_hdr *h, const struct wire_frag *f, struct buf *whole);
/* Drops the sets due by now_ms; returns how many. */
unsigned frag_expire(struct frag_table *t, uint64_t now_ms);
/* When the oldest set is due, or 0 with none. */
uint64_t frag_next_due(const struct frag_table *t);

/* The send side, pure: calls out(arg, fragment, len) for each fragment
 * of msg/len, each at most room bytes (the datagram's ISAKMP part).
 * 0, -EINVAL (room too small, more than FRAG_MAX_FRAGMENTS fragments: sent whole), -ENOMEM. */
int frag_split(const uint8_t *msg, size_t len, uint8_t exchange, size_t room,
	       void (*out)(void *arg, const uint8_t *frag, size_t len), void *arg);

/* The daemon's side (frag_daemon.c). */
int frag_daemon_init(struct ike_daemon *d);
void frag_daemon_free(struct ike_daemon *d);
/* m: a datagram whose header says next payload 132.  Kept, dropped, or
 * completing a message that deliver is given (once, as one datagram from
 * the last fragment's addresses). */
void frag_input(struct ike_daemon *d, struct ike_msg *m,
		void (*deliver)(struct ike_daemon *d, struct ike_msg *m));
/* Sends msg for sa: whole, or as fragments when the connection and the
 * peer want them and it is larger than fragment_size=. */
void frag_send(struct ike_sa *sa, const uint8_t *msg, size_t len);
/* The same for a message to ep under connection c (NULL: whole), the
 * peer having sent the VID or not; the number of fragments sent, 0 when
 * it went whole.  (MM2 from the half-open state, which has no SA.) */
struct ike_endpoint;
struct conn;
unsigned frag_send_to(struct ike_daemon *d, const struct ike_endpoint *ep, const struct conn *c,
		      bool peer_frag, uint8_t exchange, const uint8_t *msg, size_t len);
/* Fragmentation agreed with the peer: its vendor ID, and ours allowed. */
bool frag_negotiated(const struct ike_sa *sa);

#endif
