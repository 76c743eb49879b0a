/* Address pools (ike/lease.h): exhaustion, reuse by the same identity
 * online and offline, release, offline reuse oldest first, IPv4 and IPv6
 * ranges (carries across bytes), bad ranges and identities, counts and
 * walk, and a randomized check against a simple reference model that also
 * checks that no address is ever held by two identities. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "ike/lease.h"

static struct conf_addr ip(const char *s)
{
	struct conf_addr a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a.family, s, a.a.b), 1);
	return a;
}

static const char *str(const struct conf_addr *a, char *buf)
{
	assert_non_null(inet_ntop(a->family, a->a.b, buf, INET6_ADDRSTRLEN));
	return buf;
}

static struct lease_pool *pool(const char *first, const char *last)
{
	struct conf_addr f = ip(first), l = ip(last);
	struct lease_pool *p = NULL;

	assert_int_equal(lease_pool_new("pool", &f, &l, &p), 0);
	assert_non_null(p);
	return p;
}

/* Acquires for id and checks the address. */
static void got(struct lease_pool *p, const char *id, const char *want)
{
	struct conf_addr a;
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(lease_acquire(p, id, &a), 0);
	assert_string_equal(str(&a, buf), want);
}

static void rel(struct lease_pool *p, const char *id, const char *addr, int want)
{
	struct conf_addr a = ip(addr);

	assert_int_equal(lease_release(p, id, &a), want);
}

static void counts_are(struct lease_pool *p, unsigned size, unsigned online, unsigned offline)
{
	struct lease_counts c;

	lease_pool_counts(p, &c);
	assert_int_equal(c.size, size);
	assert_int_equal(c.online, online);
	assert_int_equal(c.offline, offline);
}

static void test_exhaustion_and_reuse(void **state)
{
	struct lease_pool *p = pool("10.3.0.10", "10.3.0.12");
	struct conf_addr a;

	assert_string_equal(lease_pool_name(p), "pool");
	counts_are(p, 3, 0, 0);
	/* never-used addresses, lowest first */
	got(p, "alice", "10.3.0.10");
	got(p, "bob", "10.3.0.11");
	got(p, "carol", "10.3.0.12");
	counts_are(p, 3, 3, 0);
	/* every address online: no room */
	assert_int_equal(lease_acquire(p, "dave", &a), -ENOSPC);
	/* the same identity online again: the same address, a second holder */
	got(p, "bob", "10.3.0.11");
	counts_are(p, 3, 3, 0);
	rel(p, "bob", "10.3.0.11", 0);
	counts_are(p, 3, 3, 0); /* one holder left */
	assert_int_equal(lease_acquire(p, "dave", &a), -ENOSPC);
	rel(p, "bob", "10.3.0.11", 0);
	counts_are(p, 3, 2, 1);
	rel(p, "bob", "10.3.0.11", -ENOENT); /* no holder left */
	/* offline, it comes back to its identity */
	got(p, "bob", "10.3.0.11");
	counts_are(p, 3, 3, 0);
	/* released leases go to others only when nothing else is left,
	 * the one offline longest first */
	rel(p, "carol", "10.3.0.12", 0);
	rel(p, "alice", "10.3.0.10", 0);
	counts_are(p, 3, 1, 2);
	got(p, "dave", "10.3.0.12"); /* carol's: offline longest */
	counts_are(p, 3, 2, 1);
	got(p, "carol", "10.3.0.10"); /* alice's; carol lost hers */
	counts_are(p, 3, 3, 0);
	assert_int_equal(lease_acquire(p, "alice", &a), -ENOSPC);
	rel(p, "alice", "10.3.0.10", -ENOENT); /* alice holds nothing now */
	lease_pool_free(p);
}

static void test_release_errors(void **state)
{
	struct lease_pool *p = pool("10.3.0.10", "10.3.0.20");
	struct conf_addr a;

	got(p, "alice", "10.3.0.10");
	rel(p, "alice", "10.3.0.11", -ENOENT);	  /* not hers */
	rel(p, "alice", "10.3.0.9", -ENOENT);	  /* not in the pool */
	rel(p, "alice", "10.3.0.21", -ENOENT);	  /* not in the pool */
	rel(p, "alice", "::ffff:a03:a", -ENOENT); /* the other family */
	rel(p, "bob", "10.3.0.10", -ENOENT);	  /* no such identity */
	rel(p, "", "10.3.0.10", -ENOENT);
	a = ip("10.3.0.10");
	assert_int_equal(lease_release(p, NULL, &a), -ENOENT);
	counts_are(p, 11, 1, 0);
	rel(p, "alice", "10.3.0.10", 0);
	counts_are(p, 11, 0, 1);
	lease_pool_free(p);
}

