/* Remote access between two in-process engines (exchange_fixture.h):
 * west is the XAUTH and Mode Config client, east the server with a pool.
 * The transaction exchange (type 6), XAUTH OK and wrong passwords, Mode
 * Config pull and push, Quick Mode from the virtual IP, the gate on Quick
 * Mode before XAUTH, leases (two users, a reconnect, exhaustion), lost
 * and repeated transaction messages. */
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

#include "ctl/status.h"
#include "exchange_fixture.h"
#include "ra_fixture.h"
#include "stderr_capture.h"
#include "ike/id.h"
#include "ike/lease.h"
#include "ike/main_mode.h"
#include "ike/quick.h"
#include "ike/ra.h"

static const char client_conf[] = "config setup\n"
				  "\tdataplane=none\n"
				  "\tretransmit_timeout=0.2\n"
				  "\tretransmit_tries=2\n"
				  "conn rw\n"
				  "\tleft=192.0.2.1\n"
				  "\tright=192.0.2.2\n"
				  "\trightsubnet=10.2.0.0/24\n"
				  "\tauthby=secret\n"
				  "\tike=aes128-sha256-ecp256\n"
				  "\tesp=aes128-sha256\n"
				  "\tauto=add\n"
				  "conn rw2\n"
				  "\tleft=192.0.2.1\n"
				  "\tright=192.0.2.2\n"
				  "\trightsubnet=10.2.0.0/24\n"
				  "\tauthby=secret\n"
				  "\tike=aes128-sha256-ecp256\n"
				  "\tesp=aes128-sha256\n"
				  "\tauto=add\n";

static const char server_conf[] = "config setup\n"
				  "\tdataplane=none\n"
				  "\tretransmit_timeout=0.2\n"
				  "\tretransmit_tries=2\n"
				  "conn rw\n"
				  "\tleft=192.0.2.2\n"
				  "\tleftsubnet=10.2.0.0/24\n"
				  "\tright=%any\n"
				  "\tauthby=secret\n"
				  "\tike=aes128-sha256-ecp256\n"
				  "\tesp=aes128-sha256\n"
				  "\tauto=add\n";

static const char secrets[] = "192.0.2.1 192.0.2.2 : PSK \"group secret\"\n";

static void start(struct net *n, const struct ra_opts *o)
{
	ra_start(n, o, client_conf, server_conf, secrets);
}

static const char *vip_of(const struct ike_sa *sa, char *buf, size_t len)
{
	assert_non_null(sa);
	assert_non_null(sa->ra);
	assert_true(sa->ra->have_vip);
	assert_int_equal(conf_addr_str(&sa->ra->vip, buf, len), 0);
	return buf;
}

static const char *ts_of(const struct conf_ts *ts, char *buf, size_t len)
{
	ts_str(ts, buf, len);
	return buf;
}

/* XAUTH, Mode Config (pull or push), then Quick Mode from the address. */
static void run_ok(bool push)
{
	struct ra_opts o = {.push = push};
	const struct child_sa *w, *e;
	char a[64], b[64];
	struct ike_sa *ws, *es;
	struct net n;

	start(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50); /* QM3 reaches east */
	ws = sa_of(n.d[WEST], "rw");
	es = sa_of(n.d[EAST], "rw");
	assert_non_null(ws);
	assert_non_null(es);
	assert_int_equal(ws->auth, IKE_AUTH_XAUTH_INIT_PSK);
	assert_int_equal(es->auth, IKE_AUTH_XAUTH_INIT_PSK);
	assert_int_equal(es->ra->xauth, RA_XAUTH_OK);
	assert_string_equal(es->ra->user, "bob");
	assert_int_equal(ws->ra->xauth, RA_XAUTH_OK);
	assert_string_equal(vip_of(ws, a, sizeof(a)), "10.3.0.1");
	assert_string_equal(vip_of(es, b, sizeof(b)), "10.3.0.1");
	/* rightsubnet, then the server's leftsubnet as a Unity split include */
	assert_int_equal(ws->ra->nvip_routes, 2);
	assert_string_equal(ts_of(&ws->ra->vip_routes[1], a, sizeof(a)), "10.2.0.0/24");
	w = only_child(n.d[WEST]);
	e = only_child(n.d[EAST]);
	assert_string_equal(ts_of(&w->ts_local, a, sizeof(a)), "10.3.0.1/32");
	assert_string_equal(ts_of(&w->ts_remote, b, sizeof(b)), "10.2.0.0/24");
	assert_string_equal(ts_of(&e->ts_remote, a, sizeof(a)), "10.3.0.1/32");
	assert_string_equal(ts_of(&e->ts_local, b, sizeof(b)), "10.2.0.0/24");
	stop(&n);
}

