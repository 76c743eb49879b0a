/* The responder's connection index against the scan it replaces: on
 * generated configurations (IPv4, IPv6, right=%any, auto=ignore, IDs of
 * several types and cases), every walk and every single step from every
 * possible prev returns the same connections in the same order.  The
 * walk by a Quick Mode's selectors (conn_index_next_ts) returns what the
 * scan filtered by ts_covers does, and looks at no other conn. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/conn_index.h"

/* The lookups take the address as a sockaddr (it may be a sockaddr_inet). */
#define SA(x) ((const struct sockaddr *)(x))
#include "ike/id.h"
#include "wire/isakmp.h"

static const char *const locals[] = {"10.0.0.1", "10.0.0.2", "2001:db8::1"};
static const char *const remotes[] = {"10.9.0.1", "10.9.0.2", "10.9.0.3", "2001:db8:9::1",
				      "2001:db8:9::2"};
/* Peer addresses a packet may come from: the configured ones and others. */
static const char *const froms[] = {"10.9.0.1",	     "10.9.0.2",      "10.9.0.3",     "10.9.0.4",
				    "2001:db8:9::1", "2001:db8:9::2", "2001:db8:9::7"};

struct test_id {
	uint8_t type;
	const char *data;
	uint8_t len;
};

static const struct test_id ids[] = {
	{ID_FQDN, "gw.example", 10},	       {ID_FQDN, "GW.example", 10},
	{ID_FQDN, "other.example", 13},	       {ID_USER_FQDN, "a@example", 9},
	{ID_IPV4_ADDR, "\x0a\x09\x00\x01", 4}, {ID_KEY_ID, "GW.example", 10},
};

static void ss_set(struct sockaddr_storage *ss, const char *s)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(s, ':')) {
		ss->ss_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)ss)->sin6_addr),
				 1);
	} else {
		ss->ss_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, s, &((struct sockaddr_in *)ss)->sin_addr), 1);
	}
}

static void addr_set(struct conf_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (s)
		assert_int_equal(conf_addr_parse(s, a), 0);
}

static uint32_t rnd(uint32_t *state, uint32_t n)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 8) % n;
}

/* n conns; a local and remote of the same family, about a quarter
 * right=%any, a third auto=ignore, a third with rightid=%any. */
static struct conf *gen_conf(unsigned n, uint32_t seed)
{
	struct conf *c = calloc(1, sizeof(*c));
	unsigned i;

	assert_non_null(c);
	c->conns = calloc(n, sizeof(*c->conns));
	assert_non_null(c->conns);
	c->nconns = n;
	for (i = 0; i < n; i++) {
		struct conn *k = &c->conns[i];
		bool v6 = rnd(&seed, 3) == 0;
		const struct test_id *id = &ids[rnd(&seed, sizeof(ids) / sizeof(ids[0]))];

		snprintf(k->name, sizeof(k->name), "c%u", i);
		addr_set(&k->local.addr, v6 ? locals[2] : locals[rnd(&seed, 2)]);
		addr_set(&k->remote.addr, rnd(&seed, 4) == 0 ? NULL
					  : v6		     ? remotes[3 + rnd(&seed, 2)]
							     : remotes[rnd(&seed, 3)]);
		k->auto_ = (enum conn_auto)rnd(&seed, 3);
		if (rnd(&seed, 3)) {
			k->remote.id.type = id->type;
			k->remote.id.len = id->len;
			memcpy(k->remote.id.data, id->data, id->len);
		}
	}
	return c;
}

static void conf_drop(struct conf *c)
{
	free(c->conns);
	free(c);
}

static void compare_walks(const struct conf *c, const struct conn_index *ix)
{
	struct sockaddr_storage l, r;
	const struct conn *a, *b;
	unsigned li, ri, p, steps;

	for (li = 0; li < 3; li++) {
		for (ri = 0; ri < sizeof(froms) / sizeof(froms[0]); ri++) {
			ss_set(&l, locals[li]);
			ss_set(&r, froms[ri]);
			/* a whole walk */
			a = b = NULL;
			steps = 0;
			do {
				a = conn_scan_next_for_peer(c, SA(&l), SA(&r), a);
				b = conn_index_next(ix, SA(&l), SA(&r), b);
				assert_ptr_equal(a, b);
				steps++;
			} while (a);
			assert_true(steps <= c->nconns + 1);
			/* one step from every conn, in the walk or not */
			for (p = 0; p < c->nconns; p++)
				assert_ptr_equal(
					conn_scan_next_for_peer(c, SA(&l), SA(&r), &c->conns[p]),
					conn_index_next(ix, SA(&l), SA(&r), &c->conns[p]));
		}
	}
}

