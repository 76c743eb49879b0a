/* L2TP/IPsec's Quick Mode (issue 11): a server's transport-mode conn
 * limited to UDP 1701 (leftprotoport=17/1701, rightprotoport=17/%any,
 * right=%any) with Windows' proposals, in process.  The client's side may
 * be port 0 (iOS, strongSwan's dynamic[udp]) or 1701 (Windows, xl2tpd
 * LACs); either proposal of Windows' is taken; and a server behind a NAT
 * (a cloud host with a private address, the usual L2TP server) takes the
 * client's IDcr, which names its public address, as its own address. */
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
#include "ike/natt.h"

#define SETUP "config setup\n\tdataplane=none\n\tretransmit_timeout=0.2\n\tretransmit_tries=2\n"

static const char east_conf[] =
	SETUP "conn l2tp\n\tleft=192.0.2.2\n\tright=%any\n\ttype=transport\n\tauthby=secret\n"
	      "\tleftprotoport=17/1701\n\trightprotoport=17/%any\n"
	      "\tike=aes256-sha1-modp2048,3des-sha1-modp1024\n\tesp=aes256-sha1,3des-sha1\n"
	      "\tauto=add\n";

/* %s: the client's own protoport; %s: its ike=; %s: its esp= */
static const char west_fmt[] =
	SETUP "conn l2tp\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\ttype=transport\n\tauthby=secret\n"
	      "\tleftprotoport=%s\n\trightprotoport=17/1701\n\tike=%s\n\tesp=%s\n\tauto=add\n";

static void l2tp_start(struct net *n, const char *own_pp, const char *ike, const char *esp)
{
	char w[1024];

	snprintf(w, sizeof(w), west_fmt, own_pp, ike, esp);
	net_start_secrets(n, w, east_conf, "192.0.2.1 192.0.2.2 : PSK \"l2tp\"\n",
			  ": PSK \"l2tp\"\n");
}

static void child_is(const struct child_sa *c, const char *local, const char *remote)
{
	char l[128], r[128];

	assert_non_null(c);
	ts_str(&c->ts_local, l, sizeof(l));
	ts_str(&c->ts_remote, r, sizeof(r));
	assert_string_equal(l, local);
	assert_string_equal(r, remote);
	assert_false(c->tunnel);
}

static void one(const char *own_pp, const char *ike, const char *esp, const char *encr,
		const char *east_remote)
{
	struct net n;

	l2tp_start(&n, own_pp, ike, esp);
	net_up_at(&n, WEST, "l2tp");
	if (!n.ok)
		fail_msg("up: %s", n.why);
	net_run_ms(&n, 100);
	child_is(only_child(n.d[EAST]), "192.0.2.2/32[17/1701]", east_remote);
	child_is(only_child(n.d[WEST]),
		 own_pp[3] == '%' ? "192.0.2.1/32[17/0]" : "192.0.2.1/32[17/1701]",
		 "192.0.2.2/32[17/1701]");
	assert_string_equal(only_child(n.d[EAST])->prop.encr->name, encr);
	net_stop(&n);
}

/* Windows: 17/1701 on both sides, AES-256/SHA1/MODP-2048. */
static void test_windows_aes256(void **state)
{
	one("17/1701", "aes256-sha1-modp2048", "aes256-sha1", "aes256", "192.0.2.1/32[17/1701]");
}

/* Windows' other proposal: 3DES/SHA1/MODP-1024. */
static void test_windows_3des(void **state)
{
	one("17/1701", "3des-sha1-modp1024", "3des-sha1", "3des", "192.0.2.1/32[17/1701]");
}

/* iOS and strongSwan: the client's own port 0 (any). */
static void test_client_port_any(void **state)
{
	one("17/%any", "aes256-sha1-modp2048", "aes256-sha1", "aes256", "192.0.2.1/32[17/0]");
}

/* A client proposing another protocol than UDP on the server's side is
 * refused with INVALID-ID-INFORMATION. */
static void test_not_udp_refused(void **state)
{
	struct net n;
	char t[1024], w[1024];

	snprintf(t, sizeof(t), west_fmt, "6/%any", "aes256-sha1-modp2048", "aes256-sha1");
	replace(w, sizeof(w), t, "rightprotoport=17/1701", "rightprotoport=6/1701");
	net_start_secrets(&n, w, east_conf, "192.0.2.1 192.0.2.2 : PSK \"l2tp\"\n",
			  ": PSK \"l2tp\"\n");
	net_up_at(&n, WEST, "l2tp");
	assert_false(n.ok);
	assert_null(n.d[EAST]->children);
	net_stop(&n);
}

/* Once phase 1 is up at a side: NAT-T spoken, the given side behind a NAT
 * (the fixture has none; what the NAT-D payloads would have found). */