static void test_xauth_modecfg_pull(void **state)
{
	run_ok(false);
}

static void test_xauth_modecfg_push(void **state)
{
	run_ok(true);
}

/* A wrong password 3 times: STATUS=FAIL, a Delete, the user in the log
 * and in both failures; no IPsec SA. */
static void test_xauth_wrong_password(void **state)
{
	struct ra_opts o = {.password = "wrong"};
	const char *why;
	struct net n;
	char *log;

	start(&n, &o);
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	net_run_ms(&n, 100);
	log = stderr_capture_stop();
	assert_false(n.ok);
	assert_non_null(strstr(n.why, "peer refused XAUTH for user 'bob'"));
	why = net_failure(&n, EAST, "rw");
	assert_non_null(why);
	assert_non_null(strstr(why, "XAUTH failed for user 'bob' after 3 tries"));
	assert_non_null(strstr(log, "XAUTH failed for user 'bob' (try 1 of 3)"));
	assert_non_null(strstr(log, "XAUTH failed for user 'bob' (try 3 of 3)"));
	assert_null(strstr(log, "wrong\""));
	assert_null(n.d[WEST]->children);
	assert_null(n.d[EAST]->children);
	assert_null(sa_of(n.d[EAST], "rw"));
	free(log);
	stop(&n);
}

/* A Quick Mode started before XAUTH passed is dropped by the server, with
 * a sentence; XAUTH and the held Quick Mode then go through. */
static bool forced;

static void force_quick(struct net *n)
{
	struct ike_sa *sa = sa_of(n->d[WEST], "rw");

	if (forced || !sa || !sa->ra || sa->ra->xauth == RA_XAUTH_OK)
		return;
	forced = true;
	quick_start(sa, NULL, NULL, NULL);
}

static void test_quick_before_xauth(void **state)
{
	struct ra_opts o = {0};
	struct net n;
	char *log;

	forced = false;
	start(&n, &o);
	net_lose(&n, EAST, 4); /* the XAUTH request, the first time */
	n.watch = force_quick;
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	log = stderr_capture_stop();
	assert_true(forced);
	assert_true(n.ok);
	assert_non_null(strstr(log, "dropped a Quick Mode from a peer that has not passed XAUTH"));
	free(log);
	stop(&n);
}

/* Another ISAKMP SA of west's (conn rw2: user alice). */
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

static struct ike_sa *east_sa_of(struct net *n, const char *user)
{
	struct ike_sa *sa;

	for (sa = n->d[EAST]->sas; sa; sa = sa->next)
		if (sa->state == IKE_SA_ESTABLISHED && sa->ra && !strcmp(sa->ra->user, user))
			return sa;
	return NULL;
}

/* xauthby=pam needs the privileged helper, which an in-process daemon has
 * not: every try fails with that sentence. */
static void test_pam_without_helper(void **state)
{
	struct ra_opts o = {0};
	struct net n;
	char *log;

	start(&n, &o);
	n.conf[EAST]->conns[0].ra.xauthby = XAUTHBY_PAM;
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	net_run_ms(&n, 100);
	log = stderr_capture_stop();
	assert_false(n.ok);
	assert_non_null(strstr(log,
			       "XAUTH failed for user 'bob' (try 1 of 3): xauthby=pam needs "
			       "oakleyd's privileged helper, and this daemon runs without one"));
	free(log);
	stop(&n);
}