static const struct conn *scan_id(const struct conf *c, const struct sockaddr *l,
				  const struct sockaddr *r, const struct wire_id *id,
				  const struct conn *prev)
{
	while ((prev = conn_scan_next_for_peer(c, l, r, prev)))
		if (id_phase1_matches(&prev->remote.id, id))
			return prev;
	return NULL;
}

static void compare_id_walks(const struct conf *c, const struct conn_index *ix)
{
	static uint8_t long_id[300];
	struct sockaddr_storage l, r;
	struct wire_id id;
	const struct conn *a, *b;
	unsigned li, ri, k, p;

	for (k = 0; k <= sizeof(ids) / sizeof(ids[0]) + 1; k++) {
		memset(&id, 0, sizeof(id));
		if (k < sizeof(ids) / sizeof(ids[0])) {
			id.type = ids[k].type;
			id.data.p = (const uint8_t *)ids[k].data;
			id.data.len = ids[k].len;
		} else if (k == sizeof(ids) / sizeof(ids[0])) {
			id.type = ID_FQDN; /* longer than any configured ID */
			memset(long_id, 'a', sizeof(long_id));
			id.data.p = long_id;
			id.data.len = sizeof(long_id);
		} /* else type 0: only rightid=%any takes it */
		for (li = 0; li < 3; li++) {
			for (ri = 0; ri < sizeof(froms) / sizeof(froms[0]); ri++) {
				ss_set(&l, locals[li]);
				ss_set(&r, froms[ri]);
				a = b = NULL;
				do {
					a = scan_id(c, SA(&l), SA(&r), &id, a);
					b = conn_index_next_id(ix, SA(&l), SA(&r), &id, b);
					assert_ptr_equal(a, b);
				} while (a);
				for (p = 0; p < c->nconns; p++)
					assert_ptr_equal(
						scan_id(c, SA(&l), SA(&r), &id, &c->conns[p]),
						conn_index_next_id(ix, SA(&l), SA(&r), &id,
								   &c->conns[p]));
			}
		}
	}
}

/* Subnets for the conns of gen_conf, drawn separately (the peer walks'
 * configurations stay as they were): a fifth without a subnet on a side,
 * prefixes of several lengths over a few addresses, some protoports. */
static void gen_subnet(struct conf_ts *ts, bool v6, uint32_t *seed)
{
	static const uint8_t v4_plens[] = {0, 16, 24, 24, 32}, v6_plens[] = {0, 64, 128};
	char a[64];

	memset(ts, 0, sizeof(*ts));
	if (v6)
		snprintf(a, sizeof(a), "2001:db8:%u::%u", rnd(seed, 3), rnd(seed, 2));
	else
		snprintf(a, sizeof(a), "10.%u.%u.%u", 1 + rnd(seed, 2), rnd(seed, 4),
			 rnd(seed, 2) * 128);
	addr_set(&ts->addr, a);
	ts->prefixlen = v6 ? v6_plens[rnd(seed, 3)] : v4_plens[rnd(seed, 5)];
	if (!rnd(seed, 6)) {
		ts->proto = 17;
		ts->port = rnd(seed, 2) ? 500 : 0;
	}
}

static void gen_subnets(struct conf *c, uint32_t seed)
{
	unsigned i;

	for (i = 0; i < c->nconns; i++) {
		struct conn *k = &c->conns[i];
		bool v6 = k->local.addr.family == AF_INET6;

		k->local.has_subnet = rnd(&seed, 5) != 0;
		k->remote.has_subnet = rnd(&seed, 5) != 0;
		if (k->local.has_subnet)
			gen_subnet(&k->local.subnet, v6, &seed);
		if (k->remote.has_subnet)
			gen_subnet(&k->remote.subnet, v6, &seed);
	}
}

/* What the responder's Quick Mode keeps of a walk: a conn without a
 * subnet on a side (checked against the SA's addresses by the caller),
 * or whose subnets cover the proposal. */