static void test_identities(void **state)
{
	struct lease_pool *p = pool("10.3.0.10", "10.3.0.20");
	char id[LEASE_ID_MAX + 2];
	struct conf_addr a;

	assert_int_equal(lease_acquire(p, "", &a), -EINVAL);
	assert_int_equal(lease_acquire(p, NULL, &a), -EINVAL);
	memset(id, 'x', sizeof(id));
	id[LEASE_ID_MAX + 1] = '\0'; /* 256 bytes */
	assert_int_equal(lease_acquire(p, id, &a), -EINVAL);
	id[LEASE_ID_MAX] = '\0'; /* 255 bytes */
	got(p, id, "10.3.0.10");
	/* identities differ by every byte, prefixes included */
	id[LEASE_ID_MAX - 1] = '\0';
	got(p, id, "10.3.0.11");
	got(p, "x", "10.3.0.12");
	got(p, "X", "10.3.0.13");
	counts_are(p, 11, 4, 0);
	lease_pool_free(p);
}

static void test_ranges(void **state)
{
	struct lease_pool *p;
	struct conf_addr f, l;
	struct lease_counts c;

	/* IPv4 across a byte */
	p = pool("10.0.0.254", "10.0.1.1");
	got(p, "a", "10.0.0.254");
	got(p, "b", "10.0.0.255");
	got(p, "c", "10.0.1.0");
	got(p, "d", "10.0.1.1");
	assert_int_equal(lease_acquire(p, "e", &f), -ENOSPC);
	rel(p, "c", "10.0.1.0", 0);
	lease_pool_free(p);
	/* IPv6 across bytes */
	p = pool("2001:db8::fffe", "2001:db8::1:1");
	counts_are(p, 4, 0, 0);
	got(p, "a", "2001:db8::fffe");
	got(p, "b", "2001:db8::ffff");
	got(p, "c", "2001:db8::1:0");
	got(p, "d", "2001:db8::1:1");
	assert_int_equal(lease_acquire(p, "e", &f), -ENOSPC);
	rel(p, "c", "2001:db8::1:0", 0);
	rel(p, "d", "2001:db8::1:0", -ENOENT);
	rel(p, "a", "10.0.0.1", -ENOENT);
	got(p, "e", "2001:db8::1:0");
	lease_pool_free(p);
	/* one address */
	p = pool("192.0.2.1", "192.0.2.1");
	got(p, "a", "192.0.2.1");
	assert_int_equal(lease_acquire(p, "b", &f), -ENOSPC);
	lease_pool_free(p);
	/* the largest: 65536 addresses, every one handed out once */
	p = pool("10.4.0.0", "10.4.255.255");
	lease_pool_counts(p, &c);
	assert_int_equal(c.size, LEASE_POOL_MAX);
	for (unsigned i = 0; i < LEASE_POOL_MAX; i++) {
		char id[16];

		snprintf(id, sizeof(id), "u%u", i);
		assert_int_equal(lease_acquire(p, id, &f), 0);
		assert_int_equal(ntohl(f.a.v4.s_addr), 0x0a040000 + i);
	}
	assert_int_equal(lease_acquire(p, "more", &f), -ENOSPC);
	rel(p, "u40000", "10.4.156.64", 0);
	got(p, "more", "10.4.156.64");
	counts_are(p, LEASE_POOL_MAX, LEASE_POOL_MAX, 0);
	lease_pool_free(p);
	/* same range or not */
	p = pool("2001:db8::1", "2001:db8::ff");
	f = ip("2001:db8::1");
	l = ip("2001:db8::ff");
	assert_true(lease_pool_same(p, &f, &l));
	l = ip("2001:db8::fe");
	assert_false(lease_pool_same(p, &f, &l));
	f = ip("0.0.0.1");
	l = ip("0.0.0.255");
	assert_false(lease_pool_same(p, &f, &l));
	lease_pool_free(p);
	lease_pool_free(NULL);
}

static void bad_range(const char *first, const char *last)
{
	struct conf_addr f = ip(first), l = ip(last);
	struct lease_pool *p = (struct lease_pool *)&f;

	assert_int_equal(lease_pool_new("bad", &f, &l, &p), -EINVAL);
	assert_null(p);
}

