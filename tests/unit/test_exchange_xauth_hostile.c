/* A hostile remote-access client between two in-process engines
 * (exchange_fixture.h): west holds the group PSK but not the password,
 * east is the XAUTH and Mode Config server.  Found by the review of issue
 * 11: a client's own SET of XAUTH_STATUS=OK was taken by the server as if
 * it were the server's answer, and an answer was taken whatever its
 * identifier. */
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

#include "wire/attr.h"
#include "wire/isakmp.h"

static bool injected;
static unsigned dropped;

/* east's XAUTH REQUEST (and its retransmits) never reaches west */
static void east_filter(void *arg, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	struct side *s = arg;
	struct ike_sa *sa;
	uint32_t id;

	if (len >= 28 && msg[18] == ISAKMP_XCHG_TRANSACTION) {
		id = (uint32_t)msg[20] << 24 | (uint32_t)msg[21] << 16 | (uint32_t)msg[22] << 8 |
		     msg[23];
		for (sa = s->n->d[EAST]->sas; sa; sa = sa->next)
			if (sa->ra && sa->ra->ours.what == RA_XAUTH_ASK &&
			    sa->ra->ours.msgid == id) {
				dropped++;
				return;
			}
	}
	net_send(arg, ep, msg, len);
}

/* west sends the server a SET of XAUTH_STATUS=OK, as if it were the
 * server, then goes on to Mode Config as if it had passed. */
static void inject_set_ok(struct net *n)
{
	struct ike_sa *sa = sa_of(n->d[WEST], "rw");
	struct wire_cfg_attr_spec a = {
		.type = CFG_XAUTH_STATUS, .tv = true, .value = XAUTH_STATUS_OK};

	if (injected || !sa || !sa->ra)
		return;
	injected = true;
	assert_int_equal(ra_txn_send(sa->ra, RA_XAUTH_STATUS, ISAKMP_CFG_SET, &a, 1), 0);
	sa->ra->xauth = RA_XAUTH_OK;
	ra_next(sa->ra);
}

static void bypass(bool push)
{
	struct ra_opts o = {.password = "wrong", .push = push};
	struct ike_sa *es;
	struct net n;
	char *log;

	injected = false;
	dropped = 0;
	start(&n, &o);
	n.d[EAST]->send = east_filter;
	n.watch = inject_set_ok;
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	net_run_ms(&n, 3000);
	log = stderr_capture_stop();
	assert_true(injected);
	assert_true(dropped > 0);
	/* no IPsec SA, no address, and the SA fails on its unanswered request */
	assert_null(n.d[EAST]->children);
	es = sa_of(n.d[EAST], "rw");
	assert_true(!es || !es->ra || (es->ra->xauth != RA_XAUTH_OK && !es->ra->have_vip));
	assert_null(strstr(log, "accepted XAUTH user ''"));
	assert_non_null(strstr(log, "dropped the peer's XAUTH SET: we are not its XAUTH client"));
	free(log);
	stop(&n);
}

static void test_client_set_ok_pull(void **state)
{
	(void)state;
	bypass(false);
}

static void test_client_set_ok_push(void **state)
{
	(void)state;
	bypass(true);
}

/* west proposes XAUTH but, once phase 1 is up, is no XAUTH client (it
 * drops east's REQUEST); it answers it by hand, with another identifier
 * (east must ignore it), or with the request's own (east takes it: the
 * test can tell them apart). */
static int reply_id_shift;
static bool replied, flipped;

static void reply_by_hand(struct net *n)
{
	struct ike_sa *ws = sa_of(n->d[WEST], "rw"), *es;
	const char *user = "bob", *pw = "secret1";
	struct wire_cfg_attr_spec a[3] = {
		{.type = CFG_XAUTH_TYPE, .tv = true, .value = XAUTH_TYPE_GENERIC},
		{.type = CFG_XAUTH_USER_NAME, .data = (const uint8_t *)user, .len = 3},
		{.type = CFG_XAUTH_USER_PASSWORD, .data = (const uint8_t *)pw, .len = 7},
	};

	if (ws && !flipped) {
		n->conf[WEST]->conns[0].ra.xauth = CONN_XAUTH_NONE;
		flipped = true;
	}
	if (replied || !ws || !ws->ra || !ws->ra->theirs.msgid)
		return;
	for (es = n->d[EAST]->sas; es; es = es->next)
		if (es->ra && es->ra->ours.open && es->ra->ours.what == RA_XAUTH_ASK)
			break;
	if (!es)
		return;
	replied = true;
	assert_int_equal(ra_txn_answer(ws->ra, ISAKMP_CFG_REPLY,
				       (uint16_t)(es->ra->ours.id + reply_id_shift), a, 3),
			 0);
}

