/* Dead Peer Detection (RFC 3706): R-U-THERE and R-U-THERE-ACK as
 * protected Informational notifies, the probe timer of an established
 * ISAKMP SA, and what dpdaction= does when the peer is dead.  The peer's
 * R-U-THERE is always answered, whatever our own dpdaction=. */
#ifndef OAKLEY_IKE_DPD_H
#define OAKLEY_IKE_DPD_H

#include <stdbool.h>
#include <stdint.h>

#include "util/loop.h"
#include "wire/payload.h"

struct ike_sa;
struct ike_daemon;
struct buf;

/* One ISAKMP SA's DPD: ike_sa.dpd. */
struct dpd_state {
	struct timer timer;
	bool on;	     /* probing is configured and the peer speaks DPD */
	bool probing;	     /* R-U-THEREs are out, no ACK yet */
	bool quiet;	     /* not probing: replaced, or a newer SA has the peer */
	uint32_t seq_out;    /* the last sequence number we sent (0: none yet) */
	uint32_t seq_in;     /* the last one accepted from the peer */
	bool seq_in_seen;    /* seq_in is set */
	unsigned probes;     /* R-U-THEREs of the current round */
	unsigned probes_all; /* sent, and ACKs received, under this SA */
	unsigned acks;
	uint64_t probe_start_ms; /* the round's first R-U-THERE */
	uint64_t last_ack_ms;	 /* 0: none */
	uint64_t last_in_ms;	 /* the last authenticated IKE message from the peer */
	uint64_t esp_packets;	 /* inbound ESP packets at the last check */
	bool esp_known;
};

/* Daemon-wide: connections being restarted and policies held. */
struct dpd_daemon;

/* The rules of RFC 3706 section 5, on a notify already known to be an
 * R-U-THERE or ACK: its SPI must be the ISAKMP SA's cookies, its data the
 * 4-byte sequence number.  0 and the number, or -EINVAL (ignored). */
int dpd_notify_parse(const struct wire_notify *n, const uint8_t icookie[8],
		     const uint8_t rcookie[8], uint32_t *seq);
/* A peer's R-U-THERE is new when greater than the last one accepted
 * (the first: any); an ACK must carry the last number we sent. */
bool dpd_seq_in_ok(const struct dpd_state *s, uint32_t seq);
bool dpd_ack_ok(const struct dpd_state *s, uint32_t seq);

/* sa.c: a new SA, established, freed. */
void dpd_init(struct ike_sa *sa);
void dpd_established(struct ike_sa *sa);
void dpd_sa_free(struct ike_sa *sa);
/* An authenticated message arrived under sa (dispatch.c). */
void dpd_heard(struct ike_sa *sa);
/* informational.c: true when n is an R-U-THERE or ACK (handled or
 * ignored here); encrypted: it came protected under sa. */
bool dpd_input(struct ike_sa *sa, bool encrypted, const struct wire_notify *n);

/* daemon.c: `down NAME` ends NAME's restart and held policies; shutdown
 * ends them all (name NULL). */
void dpd_conn_down(struct ike_daemon *d, const char *name);
/* How many policy sets dpdaction=hold keeps for NAME (NULL: all), and
 * whether NAME is waiting to be restarted (status, tests). */
unsigned dpd_held(const struct ike_daemon *d, const char *name);
bool dpd_restarting(const struct ike_daemon *d, const char *name);

/* status.c: "off", "idle", "quiet" (a newer SA probes the peer) or
 * "probing" and the numbers, text or JSON. */
const char *dpd_state_name(const struct ike_sa *sa);
void dpd_status_text(const struct ike_sa *sa, struct buf *out);
void dpd_status_json(const struct ike_sa *sa, struct buf *out);

#endif