static bool ts_candidate(const struct conn *c, const struct conf_ts *lts, const struct conf_ts *rts)
{
	return !c->local.has_subnet || !c->remote.has_subnet ||
	       (ts_covers(&c->local.subnet, lts) && ts_covers(&c->remote.subnet, rts));
}

static const struct conn *scan_ts(const struct conf *c, const struct sockaddr *l,
				  const struct sockaddr *r, const struct conf_ts *lts,
				  const struct conf_ts *rts, const struct conn *prev)
{
	while ((prev = conn_scan_next_for_peer(c, l, r, prev)))
		if (ts_candidate(prev, lts, rts))
			return prev;
	return NULL;
}

/* The index's walk, kept to the candidates (it returns every conn of the
 * peer when the configuration has too many shapes). */
static const struct conn *index_ts(const struct conn_index *ix, const struct sockaddr *l,
				   const struct sockaddr *r, const struct conf_ts *lts,
				   const struct conf_ts *rts, const struct conn *prev)
{
	while ((prev = conn_index_next_ts(ix, l, r, lts, rts, prev)))
		if (ts_candidate(prev, lts, rts))
			return prev;
	return NULL;
}

/* A proposal: a selector of each side, of the conns' family or not. */
static void gen_proposal(struct conf_ts *lts, struct conf_ts *rts, bool v6, uint32_t *seed)
{
	static const uint8_t v4_plens[] = {8, 16, 24, 25, 32}, v6_plens[] = {48, 64, 128};
	struct conf_ts *ts[2] = {lts, rts};
	unsigned i;

	for (i = 0; i < 2; i++) {
		gen_subnet(ts[i], v6, seed);
		ts[i]->prefixlen = v6 ? v6_plens[rnd(seed, 3)] : v4_plens[rnd(seed, 5)];
		if (!rnd(seed, 4)) {
			ts[i]->proto = rnd(seed, 2) ? 17 : 6;
			ts[i]->port = rnd(seed, 2) ? 500 : 4500;
		}
	}
}

static void compare_ts_walks(const struct conf *c, const struct conn_index *ix, uint32_t seed)
{
	struct sockaddr_storage l, r;
	struct conf_ts lts, rts;
	const struct conn *a, *b;
	unsigned li, ri, k, p;

	for (k = 0; k < 24; k++) {
		for (li = 0; li < 3; li++) {
			for (ri = 0; ri < sizeof(froms) / sizeof(froms[0]); ri++) {
				ss_set(&l, locals[li]);
				ss_set(&r, froms[ri]);
				gen_proposal(&lts, &rts, (li == 2) != !rnd(&seed, 8), &seed);
				a = b = NULL;
				do {
					a = scan_ts(c, SA(&l), SA(&r), &lts, &rts, a);
					b = index_ts(ix, SA(&l), SA(&r), &lts, &rts, b);
					assert_ptr_equal(a, b);
				} while (a);
				for (p = 0; p < c->nconns; p += 1 + rnd(&seed, 4))
					assert_ptr_equal(scan_ts(c, SA(&l), SA(&r), &lts, &rts,
								 &c->conns[p]),
							 index_ts(ix, SA(&l), SA(&r), &lts, &rts,
								  &c->conns[p]));
			}
		}
	}
}

/* Many conns to one peer with one shape of subnets (/24 each side) and
 * a 0.0.0.0/0 one: the walk for one conn's subnets returns it and the
 * wide one, in file order, and nothing else (the scan looked at all). */
