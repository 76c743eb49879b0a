/* Identities: phase-1 IDs (who the peer is) and phase-2 IDs (what a child
 * SA protects), between their config and wire forms. */
#ifndef OAKLEY_IKE_ID_H
#define OAKLEY_IKE_ID_H

#include "conf/conf.h"
#include "wire/payload.h"

/* Appends an ID payload; body_off and body_len locate the ID body in w->b (the
 * bytes HASH_I and HASH_R cover). */
int id_add_phase1(struct wire_builder *w, const struct conf_id *id, size_t *body_off,
		  size_t *body_len);
/* An address as a phase-1 ID (ID_IPV4_ADDR / ID_IPV6_ADDR). */
void id_from_address(struct conf_id *id, const struct sockaddr *ss);
bool id_phase1_matches(const struct conf_id *want, const struct wire_id *got);
void id_phase1_str(const struct wire_id *id, char *out, size_t len);

int id_add_ts(struct wire_builder *w, const struct conf_ts *ts);
/* 0, or INVALID_ID_INFORMATION for an ID that is no address selector.
 * Ranges are taken when they are exactly one prefix (the kernel's
 * selectors are prefixes); others are refused. */
int id_to_ts(const struct wire_id *id, struct conf_ts *ts);
bool ts_covers(const struct conf_ts *outer, const struct conf_ts *inner);
bool ts_equal(const struct conf_ts *a, const struct conf_ts *b);
void ts_str(const struct conf_ts *ts, char *out, size_t len);
/* The selector of a host: its address alone, any protocol and port. */
void ts_host(struct conf_ts *ts, const struct sockaddr *ss);

#endif