/* Two users get two addresses; bob, back after a down, gets his again. */
static void test_two_users_and_reconnect(void **state)
{
	struct ra_opts o = {0};
	char a[64];
	struct net n;

	start(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	up_second(&n, "rw2");
	assert_true(n.ok);
	assert_string_equal(vip_of(east_sa_of(&n, "bob"), a, sizeof(a)), "10.3.0.1");
	assert_string_equal(vip_of(east_sa_of(&n, "alice"), a, sizeof(a)), "10.3.0.2");
	/* bob goes; his lease stays his, offline */
	assert_int_equal(ike_down(n.d[WEST], "rw"), 0);
	net_run_ms(&n, 100);
	assert_null(east_sa_of(&n, "bob"));
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	assert_string_equal(vip_of(east_sa_of(&n, "bob"), a, sizeof(a)), "10.3.0.1");
	stop(&n);
}

/* vpnc's phase-1 rekey: a new ISAKMP SA with XAUTH and no Mode Config.
 * The server gives it the user's address all the same (the lease held
 * twice), so its Quick Mode from that address is taken. */
static void test_new_sa_without_modecfg(void **state)
{
	struct ra_opts o = {0};
	struct ike_sa *first, *sa;
	char a[64];
	struct net n;

	start(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	first = sa_of(n.d[EAST], "rw");
	n.conf[WEST]->conns[0].ra.modecfg_client = false; /* as vpnc's rekey */
	up_second(&n, "rw");
	net_run_ms(&n, 50);
	for (sa = n.d[EAST]->sas; sa; sa = sa->next)
		if (sa != first && sa->state == IKE_SA_ESTABLISHED)
			break;
	assert_non_null(sa);
	assert_string_equal(sa->ra->user, "bob");
	assert_string_equal(vip_of(sa, a, sizeof(a)), "10.3.0.1");
	stop(&n);
}

/* One address, two users: the second is refused with a clear sentence. */
static void test_pool_exhausted(void **state)
{
	struct ra_opts o = {.last = "10.3.0.1"};
	const char *why;
	struct net n;

	start(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	up_second(&n, "rw2");
	assert_false(n.ok);
	net_run_ms(&n, 100);
	why = net_failure(&n, EAST, "rw");
	assert_non_null(why);
	assert_non_null(strstr(why, "is exhausted: no address for 'alice'"));
	stop(&n);
}

/* The XAUTH request lost once (retransmitted), the reply and the request
 * each arriving twice: one password check, one answer per copy. */
static void test_copies_and_retransmits(void **state)
{
	struct ra_opts o = {0};
	struct net n;

	start(&n, &o);
	net_lose(&n, EAST, 4);	    /* XAUTH REQUEST, first time */
	net_duplicate(&n, EAST, 5); /* its retransmission, twice */
	net_duplicate(&n, WEST, 4); /* MM5 is west's 3rd; the REPLY its 4th */
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(east_sa_of(&n, "bob")->ra->tries, 1);
	assert_non_null(only_child(n.d[EAST]));
	stop(&n);
}

/* Without XAUTH on the client, phase 1 says why. */
static void test_auth_method_differs(void **state)
{
	struct ra_opts o = {.client_xauth_off = true};
	struct net n;

	start(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_false(n.ok);
	net_run_ms(&n, 100);
	assert_non_null(net_failure(&n, EAST, "rw"));
	assert_non_null(strstr(net_failure(&n, EAST, "rw"), "XAUTH PSK"));
	stop(&n);
}

/* Mode Config without XAUTH: the lease goes by the peer's phase-1 ID. */
static void test_modecfg_without_xauth(void **state)
{
	struct ra_opts o = {.client_xauth_off = true};
	char a[64];
	struct net n;

	start(&n, &o);
	n.conf[EAST]->conns[0].ra.xauth = CONN_XAUTH_NONE;
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(sa_of(n.d[EAST], "rw")->auth, IKE_AUTH_PSK);
	assert_string_equal(vip_of(sa_of(n.d[EAST], "rw"), a, sizeof(a)), "10.3.0.1");
	assert_string_equal(sa_of(n.d[EAST], "rw")->ra->lease_id, "id:192.0.2.1");
	assert_string_equal(ts_of(&only_child(n.d[WEST])->ts_local, a, sizeof(a)), "10.3.0.1/32");
	stop(&n);
}

/* oakleyctl status: the SA's user, XAUTH state and address; the pool
 * with its leases, text and JSON. */
static void test_status(void **state)
{
	struct ra_opts o = {0};
	struct buf out;
	struct net n;
	char *s;

	start(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	buf_init(&out);
	status_sa_text(sa_of(n.d[EAST], "rw"), &out);
	status_sa_json(sa_of(n.d[EAST], "rw"), &out);
	status_sa_text(sa_of(n.d[WEST], "rw"), &out);
	status_pools_text(n.d[EAST], &out);
	status_pools_json(n.d[EAST], &out);
	buf_put_u8(&out, 0);
	s = (char *)out.data;
	assert_non_null(strstr(s, "remote access: XAUTH ok user 'bob', virtual IP 10.3.0.1"));
	assert_non_null(
		strstr(s, "\"xauth\":\"ok\",\"xauth_user\":\"bob\",\"virtual_ip\":\"10.3.0.1\","));
	assert_non_null(strstr(s, "pool 10.3.0.1-10.3.0.20: size 20, 1 online, 0 offline\n"
				  "      10.3.0.1 online, user 'bob'\n"));
	assert_non_null(strstr(s,
			       ",\"pools\":[{\"name\":\"10.3.0.1-10.3.0.20\",\"size\":20,"
			       "\"online\":1,\"offline\":0,\"leases\":[{\"address\":\"10.3.0.1\","
			       "\"user\":\"bob\",\"online\":true,\"holders\":1}]}]"));
	buf_free(&out);
	stop(&n);
}

/* vpnc proposes 0.0.0.0/0 for the server's side: the server answers with
 * its subnet, and our client (no rightsubnet) takes that. */
static void test_client_any_narrowed(void **state)
{
	static const char any_conf[] = "config setup\n"
				       "\tdataplane=none\n"
				       "conn rw\n"
				       "\tleft=192.0.2.1\n"
				       "\tright=192.0.2.2\n"
				       "\tauthby=secret\n"
				       "\tike=aes128-sha256-ecp256\n"
				       "\tesp=aes128-sha256\n"
				       "\tauto=add\n";
	struct ra_opts o = {0};
	char a[64];
	struct net n;

	net_start_secrets(&n, any_conf, server_conf, secrets, secrets);
	ra_setup(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_string_equal(ts_of(&only_child(n.d[WEST])->ts_remote, a, sizeof(a)), "10.2.0.0/24");
	assert_string_equal(ts_of(&only_child(n.d[EAST])->ts_local, a, sizeof(a)), "10.2.0.0/24");
	assert_string_equal(ts_of(&only_child(n.d[EAST])->ts_remote, a, sizeof(a)), "10.3.0.1/32");
	stop(&n);
}

/* Aggressive Mode (vpnc, Shrew): the server asks once AM3 is in. */
static void test_aggressive(void **state)
{
	char w[2048], e[2048];
	struct ra_opts o = {0};
	char a[64];
	struct net n;

	replace(w, sizeof(w), client_conf, "\tauto=add", "\taggressive=yes\n\tauto=add");
	replace(e, sizeof(e), server_conf, "\tauto=add", "\taggressive=yes\n\tauto=add");
	net_start_secrets(&n, w, e, secrets, secrets);
	ra_setup(&n, &o);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(sa_of(n.d[EAST], "rw")->exchange, ISAKMP_XCHG_AGGRESSIVE);
	assert_string_equal(vip_of(sa_of(n.d[EAST], "rw"), a, sizeof(a)), "10.3.0.1");
	assert_string_equal(ts_of(&only_child(n.d[EAST])->ts_remote, a, sizeof(a)), "10.3.0.1/32");
	stop(&n);
}

/* The same from ipsec.conf text: a strongSwan-dialect client, a
 * Libreswan-dialect server (conf/ra.c parses both). */
static const char text_client[] = "config setup\n"
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
static const char text_server[] = "config setup\n"
				  "\tdataplane=none\n"
				  "conn rw\n"
				  "\tleft=192.0.2.2\n"
				  "\tleftsubnet=10.2.0.0/24\n"
				  "\tleftxauthserver=yes\n"
				  "\tleftmodecfgserver=yes\n"
				  "\tright=%any\n"
				  "\trightaddresspool=10.3.0.10-10.3.0.20\n"
				  "\tmodecfgdns=10.2.0.53\n"
				  "\tmodecfgpull=yes\n"
				  "\tauthby=secret\n"
				  "\tike=aes128-sha256-ecp256\n"
				  "\tesp=aes128-sha256\n"
				  "\tauto=add\n";
static const char text_secrets[] = "192.0.2.1 192.0.2.2 : PSK \"group secret\"\n"
				   "bob : XAUTH \"secret1\"\n"
				   "alice : XAUTH \"secret2\"\n";

static void test_from_conf_text(void **state)
{
	char a[64];
	struct net n;

	net_start_secrets(&n, text_client, text_server, text_secrets, text_secrets);
	assert_int_equal(n.conf[WEST]->conns[0].ra.xauth, CONN_XAUTH_CLIENT);
	assert_int_equal(n.conf[EAST]->conns[0].ra.xauth, CONN_XAUTH_SERVER);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_string_equal(vip_of(sa_of(n.d[EAST], "rw"), a, sizeof(a)), "10.3.0.10");
	assert_string_equal(ts_of(&only_child(n.d[WEST])->ts_local, a, sizeof(a)), "10.3.0.10/32");
	net_stop(&n);
}

/* A reload that keeps the pool's range keeps its leases: bob's address
 * stays his while he is away, so alice, after the reload, gets the next. */
static void test_reload_keeps_leases(void **state)
{
	struct conf *old, *new;
	char a[64];
	struct net n;

	net_start_secrets(&n, text_client, text_server, text_secrets, text_secrets);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	assert_int_equal(ike_down(n.d[WEST], "rw"), 0);
	net_run_ms(&n, 100);
	assert_int_equal(conf_load(n.paths[2], n.paths[3], stub_is_local, (void *)east_here, &new,
				   n.why, sizeof(n.why)),
			 0);
	old = n.conf[EAST];
	assert_int_equal(ike_daemon_reload(n.d[EAST], new), 0);
	n.conf[EAST] = new;
	conf_free(old);
	up_second(&n, "rw2");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_string_equal(vip_of(east_sa_of(&n, "alice"), a, sizeof(a)), "10.3.0.11");
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xauth_modecfg_pull),
		cmocka_unit_test(test_xauth_modecfg_push),
		cmocka_unit_test_teardown(test_xauth_wrong_password, stderr_capture_restore),
		cmocka_unit_test_teardown(test_quick_before_xauth, stderr_capture_restore),
		cmocka_unit_test_teardown(test_pam_without_helper, stderr_capture_restore),
		cmocka_unit_test(test_two_users_and_reconnect),
		cmocka_unit_test(test_pool_exhausted),
		cmocka_unit_test(test_new_sa_without_modecfg),
		cmocka_unit_test(test_copies_and_retransmits),
		cmocka_unit_test(test_auth_method_differs),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_modecfg_without_xauth),
		cmocka_unit_test(test_client_any_narrowed),
		cmocka_unit_test(test_aggressive),
		cmocka_unit_test(test_from_conf_text),
		cmocka_unit_test(test_reload_keeps_leases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