static void test_ts_walk_is_a_lookup(void **state)
{
	enum { N = 2000 };
	struct conf c = {0};
	struct sockaddr_storage l, r;
	struct conf_ts lts, rts;
	struct conn_index *ix;
	const struct conn *k;
	char a[32];
	unsigned i;

	c.conns = calloc(N, sizeof(*c.conns));
	assert_non_null(c.conns);
	c.nconns = N;
	for (i = 0; i < N; i++) {
		struct conn *x = &c.conns[i];

		addr_set(&x->local.addr, "10.0.0.1");
		addr_set(&x->remote.addr, "10.9.0.1");
		x->auto_ = AUTO_ADD;
		x->local.has_subnet = x->remote.has_subnet = true;
		snprintf(a, sizeof(a), "10.1.%u.%u", i / 256, i % 256);
		addr_set(&x->local.subnet.addr, i == 1000 ? "0.0.0.0" : a);
		x->local.subnet.prefixlen = i == 1000 ? 0 : 32;
		snprintf(a, sizeof(a), "10.2.%u.%u", i / 256, i % 256);
		addr_set(&x->remote.subnet.addr, i == 1000 ? "0.0.0.0" : a);
		x->remote.subnet.prefixlen = i == 1000 ? 0 : 32;
	}
	assert_int_equal(conn_index_build(&c, &ix), 0);
	ss_set(&l, "10.0.0.1");
	ss_set(&r, "10.9.0.1");
	lts = c.conns[1999].local.subnet;
	rts = c.conns[1999].remote.subnet;
	k = conn_index_next_ts(ix, SA(&l), SA(&r), &lts, &rts, NULL);
	assert_ptr_equal(k, &c.conns[1000]);
	k = conn_index_next_ts(ix, SA(&l), SA(&r), &lts, &rts, k);
	assert_ptr_equal(k, &c.conns[1999]);
	assert_null(conn_index_next_ts(ix, SA(&l), SA(&r), &lts, &rts, k));
	/* narrower than a conn's: taken by the wide one only */
	lts.prefixlen = rts.prefixlen = 32;
	addr_set(&lts.addr, "10.1.200.1");
	k = conn_index_next_ts(ix, SA(&l), SA(&r), &lts, &rts, NULL);
	assert_ptr_equal(k, &c.conns[1000]);
	assert_null(conn_index_next_ts(ix, SA(&l), SA(&r), &lts, &rts, k));
	conn_index_free(ix);
	free(c.conns);
}

static void test_generated(void **state)
{
	static const unsigned sizes[] = {0, 1, 2, 7, 50, 400};
	struct conn_index *ix;
	unsigned s, seed;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (seed = 1; seed <= 4; seed++) {
			struct conf *c = gen_conf(sizes[s], seed * 7919u + sizes[s]);

			assert_int_equal(conn_index_build(c, &ix), 0);
			assert_ptr_equal(conn_index_conf(ix), c);
			compare_walks(c, ix);
			compare_id_walks(c, ix);
			conn_index_free(ix);
			gen_subnets(c, seed * 104729u + sizes[s]);
			assert_int_equal(conn_index_build(c, &ix), 0);
			compare_walks(c, ix);
			compare_ts_walks(c, ix, seed);
			conn_index_free(ix);
			conf_drop(c);
		}
	}
}

/* The order the responder relies on, spelt out: exact remotes first in
 * file order, then right=%any in file order, auto=ignore never. */
static void test_order(void **state)
{
	static const struct {
		const char *remote;
		enum conn_auto auto_;
	} rows[] = {
		{NULL, AUTO_ADD},	     /* 0: %any */
		{"10.9.0.1", AUTO_ADD},	     /* 1 */
		{"10.9.0.1", AUTO_IGNORE},   /* 2: left out */
		{NULL, AUTO_START},	     /* 3: %any */
		{"10.9.0.2", AUTO_ADD},	     /* 4: another peer */
		{"10.9.0.1", AUTO_START},    /* 5 */
		{"2001:db8:9::1", AUTO_ADD}, /* 6: another family */
	};
	static const unsigned want[] = {1, 5, 0, 3};
	struct conf c = {0};
	struct conn conns[sizeof(rows) / sizeof(rows[0])];
	struct sockaddr_storage l, r;
	struct conn_index *ix;
	const struct conn *k = NULL;
	unsigned i;

	memset(conns, 0, sizeof(conns));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		addr_set(&conns[i].local.addr, strchr(rows[i].remote ? rows[i].remote : "", ':')
						       ? "2001:db8::1"
						       : "10.0.0.1");
		addr_set(&conns[i].remote.addr, rows[i].remote);
		conns[i].auto_ = rows[i].auto_;
	}
	c.conns = conns;
	c.nconns = sizeof(rows) / sizeof(rows[0]);
	assert_int_equal(conn_index_build(&c, &ix), 0);
	ss_set(&l, "10.0.0.1");
	ss_set(&r, "10.9.0.1");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		k = conn_index_next(ix, SA(&l), SA(&r), k);
		assert_non_null(k);
		assert_int_equal(k - conns, want[i]);
	}
	assert_null(conn_index_next(ix, SA(&l), SA(&r), k));
	conn_index_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_ts_walk_is_a_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