static void nat_on(struct ike_daemon *d, uint8_t behind)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next) {
		if (sa->state != IKE_SA_ESTABLISHED)
			continue;
		sa->peer_vendor.natt = true;
		sa->natt.checked = true;
		sa->natt.behind = behind;
	}
}

static void server_behind_nat(struct net *n)
{
	nat_on(n->d[EAST], NATT_LOCAL);
	nat_on(n->d[WEST], NATT_REMOTE);
}

static void client_behind_nat(struct net *n)
{
	nat_on(n->d[EAST], NATT_REMOTE);
	nat_on(n->d[WEST], NATT_LOCAL);
}

/* The client's ID of one side (its own: local, or the server's) set to
 * a.b.c.d udp/1701, as a client behind a NAT (its private address) or of
 * a server behind one (the public address) has it; a subnet= in transport
 * mode, which ipsec.conf refuses, here only to make those IDs. */
static void client_id(struct net *n, bool local, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct conn *wc = (struct conn *)conf_conn(n->conf[WEST], "l2tp");
	struct conf_end *e;

	assert_non_null(wc);
	e = local ? &wc->local : &wc->remote;
	e->has_subnet = true;
	memset(&e->subnet, 0, sizeof(e->subnet));
	e->subnet.addr.family = AF_INET;
	memcpy(e->subnet.addr.a.b, (const uint8_t[]){a, b, c, d}, 4);
	e->subnet.prefixlen = 32;
	e->subnet.proto = 17;
	e->subnet.port = 1701;
}

/* Up through the NAT (the client's ID of side `local` as client_id has
 * it), east's child checked: its kernel selectors are the addresses the
 * two sides have on the SA, never the IDs. */
static void nat_up(struct net *n, void (*nat)(struct net *), bool local, uint32_t lifetime_s)
{
	l2tp_start(n, "17/1701", "aes256-sha1-modp2048", "aes256-sha1");
	if (local)
		client_id(n, true, 172, 16, 0, 2);
	else
		client_id(n, false, 203, 0, 113, 2);
	if (lifetime_s)
		((struct conn *)conf_conn(n->conf[WEST], "l2tp"))->lifetime_s = lifetime_s;
	n->watch = nat;
	net_up_at(n, WEST, "l2tp");
	if (!n->ok)
		fail_msg("up: %s", n->why);
	net_run_ms(n, 100);
	child_is(only_child(n->d[EAST]), "192.0.2.2/32[17/1701]", "192.0.2.1/32[17/1701]");
}

/* The server behind a NAT at 203.0.113.2: the client's IDcr names that
 * address; the server takes it as its own (192.0.2.2) for its selectors,
 * and answers. */
static void test_server_behind_nat(void **state)
{
	struct net n;

	nat_up(&n, server_behind_nat, false, 0);
	/* the client's: the server where it is seen (here the fixture's
	 * address; behind a real NAT, the public one it dialled) */
	child_is(only_child(n.d[WEST]), "192.0.2.1/32[17/1701]", "192.0.2.2/32[17/1701]");
	net_stop(&n);
}

/* Rekeyed by the client (lifetime=8s): the server's new IPsec SA keeps
 * the old one's reqid, so the kernel policies it shares with it go on
 * accepting the old SA's packets until the client moves over. */
static void rekey_keeps_reqid(void (*nat)(struct net *), bool local)
{
	const struct child_sa *c, *first, *second = NULL;
	unsigned step;
	struct net n;

	nat_up(&n, nat, local, 8);
	first = only_child(n.d[EAST]);
	assert_int_not_equal(first->reqid, 0);
	for (step = 0; step < 100 && !second; step++) {
		net_run_ms(&n, 100);
		for (c = n.d[EAST]->children; c; c = c->next)
			if (c != first)
				second = c;
	}
	assert_non_null(second);
	child_is(second, "192.0.2.2/32[17/1701]", "192.0.2.1/32[17/1701]");
	assert_int_equal(second->reqid, first->reqid);
	net_stop(&n);
}

static void test_server_behind_nat_rekey(void **state)
{
	rekey_keeps_reqid(server_behind_nat, false);
}

/* A client behind a NAT (its IDci its private 172.16.0.2), rekeyed. */
static void test_client_behind_nat_rekey(void **state)
{
	rekey_keeps_reqid(client_behind_nat, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_aes256),
		cmocka_unit_test(test_windows_3des),
		cmocka_unit_test(test_client_port_any),
		cmocka_unit_test(test_not_udp_refused),
		cmocka_unit_test(test_server_behind_nat),
		cmocka_unit_test(test_server_behind_nat_rekey),
		cmocka_unit_test(test_client_behind_nat_rekey),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
