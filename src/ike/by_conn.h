/* SAs by connection name and by identities (by_conn.c).  ike_sa_find_conn
 * and ike_sa_for_conn are declared in ike.h. */
#ifndef OAKLEY_IKE_BY_CONN_H
#define OAKLEY_IKE_BY_CONN_H

#include <stdbool.h>
#include <stddef.h>

struct ike_daemon;
struct ike_sa;
struct child_sa;
struct sa_group;

/* An SA's place in the group of SAs with one key (a connection's name, or
 * a pair of identities): a list, so that leaving it is O(1) however many
 * SAs share the key (a responder's one %any connection has them all). */
struct group_link {
	struct sa_group *g; /* NULL: not filed */
	struct group_link *next, *prev;
};

/* Any object filed by a key in table t (one of the daemon's tables that
 * by_conn_init makes): filing, leaving (safe when not filed) and the
 * group's first link, all O(1) in the group's size. */
struct htable;
int group_file(struct htable *t, struct group_link *l, const void *key, size_t len);
void group_leave(struct htable *t, struct group_link *l);
const struct group_link *group_head(const struct htable *t, const void *key, size_t len);

int by_conn_init(struct ike_daemon *d);
void by_conn_free(struct ike_daemon *d);
/* (Re)files sa under its connection's name and identities: after every
 * change of sa->conn.  Safe on an SA not filed. */
void ike_sa_index(struct ike_sa *sa);
void ike_sa_unindex(struct ike_sa *sa);
void child_index(struct child_sa *c);
void child_unindex(struct child_sa *c);
/* Established ISAKMP SAs by their peer's address: filed when established,
 * out when dead or freed.  Is another one established with sa's peer? */
void ike_sa_file_peer(struct ike_sa *sa);
void ike_sa_unfile_peer(struct ike_sa *sa);
bool ike_sa_peer_has_other(const struct ike_sa *sa);
/* The first of the established ISAKMP SAs with sa's peer address (linked
 * by their by_peer), or NULL. */
const struct group_link *ike_sa_peer_first(const struct ike_sa *sa);
/* The first IPsec SA after `after` (NULL: the first) with the same
 * selectors as c (ts_equal both ways), c itself left out, or NULL:
 * children are filed by their selector pair (child_index). */
const struct child_sa *child_next_same_ts(const struct child_sa *c, const struct child_sa *after);
/* The first IPsec SA with these selectors, or NULL (then
 * child_next_same_ts(first, ...) for the others). */
struct conf_ts;
const struct child_sa *child_first_by_ts(struct ike_daemon *d, const struct conf_ts *l,
					 const struct conf_ts *r);
/* Any ISAKMP SA of connection name, failed ones too, or NULL. */
struct ike_sa *ike_sa_of_conn(struct ike_daemon *d, const char *name);
/* An IPsec SA of connection name, or NULL. */
struct child_sa *child_find_conn(struct ike_daemon *d, const char *name);

#endif
