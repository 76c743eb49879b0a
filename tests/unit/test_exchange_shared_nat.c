/* Two clients at one address (behind one NAT, told apart by their ports
 * and their authenticated IDs) on one %any connection of east's: west's
 * "site" (@west) and "other" (@other-west), each its own ISAKMP SA and
 * IPsec SA pair.  One client's INITIAL-CONTACT or Delete must never touch
 * the other's IPsec SAs; an Aggressive Mode responder records the
 * client's ID (from AM1) to tell them apart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exchange_fixture.h"
#include "ike/child.h"
#include "ike/id.h"
#include "ike/initial_contact.h"
#include "net/sockaddr.h"

#define SETUP "config setup\n\tdataplane=none\n\tretransmit_timeout=0.2\n\tretransmit_tries=2\n"
#define CONN  "\tauthby=secret\n\tike=aes128-sha256-ecp256\n\tesp=aes128-sha256\n\tauto=add\n"

static const char west_fmt[] =
	SETUP "conn site\n\tleft=192.0.2.1\n\tleftid=@west\n\tleftsubnet=10.1.0.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN "%s"
	      "conn other\n\tleft=192.0.2.1\n\tleftid=@other-west\n\tleftsubnet=10.1.1.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN "%s";
static const char east_fmt[] =
	SETUP "conn rw\n\tleft=192.0.2.2\n\tleftid=@east\n\tleftsubnet=10.2.0.0/24\n"
	      "\tright=%%any\n\trightid=%%any\n\trightsubnet=10.1.0.0/16\n" CONN "%s";

struct two {
	struct net n;
	struct ike_sa *sa_site, *sa_other; /* east's */
	struct child_sa *c_site, *c_other; /* east's */
};

static struct child_sa *child_from(struct ike_daemon *d, const char *net)
{
	struct child_sa *c;
	char s[64];

	for (c = d->children; c; c = c->next) {
		ts_str(&c->ts_remote, s, sizeof(s));
		if (!strncmp(s, net, strlen(net)))
			return c;
	}
	return NULL;
}

static struct ike_sa *maker(struct ike_daemon *d, const struct child_sa *c)
{
	return ike_sa_find(d, c->icookie, c->rcookie);
}

static void two_up(struct two *t, bool aggressive)
{
	const char *am = aggressive ? "\taggressive=yes\n" : "";
	char w[2048], e[1024];

	snprintf(w, sizeof(w), west_fmt, am, am);
	snprintf(e, sizeof(e), east_fmt, am);
	memset(t, 0, sizeof(*t));
	net_start_confs(&t->n, w, e, "shared", "shared");
	net_up_at(&t->n, WEST, "site");
	if (!t->n.ok)
		fail_msg("up site: %s", t->n.why);
	net_up_at(&t->n, WEST, "other");
	if (!t->n.ok)
		fail_msg("up other: %s", t->n.why);
	net_run_ms(&t->n, 100);
	t->c_site = child_from(t->n.d[EAST], "10.1.0.0");
	t->c_other = child_from(t->n.d[EAST], "10.1.1.0");
	assert_non_null(t->c_site);
	assert_non_null(t->c_other);
	assert_string_equal(t->c_site->conn_name, "rw");
	assert_string_equal(t->c_other->conn_name, "rw");
	t->sa_site = maker(t->n.d[EAST], t->c_site);
	t->sa_other = maker(t->n.d[EAST], t->c_other);
	assert_non_null(t->sa_site);
	assert_non_null(t->sa_other);
	assert_ptr_not_equal(t->sa_site, t->sa_other);
	assert_true(t->sa_site->serial < t->sa_other->serial);
}

/* What east would hold behind a NAT: the clients' ports 4500 and 4501
 * (the fixture has no NAT; NAT-T spoken, the client seen behind one). */
static void behind_one_nat(struct ike_sa *sa, struct child_sa *c, uint16_t port)
{
	sa->peer_vendor.natt = true;
	sa->natt.checked = true;
	sa->natt.behind = NATT_REMOTE;
	sockaddr_set_port((struct sockaddr *)&sa->ep.remote, port);
	sockaddr_set_port((struct sockaddr *)&c->remote, port);
}

static bool has_child(const struct ike_daemon *d, const struct child_sa *want)
{
	const struct child_sa *c;

	for (c = d->children; c; c = c->next)
		if (c == want)
			return true;
	return false;
}

/* Site's ISAKMP SA expired at east (its IPsec SAs live on); then other
 * sends INITIAL-CONTACT: site's IPsec SAs are at another port. */
