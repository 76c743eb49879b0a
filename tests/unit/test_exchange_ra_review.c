/* The remote-access findings 6, 9, 12 and 13 of issue 11's review,
 * between two in-process engines (exchange_fixture.h): west is the XAUTH
 * and Mode Config client, east the server.  Each test fails on the code
 * the review read.
 *   9: a Quick Mode under a server's SA stays on its connection (group);
 *  13: dropped transaction messages log once per SA and kind;
 *  12: a client starts no Quick Mode under an SA whose XAUTH / Mode
 *      Config is not done, and gives up on a server that never asks;
 *   6: the password check runs as a job; failures lock a user and an
 *      address out for a while. */
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
#include "ike/xauth_throttle.h"
#include "util/job.h"
#include "wire/attr.h"
#include "wire/isakmp.h"
#include "ike/tap.h"

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
				  "\tauto=add\n"
				  "conn rw9\n"
				  "\tleft=192.0.2.1\n"
				  "\tright=192.0.2.2\n"
				  "\trightsubnet=10.9.0.0/24\n"
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
				  "\tauto=add\n"
				  "conn rw9\n"
				  "\tleft=192.0.2.2\n"
				  "\tleftsubnet=10.9.0.0/24\n"
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

static bool qm_done, qm_ok;
static char qm_why[512];

static void qm_cb(void *arg, bool ok, const char *why)
{
	qm_done = true;
	qm_ok = ok;
	snprintf(qm_why, sizeof(qm_why), "%s", why ? why : "");
}

/* Finding 9: east's rw9 is another XAUTH server conn between the same
 * IDs (a passwd line may allow bob rw and not rw9).  West, up on rw,
 * proposes rw9's subnets under that SA: east's rw does not cover them and
 * rw9 may not take an SA that passed XAUTH for rw.  (The old ra_sa_fits
 * let rw9 take it.) */
static void test_quick_stays_on_server_conn(void **state)
{
	struct ra_opts o = {0};
	struct conn *c9;
	struct ike_sa *ws;
	struct net n;
	char *log;

	(void)state;
	start(&n, &o);
	c9 = &n.conf[EAST]->conns[1];
	c9->ra = n.conf[EAST]->conns[0].ra;
	n.conf[WEST]->conns[2].ra.user = "bob";
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	ws = sa_of(n.d[WEST], "rw");
	assert_non_null(ws);
	qm_done = false;
	stderr_capture_start();
	quick_start(ws, conf_conn(n.conf[WEST], "rw9"), qm_cb, NULL);
	net_run_ms(&n, 300);
	log = stderr_capture_stop();
	assert_true(qm_done);
	assert_false(qm_ok);
	assert_non_null(strstr(log, "invalid ID information"));
	/* east has rw's child only */
	assert_non_null(only_child(n.d[EAST]));
	assert_string_equal(only_child(n.d[EAST])->conn_name, "rw");
	free(log);
	stop(&n);
}

static unsigned count(const char *log, const char *what)
{
	unsigned k = 0;

	for (const char *p = log; (p = strstr(p, what)); p++)
		k++;
	return k;
}

/* Finding 13: west (the client) sends east ten SETs of XAUTH_STATUS (a
 * server's message) and ten REPLYs that answer nothing: east drops each,
 * with one line per kind, not one per message. */
static void test_dropped_log_once(void **state)
{
	struct wire_cfg_attr_spec a = {
		.type = CFG_XAUTH_STATUS, .tv = true, .value = XAUTH_STATUS_OK};
	struct ike_sa *ws;
	struct net n;
	unsigned i;
	char *log;

	(void)state;
	start(&n, &(struct ra_opts){0});
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	ws = sa_of(n.d[WEST], "rw");
	assert_non_null(ws);
	stderr_capture_start();
	for (i = 0; i < 20; i++) {
		ws->ra->ours.open = false; /* one more of ours, unanswered */
		assert_int_equal(ra_txn_send(ws->ra, RA_XAUTH_STATUS,
					     i < 10 ? ISAKMP_CFG_SET : ISAKMP_CFG_REPLY, &a, 1),
				 0);
		net_run_ms(&n, 5);
	}
	ws->ra->ours.open = false;
	log = stderr_capture_stop();
	assert_int_equal(count(log, "dropped the peer's XAUTH SET: we are not its XAUTH client"),
			 1);
	assert_int_equal(count(log, "ignored a transaction REPLY that answers nothing of ours"), 1);
	assert_non_null(sa_of(n.d[EAST], "rw"));
	free(log);
	stop(&n);
}