static void reply_with_id(int shift, bool taken)
{
	struct ra_opts o = {0};
	struct net n;
	char *log;

	replied = flipped = false;
	reply_id_shift = shift;
	start(&n, &o);
	n.watch = reply_by_hand;
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	net_run_ms(&n, 300);
	log = stderr_capture_stop();
	assert_true(replied);
	if (taken) {
		assert_non_null(strstr(log, "XAUTH user 'bob' authenticated"));
	} else {
		assert_null(strstr(log, "XAUTH user 'bob' authenticated"));
		assert_non_null(strstr(log, "dropped the peer's XAUTH REQUEST"));
		assert_non_null(strstr(log, "with identifier"));
	}
	free(log);
	stop(&n);
}

static void test_reply_other_identifier(void **state)
{
	(void)state;
	reply_with_id(1, false);
}

static void test_reply_same_identifier(void **state)
{
	(void)state;
	reply_with_id(0, true);
}

/* The decrypted capture (-L) shows the XAUTH exchange but not the
 * password: its value is zeroed, its length kept. */
static void test_capture_hides_password(void **state)
{
	struct ra_opts o = {0};
	char why[256], dir[] = "/tmp/test_xauth_cap.XXXXXX", path[64];
	size_t len, i;
	unsigned pw = 0, user = 0;
	uint8_t buf[65536];
	struct net n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/isakmp.pcap", dir);
	start(&n, &o);
	assert_int_equal(ike_capture_on(n.d[EAST], path, why, sizeof(why)), 0);
	net_up_at(&n, WEST, "rw");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	ike_capture_off(n.d[EAST]);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (i = 0; i + 7 <= len; i++) {
		pw += !memcmp(buf + i, "secret1", 7);
		user += !memcmp(buf + i, "bob", 3);
	}
	assert_true(user > 0);
	assert_int_equal(pw, 0);
	unlink(path);
	rmdir(dir);
	stop(&n);
}

/* A hostile server hands out the client's own IKE address (or loopback):
 * the client refuses it, and installs nothing. */
static void bad_address(const char *addr)
{
	struct ra_opts o = {0};
	struct ike_sa *ws;
	struct net n;
	char *log;

	start(&n, &o);
	set_addr(&n.conf[EAST]->pools[0].first, addr);
	set_addr(&n.conf[EAST]->pools[0].last, addr);
	stderr_capture_start();
	net_up_at(&n, WEST, "rw");
	log = stderr_capture_stop();
	assert_false(n.ok);
	assert_non_null(strstr(log, "which is no address for a host of ours"));
	assert_null(n.d[WEST]->children);
	ws = sa_of(n.d[WEST], "rw");
	assert_true(!ws || !ws->ra || !ws->ra->have_vip);
	free(log);
	stop(&n);
}

static void test_server_gives_our_address(void **state)
{
	(void)state;
	bad_address("192.0.2.1");
}

static void test_server_gives_loopback(void **state)
{
	(void)state;
	bad_address("127.0.0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_client_set_ok_pull, stderr_capture_restore),
		cmocka_unit_test_teardown(test_client_set_ok_push, stderr_capture_restore),
		cmocka_unit_test_teardown(test_reply_other_identifier, stderr_capture_restore),
		cmocka_unit_test_teardown(test_reply_same_identifier, stderr_capture_restore),
		cmocka_unit_test(test_capture_hides_password),
		cmocka_unit_test_teardown(test_server_gives_our_address, stderr_capture_restore),
		cmocka_unit_test_teardown(test_server_gives_loopback, stderr_capture_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