static void test_bad_ranges(void **state)
{
	struct conf_addr f = ip("10.0.0.1"), l = ip("10.0.0.9");
	struct lease_pool *p;

	bad_range("10.0.0.2", "10.0.0.1");	  /* last before first */
	bad_range("10.0.1.0", "10.0.0.255");	  /* ... across a byte */
	bad_range("10.0.0.0", "10.1.0.0");	  /* 65537 addresses */
	bad_range("10.0.0.0", "11.0.0.0");	  /* more */
	bad_range("2001:db8::", "2001:db9::");	  /* far more */
	bad_range("2001:db8::1:0", "2001:db8::"); /* last before first */
	bad_range("::1", "2001:db8::1");	  /* high bytes differ */
	bad_range("2001:db8::", "2001:db8::1:0"); /* 65537 */
	bad_range("10.0.0.1", "::ffff:10.0.0.9"); /* two families */
	f.family = AF_UNSPEC;
	l.family = AF_UNSPEC;
	p = (struct lease_pool *)&f;
	assert_int_equal(lease_pool_new("bad", &f, &l, &p), -EINVAL);
	assert_null(p);
	/* the largest IPv6 pool is fine */
	f = ip("2001:db8::");
	l = ip("2001:db8::ffff");
	assert_int_equal(lease_pool_new(NULL, &f, &l, &p), 0);
	assert_string_equal(lease_pool_name(p), "");
	lease_pool_free(p);
}

struct seen {
	char text[1024];
};

static void collect(const char *id, const struct conf_addr *a, bool online, unsigned holders,
		    void *arg)
{
	struct seen *s = arg;
	char buf[INET6_ADDRSTRLEN];
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s=%s/%s/%u ", id, str(a, buf),
		 online ? "on" : "off", holders);
}

static void test_walk(void **state)
{
	struct lease_pool *p = pool("10.3.0.1", "10.3.0.9");
	struct seen s = {""};

	lease_pool_walk(p, collect, &s);
	assert_string_equal(s.text, "");
	got(p, "a", "10.3.0.1");
	got(p, "b", "10.3.0.2");
	got(p, "c", "10.3.0.3");
	got(p, "d", "10.3.0.4");
	got(p, "b", "10.3.0.2");
	rel(p, "c", "10.3.0.3", 0);
	rel(p, "a", "10.3.0.1", 0);
	/* online first, then offline in the order they went offline */
	lease_pool_walk(p, collect, &s);
	assert_string_equal(s.text, "b=10.3.0.2/on/2 d=10.3.0.4/on/1 "
				    "c=10.3.0.3/off/0 a=10.3.0.1/off/0 ");
	counts_are(p, 9, 2, 2);
	lease_pool_free(p);
}

/* The reference: what lease.h says, written the plain way. */
#define NID  12
#define SIZE 8

struct ref {
	bool has;
	uint32_t index;
	unsigned holders;
	unsigned long since; /* when it went offline */
};

struct model {
	struct ref r[NID];
	uint32_t unused;
	unsigned long clock;
};

static int ref_acquire(struct model *m, int id, uint32_t *index)
{
	int old = -1;

	if (m->r[id].has) {
		m->r[id].holders++;
		*index = m->r[id].index;
		return 0;
	}
	if (m->unused < SIZE) {
		m->r[id] = (struct ref){true, m->unused++, 1, 0};
		*index = m->r[id].index;
		return 0;
	}
	for (int i = 0; i < NID; i++)
		if (m->r[i].has && !m->r[i].holders && (old < 0 || m->r[i].since < m->r[old].since))
			old = i;
	if (old < 0)
		return -ENOSPC;
	m->r[old].has = false;
	m->r[id] = (struct ref){true, m->r[old].index, 1, 0};
	*index = m->r[id].index;
	return 0;
}

static int ref_release(struct model *m, int id, uint32_t index)
{
	struct ref *r = &m->r[id];

	if (!r->has || r->index != index || !r->holders)
		return -ENOENT;
	if (--r->holders == 0)
		r->since = ++m->clock;
	return 0;
}

static void check_model(struct lease_pool *p, const struct model *m)
{
	unsigned online = 0, offline = 0;
	bool used[SIZE] = {false};
	struct lease_counts c;

	for (int i = 0; i < NID; i++) {
		if (!m->r[i].has)
			continue;
		/* never handed out twice */
		assert_false(used[m->r[i].index]);
		used[m->r[i].index] = true;
		if (m->r[i].holders)
			online++;
		else
			offline++;
	}
	lease_pool_counts(p, &c);
	assert_int_equal(c.size, SIZE);
	assert_int_equal(c.online, online);
	assert_int_equal(c.offline, offline);
}