/* Another ISAKMP SA of west's, for conn. */
static void up_again(struct net *n, const char *conn)
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

static void set_password(struct net *n, const char *pw)
{
	snprintf(n->conf[WEST]->xauth_users[0].secret, sizeof(n->conf[WEST]->xauth_users[0].secret),
		 "%s", pw);
}

/* Finding 6 (b): bob's wrong password from 192.0.2.1, three tries on one
 * SA, two on the next: the fifth failure locks user and address out (one
 * line), the second SA's third try and a third SA are refused without a
 * check; once the lockout is over, the right password goes through.
 * (The old code checked every try: three per SA, no end.) */
static void test_lockout(void **state)
{
	struct xthr_cfg cfg = {5, 60000, 600, 5000, 64};
	struct ra_opts o = {.password = "wrong"};
	const char *why;
	struct net n;
	char *log;

	(void)state;
	start(&n, &o);
	assert_int_equal(xthr_new(&cfg, &n.d[EAST]->xthr), 0);
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	assert_false(n.ok);
	net_run_ms(&n, 100);
	up_again(&n, "rw");
	assert_false(n.ok);
	net_run_ms(&n, 100);
	up_again(&n, "rw");
	assert_false(n.ok);
	net_run_ms(&n, 100);
	log = stderr_capture_stop();
	assert_int_equal(count(log, "XAUTH failed for user 'bob' (try"), 5);
	assert_int_equal(count(log, "XAUTH: user 'bob' and address 192.0.2.1 locked out for 0.6 s "
				    "after 5 failed tries"),
			 1);
	assert_int_equal(count(log, "XAUTH refused for user 'bob' without a check: XAUTH user "
				    "'bob' is locked out for 1 s more"),
			 2);
	why = net_failure(&n, EAST, "rw");
	assert_non_null(why);
	assert_non_null(strstr(why, "too many failed tries"));
	free(log);
	/* over: the right password is taken */
	net_run_ms(&n, 700);
	set_password(&n, "secret1");
	up_again(&n, "rw");
	assert_true(n.ok);
	stop(&n);
}

/* The lockout doubles: after it ends, five more failures lock the user
 * out for twice as long; the table stays within its cap. */
static void test_lockout_doubles_and_is_bounded(void **state)
{
	struct xthr_cfg cfg = {2, 60000, 1000, 3000, 4};
	struct xauth_throttle *t;
	struct sockaddr_in a = {.sin_family = AF_INET};
	char why[256], user[16];
	uint64_t now = 1000000;
	unsigned i;

	(void)state;
	assert_int_equal(xthr_new(&cfg, &t), 0);
	a.sin_addr.s_addr = htonl(0xc0000201);
	stderr_capture_start();
	for (i = 0; i < 2; i++) {
		assert_int_equal(xthr_admit(t, "bob", (struct sockaddr *)&a, now, why, sizeof(why)),
				 0);
		xthr_done(t, "bob", (struct sockaddr *)&a, XTHR_FAILED, now);
	}
	assert_int_equal(xthr_admit(t, "bob", (struct sockaddr *)&a, now + 999, why, sizeof(why)),
			 -EAGAIN);
	for (i = 0; i < 2; i++) {
		assert_int_equal(
			xthr_admit(t, "bob", (struct sockaddr *)&a, now + 1000, why, sizeof(why)),
			0);
		xthr_done(t, "bob", (struct sockaddr *)&a, XTHR_FAILED, now + 1000);
	}
	assert_int_equal(xthr_admit(t, "bob", (struct sockaddr *)&a, now + 2999, why, sizeof(why)),
			 -EAGAIN);
	assert_non_null(strstr(why, "locked out"));
	assert_int_equal(xthr_admit(t, "bob", (struct sockaddr *)&a, now + 3000, why, sizeof(why)),
			 0);
	/* under way: one admitted check is one of the two allowed */
	xthr_done(t, "bob", (struct sockaddr *)&a, XTHR_PASSED, now + 3000);
	/* many users from many addresses: at most cap entries of each */
	for (i = 0; i < 50; i++) {
		snprintf(user, sizeof(user), "u%u", i);
		a.sin_addr.s_addr = htonl(0x0a000000 + i);
		if (!xthr_admit(t, user, (struct sockaddr *)&a, now + 4000, why, sizeof(why)))
			xthr_done(t, user, (struct sockaddr *)&a, XTHR_FAILED, now + 4000);
	}
	assert_true(xthr_count(t, 0) <= 4);
	assert_true(xthr_count(t, 1) <= 4);
	free(stderr_capture_stop());
	xthr_free(t);
}

