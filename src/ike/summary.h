/* Counts of the daemon's state by kind, for oakleyctl status --summary:
 * one walk over the SAs, nothing kept. */
#ifndef OAKLEY_IKE_SUMMARY_H
#define OAKLEY_IKE_SUMMARY_H

#include <stdint.h>

#include "ike/ike.h"

struct ike_summary {
	unsigned connections;	  /* loaded from the configuration */
	unsigned ike_negotiating; /* ISAKMP SAs in Main or Aggressive Mode */
	unsigned ike_established;
	unsigned ike_failed;	    /* dead, lingering for retransmissions */
	unsigned ipsec_sas;	    /* pairs, installed or negotiated */
	unsigned ipsec_installed;   /* of which in the kernel */
	unsigned quick_negotiating; /* Quick Modes in progress */
	unsigned halfopen;	    /* responder SAs not yet established */
	unsigned failures;	    /* connections with a last failure */
	uint64_t dropped_halfopen, dropped_first, dropped_undecryptable, dropped_am_rate;
};

void ike_summary(const struct ike_daemon *d, struct ike_summary *s);

/* The live ISAKMP SA (IPsec SA) with this serial number, looked up by the
 * key it is hashed under (its initiator cookie, its inbound SPI), or NULL:
 * lets a listing resume after an SA without keeping a pointer to it. */
const struct ike_sa *ike_sa_by_serial(const struct ike_daemon *d, const uint8_t icookie[8],
				      unsigned serial);
const struct child_sa *ike_child_by_seq(const struct ike_daemon *d, uint32_t spi_in,
					unsigned serial);

#endif