static void ic_keeps_other_client(bool aggressive)
{
	struct two t;

	two_up(&t, aggressive);
	behind_one_nat(t.sa_site, t.c_site, 4500);
	behind_one_nat(t.sa_other, t.c_other, 4501);
	ike_sa_free(t.sa_site);
	assert_null(maker(t.n.d[EAST], t.c_site));
	assert_int_equal(initial_contact_received(t.sa_other, NULL), 0);
	assert_true(has_child(t.n.d[EAST], t.c_site));
	assert_true(has_child(t.n.d[EAST], t.c_other));
	net_stop(&t.n);
}

static void test_ic_keeps_other_client(void **state)
{
	ic_keeps_other_client(false);
}

static void test_ic_keeps_other_client_aggressive(void **state)
{
	ic_keeps_other_client(true);
}

/* Both ISAKMP SAs up: other's IC does not reach site's IPsec SAs, even
 * from the same address and port; it does remove an earlier IPsec SA of
 * its own identity. */
static void ic_identity(bool aggressive)
{
	struct two t;

	two_up(&t, aggressive);
	assert_true(t.sa_site->ic.have_id);
	assert_true(t.sa_other->ic.have_id);
	assert_memory_not_equal(t.sa_site->ic.id_digest, t.sa_other->ic.id_digest,
				sizeof(t.sa_site->ic.id_digest));
	assert_int_equal(initial_contact_received(t.sa_other, NULL), 0);
	assert_true(has_child(t.n.d[EAST], t.c_site));
	net_stop(&t.n);
}

static void test_ic_identity_main(void **state)
{
	ic_identity(false);
}

/* The Aggressive Mode responder recorded the clients' IDs (AM3 has none). */
static void test_ic_identity_aggressive(void **state)
{
	ic_identity(true);
}

/* Other's (newer) ISAKMP SA sends a Delete naming site's IPsec SA: not
 * obeyed; site's own SA's Delete is. */
static void test_delete_from_other_client(void **state)
{
	struct two t;

	two_up(&t, false);
	child_peer_deleted(t.sa_other, t.c_site->spi_in);
	assert_true(has_child(t.n.d[EAST], t.c_site));
	child_peer_deleted(t.sa_other, t.c_site->spi_out);
	assert_true(has_child(t.n.d[EAST], t.c_site));
	child_peer_deleted(t.sa_site, t.c_site->spi_in);
	assert_false(has_child(t.n.d[EAST], t.c_site));
	assert_true(has_child(t.n.d[EAST], t.c_other));
	net_stop(&t.n);
}

/* Behind one NAT, site's ISAKMP SA gone: other's Delete still does not
 * reach site's IPsec SA (another port). */
static void test_delete_from_other_port(void **state)
{
	struct two t;

	two_up(&t, false);
	behind_one_nat(t.sa_site, t.c_site, 4500);
	behind_one_nat(t.sa_other, t.c_other, 4501);
	ike_sa_free(t.sa_site);
	child_peer_deleted(t.sa_other, t.c_site->spi_in);
	assert_true(has_child(t.n.d[EAST], t.c_site));
	net_stop(&t.n);
}

/* Controls: the same port with the maker gone is the restarted peer's
 * (its IPsec SAs go); a Delete from the maker's successor is obeyed. */
static void test_ic_same_port_removes(void **state)
{
	struct two t;

	two_up(&t, false);
	behind_one_nat(t.sa_site, t.c_site, 4500);
	behind_one_nat(t.sa_other, t.c_other, 4500);
	ike_sa_free(t.sa_site);
	assert_int_equal(initial_contact_received(t.sa_other, NULL), 1);
	assert_false(has_child(t.n.d[EAST], t.c_site));
	assert_true(has_child(t.n.d[EAST], t.c_other));
	net_stop(&t.n);
}

static void test_delete_from_successor(void **state)
{
	struct two t;

	two_up(&t, false);
	t.sa_site->rk.replaced_by = t.sa_other->serial;
	child_peer_deleted(t.sa_other, t.c_site->spi_in);
	assert_false(has_child(t.n.d[EAST], t.c_site));
	assert_true(has_child(t.n.d[EAST], t.c_other));
	net_stop(&t.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ic_keeps_other_client),
		cmocka_unit_test(test_ic_keeps_other_client_aggressive),
		cmocka_unit_test(test_ic_identity_main),
		cmocka_unit_test(test_ic_identity_aggressive),
		cmocka_unit_test(test_delete_from_other_client),
		cmocka_unit_test(test_delete_from_other_port),
		cmocka_unit_test(test_ic_same_port_removes),
		cmocka_unit_test(test_delete_from_successor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