/* Finding 6 (a): the check is a job; checks under way count against the
 * limit; the SA freed while its check runs (with a worker thread): the
 * completion is dropped, nothing leaks (ASan), the throttle forgets it. */
static bool freed_during_check;

static void free_while_checking(struct net *n)
{
	struct ike_sa *sa;

	for (sa = n->d[EAST]->sas; sa; sa = sa->next)
		if (!freed_during_check && sa->ra && sa->ra->check.pending) {
			freed_during_check = true;
			ike_sa_free(sa);
			return;
		}
}

static void test_sa_freed_during_check(void **state)
{
	struct xthr_cfg cfg = {1, 60000, 60000, 60000, 64};
	struct ra_opts o = {0};
	struct net n;
	char *log;

	(void)state;
	freed_during_check = false;
	start(&n, &o);
	assert_int_equal(job_pool_start(n.loop, 1), 0);
	assert_int_equal(xthr_new(&cfg, &n.d[EAST]->xthr), 0);
	n.watch = free_while_checking;
	stderr_capture_start();
	assert_int_equal(main_mode_initiate(n.d[WEST], conf_conn(n.conf[WEST], "rw"), up_done, &n),
			 0);
	net_run_ms(&n, 300);
	log = stderr_capture_stop();
	assert_true(freed_during_check);
	assert_null(strstr(log, "XAUTH user 'bob' authenticated"));
	free(log);
	/* abandoned, not failed: with one failure allowed, bob still gets in */
	n.watch = NULL;
	ike_down(n.d[WEST], "rw");
	net_run_ms(&n, 50);
	up_again(&n, "rw");
	assert_true(n.ok);
	job_pool_stop();
	stop(&n);
}

/* While the check runs (yescrypt on a worker thread), a copy of the
 * REPLY arrives: it is answered by nothing and not checked again. */
static unsigned seen_pending;

static void count_pending(struct net *n)
{
	struct ike_sa *sa;

	for (sa = n->d[EAST]->sas; sa; sa = sa->next)
		if (sa->ra && sa->ra->check.pending)
			seen_pending++;
}

static void test_copy_during_check(void **state)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct ra_opts o = {0};
	struct conf_xauth_user *u;
	struct ike_sa *es;
	struct net n;
	char *log;

	(void)state;
	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)));
	start(&n, &o);
	u = &n.conf[EAST]->xauth_users[0];
	assert_string_equal(u->user, "bob");
	snprintf(u->secret, sizeof(u->secret), "%s", crypt_rn("secret1", salt, cd, sizeof(*cd)));
	u->crypted = true;
	free(cd);
	assert_int_equal(job_pool_start(n.loop, 1), 0);
	seen_pending = 0;
	n.watch = count_pending;
	net_duplicate(&n, WEST, 4); /* the REPLY */
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	log = stderr_capture_stop();
	assert_true(n.ok);
	assert_true(seen_pending >= 2); /* the REPLY and its copy came during the check */
	es = sa_of(n.d[EAST], "rw");
	assert_non_null(es);
	assert_int_equal(es->ra->tries, 1);
	assert_int_equal(count(log, "XAUTH user 'bob' authenticated"), 1);
	free(log);
	job_pool_stop();
	stop(&n);
}

/* Finding 12: east's transaction messages (and Deletes) do not reach
 * west while `mute` is set. */
static bool mute;

static void east_mute(void *arg, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	if (mute && len >= 28 &&
	    (msg[18] == ISAKMP_XCHG_TRANSACTION || msg[18] == ISAKMP_XCHG_INFO))
		return;
	net_send(arg, ep, msg, len);
}

