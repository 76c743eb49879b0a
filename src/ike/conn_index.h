/* The responder's way from a packet to its connections: built once per
 * configuration, it lists, for a pair of addresses (local, remote) and for
 * a local address with right=%any, the connections in configuration order,
 * and the same again split by the peer's ID.  A walk returns exactly what
 * a scan of every connection would (conn_scan_next_for_peer, kept for the
 * tests): the exact remotes first, then the right=%any ones, auto=ignore
 * left out.  Each step is a hash lookup and a binary search. */
#ifndef OAKLEY_IKE_CONN_INDEX_H
#define OAKLEY_IKE_CONN_INDEX_H

#include <sys/socket.h>

#include "conf/conf.h"
#include "wire/payload.h"

struct conn_index;

/* 0 or -ENOMEM.  The index refers to c's conns: free it before c. */
int conn_index_build(const struct conf *c, struct conn_index **out);
void conn_index_free(struct conn_index *ix);
const struct conf *conn_index_conf(const struct conn_index *ix);

/* The connections between these addresses after prev (NULL: the first),
 * as conn_scan_next_for_peer returns them. */
const struct conn *conn_index_next(const struct conn_index *ix, const struct sockaddr *local,
				   const struct sockaddr *remote, const struct conn *prev);
/* The same walk keeping only the connections whose rightid takes this ID
 * (rightid=%any, or the same ID; names without case): what a caller that
 * filters conn_index_next by the ID would see. */
const struct conn *conn_index_next_id(const struct conn_index *ix, const struct sockaddr *local,
				      const struct sockaddr *remote, const struct wire_id *id,
				      const struct conn *prev);

/* The same walk keeping the connections whose subnets cover a Quick
 * Mode's proposed selectors (local_ts: ours, the peer's IDcr; remote_ts:
 * the peer's IDci) as ts_covers decides, and every one without a subnet
 * on a side (its selector is the SA's address: the caller checks it).
 * Each step is a lookup per configured shape of subnet pair (prefix
 * lengths and protoports; beyond 32 shapes, every conn of the peer). */
const struct conn *conn_index_next_ts(const struct conn_index *ix, const struct sockaddr *local,
				      const struct sockaddr *remote, const struct conf_ts *local_ts,
				      const struct conf_ts *remote_ts, const struct conn *prev);

/* The scan the index replaces: every connection in turn. */
const struct conn *conn_scan_next_for_peer(const struct conf *c, const struct sockaddr *local,
					   const struct sockaddr *remote, const struct conn *prev);

#endif
