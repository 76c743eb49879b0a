/* Remote-access addresses across the lives of SAs (review of issue 11,
 * findings 2, 3, 10 and 4), between two in-process engines: west is bob
 * (conn rw) and alice (conn rw2), east the XAUTH and Mode Config server.
 * - a lease lives while an IPsec SA made under its ISAKMP SA does;
 * - a reload that grows, shrinks or replaces the pool's range never hands
 *   out an address online in the old pool, and old pools go once unheld;
 * - one online SA per address: uniqueids replaces the old SA of the same
 *   identity (a phase-1 rekey from the same endpoint shares it), and with
 *   uniqueids=no the second SA gets an address of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "exchange_fixture.h"
#include "stderr_capture.h"
#include "ike/child.h"
#include "ike/id.h"
#include "ike/lease.h"
#include "ike/main_mode.h"
#include "ike/ra.h"
#include "ike/ra_hold.h"

static const char client[] = "config setup\n"
			     "\tdataplane=none\n"
			     "conn rw\n"
			     "\tleft=192.0.2.1\n"
			     "\tleftsourceip=%config\n"
			     "\tright=192.0.2.2\n"
			     "\trightsubnet=10.2.0.0/24\n"
			     "\tauthby=xauthpsk\n"
			     "\txauth=client\n"
			     "\txauth_identity=bob\n"
			     "\tike=aes128-sha256-ecp256\n"
			     "\tesp=aes128-sha256\n"
			     "\tauto=add\n"
			     "conn rw2\n"
			     "\talso=rw\n"
			     "\txauth_identity=alice\n";
static const char secrets[] = "192.0.2.1 192.0.2.2 : PSK \"group secret\"\n"
			      "bob : XAUTH \"secret1\"\n"
			      "alice : XAUTH \"secret2\"\n";

/* east's configuration with the pool first..last */
static void server_conf(char *out, size_t len, const char *range, bool uniqueids)
{
	snprintf(out, len,
		 "config setup\n"
		 "\tdataplane=none\n"
		 "\tuniqueids=%s\n"
		 "conn rw\n"
		 "\tleft=192.0.2.2\n"
		 "\tleftsubnet=10.2.0.0/24\n"
		 "\tleftxauthserver=yes\n"
		 "\tleftmodecfgserver=yes\n"
		 "\tright=%%any\n"
		 "\trightaddresspool=%s\n"
		 "\tmodecfgpull=yes\n"
		 "\tauthby=secret\n"
		 "\tike=aes128-sha256-ecp256\n"
		 "\tesp=aes128-sha256\n"
		 "\tauto=add\n",
		 uniqueids ? "yes" : "no", range);
}

static void start(struct net *n, const char *range, bool uniqueids)
{
	char conf[1024];

	server_conf(conf, sizeof(conf), range, uniqueids);
	net_start_secrets(n, client, conf, secrets, secrets);
}

/* Another ISAKMP SA of west's (Main Mode only). */
static void up_second(struct net *n, const char *conn)
{
	n->done = false;
	timer_arm(n->loop, &n->guard, 20000);
	assert_int_equal(main_mode_initiate(n->d[WEST], conf_conn(n->conf[WEST], conn), up_done, n),
			 0);
	if (!n->done)
		loop_run(n->loop);
	timer_cancel(n->loop, &n->guard);
	assert_true(n->done);
}

static struct ike_sa *east_sa_of(struct net *n, const char *user, struct ike_sa * not )
{
	struct ike_sa *sa;

	for (sa = n->d[EAST]->sas; sa; sa = sa->next)
		if (sa != not &&sa->state == IKE_SA_ESTABLISHED && sa->ra &&
		    !strcmp(sa->ra->user, user))
			return sa;
	return NULL;
}

static const char *vip_of(const struct ike_sa *sa, char *buf)
{
	assert_non_null(sa);
	assert_non_null(sa->ra);
	assert_true(sa->ra->have_vip);
	assert_int_equal(conf_addr_str(&sa->ra->vip, buf, 64), 0);
	return buf;
}

/* No two IPsec SAs with one remote selector (two policies for one). */
static void selectors_unique(const struct ike_daemon *d)
{
	const struct child_sa *c, *o;

	for (c = d->children; c; c = c->next)
		for (o = c->next; o; o = o->next)
			assert_false(ts_equal(&c->ts_remote, &o->ts_remote));
}

static unsigned children(const struct ike_daemon *d)
{
	const struct child_sa *c;
	unsigned k = 0;

	for (c = d->children; c; c = c->next)
		k++;
	return k;
}

struct pools {
	unsigned n, online;
	char names[4][64];
};

static void pool_one(struct lease_pool *p, void *arg)
{
	struct pools *ps = arg;
	struct lease_counts k;

	lease_pool_counts(p, &k);
	if (ps->n < 4)
		snprintf(ps->names[ps->n], sizeof(ps->names[0]), "%s", lease_pool_name(p));
	ps->n++;
	ps->online += k.online;
}

static struct pools pools_of(struct ike_daemon *d)
{
	struct pools ps = {0};