/* The server never asks: west gives up after its retransmission span
 * (0.2 + 0.4 + 0.8 s) with a sentence.  (The old code waited forever.) */
static void test_client_gives_up(void **state)
{
	struct ra_opts o = {0};
	const char *why;
	struct net n;

	(void)state;
	start(&n, &o);
	mute = true;
	n.d[EAST]->send = east_mute;
	stderr_capture_start();
	assert_int_equal(main_mode_initiate(n.d[WEST], conf_conn(n.conf[WEST], "rw"), up_done, &n),
			 0);
	net_run_ms(&n, 2500);
	free(stderr_capture_stop());
	assert_true(n.done);
	assert_false(n.ok);
	why = net_failure(&n, WEST, "rw");
	assert_non_null(why);
	assert_non_null(strstr(why, "the server did not ask for our XAUTH user name and password "
				    "within 2 s"));
	mute = false;
	stop(&n);
}

static bool qm_started_done, qm_started_ok;

static void qm_started(void *arg, bool ok, const char *why)
{
	qm_started_done = true;
	qm_started_ok = ok;
}

/* West's second ISAKMP SA (as after a phase-1 rekey) is up but east's
 * XAUTH request has not reached it: a Quick Mode for rw goes under the
 * first SA, which is through XAUTH and Mode Config (the old code took the
 * newest).  With the first gone, one waits on the second until its XAUTH
 * and Mode Config are done. */
static void test_client_picks_ready_sa(void **state)
{
	struct ra_opts o = {0};
	struct ike_sa *first, *second, *sa;
	struct net n;
	char *log;

	(void)state;
	start(&n, &o);
	n.d[EAST]->send = east_mute;
	mute = false;
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	first = sa_of(n.d[WEST], "rw");
	assert_non_null(first);
	mute = true;
	n.done = false;
	assert_int_equal(main_mode_initiate(n.d[WEST], conf_conn(n.conf[WEST], "rw"), NULL, NULL),
			 0);
	net_run_ms(&n, 100);
	for (second = n.d[WEST]->sas; second; second = second->next)
		if (second != first && second->state == IKE_SA_ESTABLISHED)
			break;
	assert_non_null(second);
	assert_false(ra_sa_ready(second));
	/* as a phase-1 rekey's (rekey.c): no Quick Mode held on it */
	assert_true(second->ra->quick_held);
	second->ra->quick_held = false;
	second->want_child = false;
	assert_ptr_equal(ike_sa_for_conn(n.d[WEST], conf_conn(n.conf[WEST], "rw")), first);
	/* the first goes (west only: east keeps it, muted Deletes) */
	stderr_capture_start();
	ike_sa_free(first);
	sa = ike_sa_for_conn(n.d[WEST], conf_conn(n.conf[WEST], "rw"));
	assert_ptr_equal(sa, second);
	qm_started_done = false;
	assert_int_equal(quick_initiate(sa, NULL, qm_started, NULL), 0);
	assert_false(qm_started_done);
	net_run_ms(&n, 100);
	assert_false(qm_started_done); /* still waiting */
	mute = false;		       /* east's retransmitted XAUTH request gets through */
	net_run_ms(&n, 1000);
	log = stderr_capture_stop();
	assert_true(qm_started_done);
	assert_true(qm_started_ok);
	assert_non_null(strstr(log, "Quick Mode waits for XAUTH / Mode Config"));
	assert_null(strstr(log, "dropped a Quick Mode from a peer that has not passed XAUTH"));
	free(log);
	stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_quick_stays_on_server_conn, stderr_capture_restore),
		cmocka_unit_test_teardown(test_dropped_log_once, stderr_capture_restore),
		cmocka_unit_test_teardown(test_lockout, stderr_capture_restore),
		cmocka_unit_test_teardown(test_lockout_doubles_and_is_bounded,
					  stderr_capture_restore),
		cmocka_unit_test_teardown(test_sa_freed_during_check, stderr_capture_restore),
		cmocka_unit_test_teardown(test_copy_during_check, stderr_capture_restore),
		cmocka_unit_test_teardown(test_client_gives_up, stderr_capture_restore),
		cmocka_unit_test_teardown(test_client_picks_ready_sa, stderr_capture_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