struct walk_check {
	const struct model *m;
	unsigned n;
	bool in_offline;
	unsigned long last_since;
};

static void walk_one(const char *id, const struct conf_addr *a, bool online, unsigned holders,
		     void *arg)
{
	struct walk_check *w = arg;
	const struct ref *r = &w->m->r[atoi(id + 2)];

	assert_true(r->has);
	assert_int_equal(ntohl(a->a.v4.s_addr), 0x0a000000 + r->index);
	assert_int_equal(online, r->holders > 0);
	assert_int_equal(holders, r->holders);
	if (!online) {
		assert_true(!w->in_offline || r->since > w->last_since);
		w->in_offline = true;
		w->last_since = r->since;
	} else {
		assert_false(w->in_offline); /* online ones first */
	}
	w->n++;
}

static void test_model(void **state)
{
	struct conf_addr f = ip("10.0.0.0"), l = ip("10.0.0.7"), a;
	struct lease_pool *p;
	struct model m;
	unsigned seed = 11;

	memset(&m, 0, sizeof(m));
	assert_int_equal(lease_pool_new("m", &f, &l, &p), 0);
	for (int step = 0; step < 200000; step++) {
		int id = rand_r(&seed) % NID, op = rand_r(&seed) % 8;
		uint32_t index = 0;
		char name[8];
		int want, r;

		snprintf(name, sizeof(name), "id%d", id);
		if (op < 4) {
			want = ref_acquire(&m, id, &index);
			r = lease_acquire(p, name, &a);
			assert_int_equal(r, want);
			if (!r)
				assert_int_equal(ntohl(a.a.v4.s_addr), 0x0a000000 + index);
		} else {
			/* its own address mostly, now and then another */
			index = m.r[id].has && op < 7 ? m.r[id].index : (uint32_t)rand_r(&seed) % 9;
			want = ref_release(&m, id, index);
			a = ip("10.0.0.0");
			a.a.v4.s_addr = htonl(0x0a000000 + index);
			assert_int_equal(lease_release(p, name, &a), want);
		}
		check_model(p, &m);
		if (step % 1000 == 0) {
			struct walk_check w = {&m, 0, false, 0};
			struct lease_counts c;

			lease_pool_walk(p, walk_one, &w);
			lease_pool_counts(p, &c);
			assert_int_equal(w.n, c.online + c.offline);
		}
	}
	lease_pool_free(p);
}

/* A reload's new range takes the old pool's leases in it, online and
 * offline, with their holders; the rest stay; a hole left below `unused`
 * is handed out before a never-used address. */
static void test_adopt(void **state)
{
	struct lease_pool *old = pool("10.3.0.10", "10.3.0.20"), *p;
	struct lease_counts c;
	struct conf_addr a = ip("10.3.0.12");

	got(old, "bob", "10.3.0.10");
	got(old, "bob", "10.3.0.10"); /* two holders */
	got(old, "alice", "10.3.0.11");
	got(old, "carol", "10.3.0.12");
	rel(old, "alice", "10.3.0.11", 0); /* offline */
	p = pool("10.3.0.11", "10.3.0.30");
	assert_true(lease_pool_has(p, &a));
	assert_int_equal(lease_pool_adopt(p, old), 0);
	assert_true(lease_held(p, "carol", &a));
	assert_false(lease_held(old, "carol", &a));
	lease_pool_counts(p, &c);
	assert_int_equal(c.online, 1);
	assert_int_equal(c.offline, 1);
	lease_pool_counts(old, &c);
	assert_int_equal(c.online, 1); /* bob's .10 is outside the new range */
	got(p, "alice", "10.3.0.11");  /* her offline lease came along */
	got(p, "dave", "10.3.0.13");
	rel(old, "bob", "10.3.0.10", 0);
	rel(old, "bob", "10.3.0.10", 0);
	rel(old, "bob", "10.3.0.10", -ENOENT);
	lease_pool_free(old);
	/* holes: a pool that adopted .20 only hands out .10 first */
	old = pool("10.3.0.20", "10.3.0.20");
	got(old, "erin", "10.3.0.20");
	lease_pool_free(p);
	p = pool("10.3.0.10", "10.3.0.20");
	assert_int_equal(lease_pool_adopt(p, old), 0);
	got(p, "frank", "10.3.0.10");
	got(p, "erin", "10.3.0.20");
	rel(p, "erin", "10.3.0.20", 0);
	rel(p, "erin", "10.3.0.20", 0);
	lease_pool_free(p);
	lease_pool_free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exhaustion_and_reuse),
		cmocka_unit_test(test_release_errors),
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_adopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
