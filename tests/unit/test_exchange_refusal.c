/* What a refusing side tells its peer in phase 1, through the real engine
 * (exchange_fixture.h): the initiator that refuses MM6 deletes the
 * responder's new ISAKMP SA under its keys at once, the one that refuses
 * AM2 says why in the clear.  Each failed on the code before these
 * refusals were sent.  An Aggressive Mode responder with no connection
 * for the peer's ID and a responder with no key for the peer are
 * test_exchange_mismatch's test_am_initiator_id_refused and
 * test_no_key_at_responder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "exchange_fixture.h"
#include "stderr_capture.h"

#define CONF_LEN 2048

/* Quick retransmits at west keep the tests that wait for them short. */
#define FAST	   "retransmit_timeout=0.2", "retransmit_timeout=0.05"
#define AGGRESSIVE "\tauto=add", "\taggressive=yes\n\tauto=add"
/* west expects east to identify as somebody.else */
#define WEST_EXPECTS_OTHER "\tauthby", "\trightid=@somebody.else\n\tauthby"

/* base_conf with each (from, to) pair replaced in turn, up to a NULL. */
static void conf_edit(char *out, ...)
{
	char text[CONF_LEN];
	const char *from, *to;
	va_list ap;

	snprintf(out, CONF_LEN, base_conf, "");
	va_start(ap, out);
	while ((from = va_arg(ap, const char *))) {
		to = va_arg(ap, const char *);
		replace(text, sizeof(text), out, from, to);
		memcpy(out, text, CONF_LEN);
	}
	va_end(ap);
}

/* Gives stderr and the tests' log level back, even after a failure. */
static int log_capture_stop(void **state)
{
	stderr_capture_restore(state);
	log_setup(true, getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	return 0;
}

static void assert_up_failed(const struct net *n, const char *why)
{
	assert_true(n->done);
	assert_false(n->ok);
	assert_string_equal(n->why, why);
}

/* East's only ISAKMP SA: negotiating still, with this likely reason. */
static void assert_east_told(const struct net *n, const char *why)
{
	const struct ike_sa *sa = n->d[EAST]->sas;

	assert_non_null(sa);
	assert_null(sa->next);
	assert_int_equal(sa->state, IKE_SA_NEGOTIATING);
	assert_string_equal(sa->why, why);
}

/* Main Mode: west refuses east's ID in MM6.  East, established by MM6,
 * hears INVALID_ID_INFORMATION and a Delete under the new keys, and drops
 * its ISAKMP SA at once: it used to keep it until it expired (an hour),
 * with west long gone. */
static void test_mm6_refused_deletes_peer_sa(void **state)
{
	char west[CONF_LEN], east[CONF_LEN], *said;
	struct net n;

	conf_edit(west, WEST_EXPECTS_OTHER, NULL);
	conf_edit(east, NULL);
	net_start_confs(&n, west, east, "same secret", "same secret");
	log_setup(true, LOG_LVL_INFO);
	stderr_capture_start();
	net_up(&n);
	net_run_ms(&n, 50);
	said = stderr_capture_stop();
	log_capture_stop(NULL);
	assert_null(n.d[EAST]->sas);
	assert_null(n.d[EAST]->children);
	assert_non_null(
		strstr(said, "told the peer INVALID_ID_INFORMATION and deleted the ISAKMP SA"));
	assert_non_null(strstr(said, "peer sent INVALID_ID_INFORMATION"));
	assert_non_null(strstr(said, "peer deleted the ISAKMP SA"));
	free(said);
	assert_up_failed(&n, "peer identifies as 192.0.2.2, but site expects somebody.else");
	/* MM1, MM3, MM5, the notify and the Delete */
	assert_int_equal(n.sent[WEST], 5);
	net_stop(&n);
}

/* Aggressive Mode: west refuses east's ID in AM2, before there are keys:
 * east, waiting for AM3, is told INVALID_ID_INFORMATION in the clear and
 * keeps it as the reason its exchange does not complete (it used to have
 * none until its half-open timeout). */
static void test_am2_id_refused_told(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, AGGRESSIVE, WEST_EXPECTS_OTHER, NULL);
	conf_edit(east, AGGRESSIVE, NULL);
	net_start_confs(&n, west, east, "same secret", "same secret");
	net_up(&n);
	net_run_ms(&n, 50);
	assert_up_failed(&n, "peer identifies as 192.0.2.2, but site expects somebody.else");
	assert_east_told(&n, "peer refused: it sent INVALID_ID_INFORMATION");
	net_stop(&n);
}

/* Aggressive Mode with different keys: HASH_R does not verify at west,
 * which tells east AUTHENTICATION_FAILED in the clear (east's keys are not
 * west's: it could not read a protected notify). */
static void test_am2_hash_refused_told(void **state)
{
	char conf[CONF_LEN];
	struct net n;

	conf_edit(conf, AGGRESSIVE, NULL);
	net_start_confs(&n, conf, conf, "west's key", "east's key");
	net_up(&n);
	net_run_ms(&n, 50);
	assert_up_failed(&n, "HASH_R from peer does not verify: the pre-shared keys probably "
			     "differ");
	assert_east_told(&n, "peer refused: it sent AUTHENTICATION_FAILED");
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mm6_refused_deletes_peer_sa, log_capture_stop),
		cmocka_unit_test(test_am2_id_refused_told),
		cmocka_unit_test(test_am2_hash_refused_told),
	};

	log_setup(true, getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