	ra_pools_walk(d, pool_one, &ps);
	return ps;
}

static void reload_east(struct net *n, const char *range)
{
	struct conf *old, *new;
	char conf[1024];
	FILE *f;

	server_conf(conf, sizeof(conf), range, true);
	f = fopen(n->paths[2], "w");
	assert_non_null(f);
	assert_int_equal(fputs(conf, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(conf_load(n->paths[2], n->paths[3], stub_is_local, (void *)east_here, &new,
				   n->why, sizeof(n->why)),
			 0);
	old = n->conf[EAST];
	assert_int_equal(ike_daemon_reload(n->d[EAST], new), 0);
	n->conf[EAST] = new;
	conf_free(old);
}

/* Finding 2: bob's ISAKMP SA goes (expiry, failure) while his IPsec SA
 * lives on: his address stays his, so with a pool of one alice gets none
 * (before: alice got 10.3.0.10 while bob's tunnel to it was installed).
 * When the IPsec SA goes too, the lease goes offline. */
static void test_child_keeps_lease(void **state)
{
	struct ike_sa *bob;
	struct lease_counts k;
	struct pools ps;
	char a[64];
	struct net n;

	start(&n, "10.3.0.10-10.3.0.10", true);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	bob = east_sa_of(&n, "bob", NULL);
	assert_string_equal(vip_of(bob, a), "10.3.0.10");
	assert_int_equal(children(n.d[EAST]), 1);
	ike_sa_fail(bob, "test: the ISAKMP SA expired");
	net_run_ms(&n, 50);
	assert_null(east_sa_of(&n, "bob", NULL));
	assert_int_equal(children(n.d[EAST]), 1); /* IKEv1 keeps it */
	ps = pools_of(n.d[EAST]);
	assert_int_equal(ps.online, 1);
	up_second(&n, "rw2");
	assert_false(n.ok);
	net_run_ms(&n, 100);
	assert_non_null(strstr(net_failure(&n, EAST, "rw"), "is exhausted"));
	child_remove(n.d[EAST]->children, false);
	ps = pools_of(n.d[EAST]);
	assert_int_equal(ps.online, 0);
	(void)k;
	net_stop(&n);
}

/* Findings 3 and 10, the reviewer's case: bob online with 10.3.0.10, the
 * range grows 10-20 -> 10-30: alice must not get 10.3.0.10.  The old pool
 * gave its leases to the new one and is gone. */
static void test_reload_grows_range(void **state)
{
	struct pools ps;
	char a[64];
	struct net n;

	start(&n, "10.3.0.10-10.3.0.20", true);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	reload_east(&n, "10.3.0.10-10.3.0.30");
	up_second(&n, "rw2");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_string_equal(vip_of(east_sa_of(&n, "alice", NULL), a), "10.3.0.11");
	assert_string_equal(vip_of(east_sa_of(&n, "bob", NULL), a), "10.3.0.10");
	ps = pools_of(n.d[EAST]);
	assert_int_equal(ps.n, 1);
	assert_string_equal(ps.names[0], "10.3.0.10-10.3.0.30");
	assert_int_equal(ps.online, 2);
	net_stop(&n);
}

/* A shrinking range keeps what is still in it: bob's 10.3.0.10 */
static void test_reload_shrinks_range(void **state)
{
	char a[64];
	struct net n;

	start(&n, "10.3.0.10-10.3.0.30", true);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	reload_east(&n, "10.3.0.10-10.3.0.11");
	up_second(&n, "rw2");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_string_equal(vip_of(east_sa_of(&n, "alice", NULL), a), "10.3.0.11");
	assert_int_equal(pools_of(n.d[EAST]).n, 1);
	net_stop(&n);
}

/* The reload replaces bob's pool: the old one lives while bob holds his
 * address in it, and goes with him. */
static void test_reload_removes_pool(void **state)
{
	struct pools ps;
	char a[64];
	struct net n;

	start(&n, "10.3.0.10-10.3.0.20", true);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	reload_east(&n, "10.4.0.1-10.4.0.5");
	up_second(&n, "rw2");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_string_equal(vip_of(east_sa_of(&n, "alice", NULL), a), "10.4.0.1");
	ps = pools_of(n.d[EAST]);
	assert_int_equal(ps.n, 2);
	assert_int_equal(ps.online, 2);
	assert_int_equal(ike_down(n.d[WEST], "rw"), 0);
	net_run_ms(&n, 100);
	assert_null(east_sa_of(&n, "bob", NULL));
	ps = pools_of(n.d[EAST]);
	assert_int_equal(ps.n, 1);
	assert_string_equal(ps.names[0], "10.4.0.1-10.4.0.5");
	net_stop(&n);
}

/* bob's first SA now seems to come from another port (another device
 * behind the same NAT, or an attacker with the group PSK). */
static struct ike_sa *bob_elsewhere(struct net *n)
{
	struct ike_sa *bob;

	net_up_at(n, WEST, "rw");
	assert_true(n->ok);
	net_run_ms(n, 50);
	bob = east_sa_of(n, "bob", NULL);
	assert_non_null(bob);
	assert_int_equal(children(n->d[EAST]), 1);
	bob->ep.remote.in.sin_port = htons(4501);
	return bob;
}

/* Finding 4, uniqueids=yes: a second ISAKMP SA of bob from elsewhere
 * takes his address; the old one and its IPsec SA are deleted (before:
 * both held 10.3.0.10, and each got IPsec SAs with that one selector). */
static void test_second_sa_replaces(void **state)
{
	struct ike_sa *first, *second;
	char a[64];
	struct net n;

	start(&n, "10.3.0.10-10.3.0.20", true);
	first = bob_elsewhere(&n);
	up_second(&n, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	second = east_sa_of(&n, "bob", NULL);
	assert_non_null(second);
	assert_true(second != first);
	assert_null(east_sa_of(&n, "bob", second));
	assert_string_equal(vip_of(second, a), "10.3.0.10");
	/* the second SA's Quick Mode made the one IPsec SA left */
	assert_int_equal(children(n.d[EAST]), 1);
	assert_ptr_equal(n.d[EAST]->children->ra_hold, second->ra->hold);
	assert_int_equal(pools_of(n.d[EAST]).online, 1);
	net_stop(&n);
}

/* uniqueids=no: the second SA of bob gets an address of its own. */
static void test_second_sa_own_address(void **state)
{
	struct ike_sa *first, *second;
	char a[64];
	struct net n;

	start(&n, "10.3.0.10-10.3.0.20", false);
	first = bob_elsewhere(&n);
	up_second(&n, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	second = east_sa_of(&n, "bob", first);
	assert_non_null(second);
	assert_true(east_sa_of(&n, "bob", second) == first);
	assert_string_equal(vip_of(first, a), "10.3.0.10");
	assert_string_equal(vip_of(second, a), "10.3.0.11");
	assert_string_equal(second->ra->lease_id, "xauth:bob#2");
	assert_int_equal(children(n.d[EAST]), 2);
	selectors_unique(n.d[EAST]);
	net_stop(&n);
}

/* The same endpoint (vpnc's phase-1 rekey) shares the address and keeps
 * the old SA's IPsec SA; the hold lives until the last of them. */
static void test_rekey_shares_hold(void **state)
{
	struct ike_sa *first, *second;
	char a[64];
	struct net n;

	start(&n, "10.3.0.10-10.3.0.20", true);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	first = east_sa_of(&n, "bob", NULL);
	up_second(&n, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	second = east_sa_of(&n, "bob", first);
	assert_non_null(second);
	assert_string_equal(vip_of(second, a), "10.3.0.10");
	assert_ptr_equal(second->ra->hold, first->ra->hold);
	/* two ISAKMP SAs, an IPsec SA under each */
	assert_int_equal(first->ra->hold->refs, 4);
	assert_int_equal(children(n.d[EAST]), 2);
	net_stop(&n);
}

/* Mode Config without XAUTH to right=%any: a warning, once per conn. */
static const char open_client[] = "config setup\n"
				  "\tdataplane=none\n"
				  "conn rw\n"
				  "\tleft=192.0.2.1\n"
				  "\tleftsourceip=%config\n"
				  "\tright=192.0.2.2\n"
				  "\trightsubnet=10.2.0.0/24\n"
				  "\tauthby=secret\n"
				  "\tike=aes128-sha256-ecp256\n"
				  "\tesp=aes128-sha256\n"
				  "\tauto=add\n";
static const char open_server[] = "config setup\n"
				  "\tdataplane=none\n"
				  "conn rw\n"
				  "\tleft=192.0.2.2\n"
				  "\tleftsubnet=10.2.0.0/24\n"
				  "\tleftmodecfgserver=yes\n"
				  "\tright=%any\n"
				  "\trightaddresspool=10.3.0.10-10.3.0.20\n"
				  "\tmodecfgpull=yes\n"
				  "\tauthby=secret\n"
				  "\tike=aes128-sha256-ecp256\n"
				  "\tesp=aes128-sha256\n"
				  "\tauto=add\n";

static void test_warn_open_ids(void **state)
{
	const char *needle = "rw: Mode Config hands out addresses by the peer's phase-1 ID, "
			     "without XAUTH, and rightid is %any";
	char *log, *first;
	struct net n;

	net_start_secrets(&n, open_client, open_server, secrets, secrets);
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(ike_down(n.d[WEST], "rw"), 0);
	net_run_ms(&n, 100);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	log = stderr_capture_stop();
	first = strstr(log, needle);
	assert_non_null(first);
	assert_null(strstr(first + 1, needle)); /* once */
	free(log);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_keeps_lease),
		cmocka_unit_test(test_reload_grows_range),
		cmocka_unit_test(test_reload_shrinks_range),
		cmocka_unit_test(test_reload_removes_pool),
		cmocka_unit_test(test_second_sa_replaces),
		cmocka_unit_test(test_second_sa_own_address),
		cmocka_unit_test(test_rekey_shares_hold),
		cmocka_unit_test_teardown(test_warn_open_ids, stderr_capture_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
