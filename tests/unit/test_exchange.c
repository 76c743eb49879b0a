/* Whole exchanges between two engines in one process (exchange_fixture.h):
 * Main, Aggressive and Quick Mode, PFS, lost messages, deletes, reload. */
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

/* Main Mode then Quick Mode; afterwards neither SA keeps its exchange. */
static void test_main_and_quick(void **state)
{
	struct net n;
	const struct child_sa *w, *e;
	int i;

	net_start(&n, "", "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	assert_string_equal(n.why, "established");
	net_run_ms(&n, 50);
	for (i = 0; i < 2; i++) {
		struct ike_sa *sa = n.d[i]->sas;

		assert_non_null(sa);
		assert_null(sa->next);
		assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
		assert_null(sa->x);
		assert_string_equal(sa->why, "");
		assert_non_null(sa->quicks);
		assert_int_equal(sa->quicks->state, QUICK_DONE);
		assert_null(sa->quicks->x);
		assert_null(n.d[i]->ended); /* the reaper ran */
	}
	w = only_child(n.d[WEST]);
	e = only_child(n.d[EAST]);
	assert_int_equal(w->spi_in, e->spi_out);
	assert_int_equal(w->spi_out, e->spi_in);
	assert_true(w->initiator);
	assert_false(e->initiator);
	/* 3 Main Mode messages and 2 Quick Mode messages from west */
	assert_int_equal(n.sent[WEST], 5);
	assert_int_equal(n.sent[EAST], 4);
	net_stop(&n);
}

/* Once established, each side keeps its last message only while the peer
 * may retransmit (1.4 s here); a responder's finished Quick Mode keeps no
 * message at all (the peer sent QM3, so it had QM2). */
static void test_last_messages_go(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(n.d[EAST]->sas->quicks->xmit.last_sent.len, 0);
	assert_int_not_equal(n.d[WEST]->sas->quicks->xmit.last_sent.len, 0);
	assert_int_not_equal(n.d[EAST]->sas->xmit.last_sent.len, 0);
	net_run_ms(&n, 1500);
	assert_int_equal(n.d[EAST]->sas->xmit.last_sent.len, 0);
	assert_int_equal(n.d[WEST]->sas->xmit.last_sent.len, 0);
	assert_null(n.d[EAST]->sas->xmit.last_sent.data);
	net_stop(&n);
}

/* Aggressive Mode (both sides allow it), then Quick Mode. */
static void test_aggressive_and_quick(void **state)
{
	struct net n;
	char base[1024], conf[1024];

	snprintf(base, sizeof(base), base_conf, "");
	replace(conf, sizeof(conf), base, "\tauto=add", "\taggressive=yes\n\tauto=add");
	net_start_confs(&n, conf, conf, "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(n.d[WEST]->sas->exchange, ISAKMP_XCHG_AGGRESSIVE);
	assert_null(n.d[EAST]->sas->x);
	assert_int_equal(n.d[EAST]->sas->state, IKE_SA_ESTABLISHED);
	assert_int_equal(only_child(n.d[WEST])->spi_in, only_child(n.d[EAST])->spi_out);
	net_stop(&n);
}

/* esp= that do not meet: the Quick Mode fails on both sides, each saying
 * why on the connection; the ISAKMP SAs stay up with no reason of theirs
 * (a Quick Mode's failure is not its parent's). */
static void test_quick_mismatch(void **state)
{
	struct net n;
	char west[1024], east[1024];

	char base[1024];

	snprintf(base, sizeof(base), base_conf, "!"); /* no defaults */
	replace(west, sizeof(west), base, "esp=aes128-sha256!", "esp=aes128-sha256!");
	replace(east, sizeof(east), base, "esp=aes128-sha256!", "esp=aes256-sha256!");
	net_start_confs(&n, west, east, "same secret", "same secret");
	net_up(&n);
	assert_false(n.ok);
	assert_non_null(strstr(n.why, "peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN"));
	net_run_ms(&n, 50);
	assert_non_null(n.d[EAST]->failures);
	assert_string_equal(n.d[EAST]->failures->conn, "site");
	assert_non_null(strstr(n.d[EAST]->failures->why,
			       "closest local proposal esp=aes256-sha256 differs in cipher"));
	assert_int_equal(n.d[EAST]->sas->state, IKE_SA_ESTABLISHED);
	assert_string_equal(n.d[EAST]->sas->why, "");
	assert_string_equal(n.d[WEST]->sas->why, "");
	assert_null(n.d[WEST]->children);
	assert_null(n.d[EAST]->children);
	net_stop(&n);
}

/* ike= that do not meet: east refuses MM1 and keeps no state; west gives
 * up with the refusal as the reason. */
static void test_main_mode_mismatch(void **state)
{
	struct net n;
	char west[1024], east[1024];

	char base[1024];

	snprintf(base, sizeof(base), base_conf, "");
	replace(west, sizeof(west), base, "ike=aes128-sha256-ecp256", "ike=aes128-sha256-ecp256!");
	replace(east, sizeof(east), base, "ike=aes128-sha256-ecp256", "ike=aes256-sha256-ecp256!");
	net_start_confs(&n, west, east, "same secret", "same secret");
	net_up(&n);
	assert_false(n.ok);
	assert_non_null(strstr(n.why, "peer refused: it sent NO_PROPOSAL_CHOSEN"));
	assert_null(n.d[EAST]->sas);
	net_stop(&n);
}

/* With PFS: the Quick Mode's own DH jobs run on both sides. */
static void test_quick_with_pfs(void **state)
{
	struct net n;

	net_start(&n, "-ecp256", "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50); /* QM3 to east */
	assert_int_equal(only_child(n.d[WEST])->spi_out, only_child(n.d[EAST])->spi_in);
	net_stop(&n);
}

/* MM2 lost: west retransmits MM1 and the exchange completes. */
static void test_lost_mm2(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_lose(&n, EAST, 1);
	net_up(&n);
	assert_true(n.ok);
	assert_int_equal(n.sent[WEST], 6); /* MM1 twice */
	net_stop(&n);
}

/* MM6 lost: west retransmits MM5; east, established and without its
 * exchange, answers with the MM6 it kept. */
static void test_lost_mm6(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_lose(&n, EAST, 3);
	net_up(&n);
	assert_true(n.ok);
	assert_int_equal(n.sent[WEST], 6); /* MM5 twice */
	assert_int_equal(n.sent[EAST], 5); /* MM6 twice */
	assert_null(n.d[EAST]->sas->x);
	net_stop(&n);
}

/* QM2 lost: west retransmits QM1; east answers the copy with QM2 again,
 * and makes no second Quick Mode for it. */
static void test_lost_qm2(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_lose(&n, EAST, 4);
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	/* QM1 twice; east's own QM2 retransmission crosses west's copy of
	 * QM1, so west may answer a second QM2 with QM3 again */
	assert_true(n.sent[WEST] >= 6);
	assert_non_null(n.d[EAST]->sas->quicks);
	assert_null(n.d[EAST]->sas->quicks->next_in_sa);
	assert_non_null(n.d[EAST]->children);
	net_stop(&n);
}

/* QM3 lost: east retransmits QM2, west (lingering) answers with QM3. */
static void test_lost_qm3(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_lose(&n, WEST, 5);
	net_up(&n);
	assert_true(n.ok);
	assert_null(n.d[EAST]->children);
	net_run_ms(&n, 600);
	assert_non_null(n.d[EAST]->children);
	assert_int_equal(n.sent[WEST], 6); /* QM3 again */
	net_stop(&n);
}

/* Different keys: MM5 does not open at east; west gives up with the
 * reason the operator needs, recorded on its SA's connection. */
static void test_psk_mismatch(void **state)
{
	struct net n;

	net_start(&n, "", "one secret", "another secret");
	net_up(&n);
	assert_false(n.ok);
	assert_non_null(strstr(n.why, "the pre-shared keys probably differ"));
	assert_non_null(n.d[WEST]->failures);
	assert_string_equal(n.d[WEST]->failures->conn, "site");
	assert_null(n.d[WEST]->children);
	net_stop(&n);
}

/* down at west: its Deletes (protected Informationals) end east's IPsec
 * and ISAKMP SAs too. */
static void test_down_deletes_at_peer(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_non_null(n.d[EAST]->children);
	assert_int_equal(ike_down(n.d[WEST], "site"), 0);
	assert_null(n.d[WEST]->sas);
	assert_null(n.d[WEST]->children);
	net_run_ms(&n, 50);
	assert_null(n.d[EAST]->children);
	assert_null(n.d[EAST]->sas);
	net_stop(&n);
}

/* A reload does not change a running SA: its connection (here replaced by
 * one with another esp=, the old configuration freed) is still the one it
 * negotiated with (ASan sees any use of the freed one). */
static void test_reload_keeps_running_sa(void **state)
{
	struct net n;
	struct conf *old, *new;
	char conf[1024];
	struct ike_sa *sa;

	net_start(&n, "", "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	snprintf(conf, sizeof(conf), base_conf, "");
	strcpy(strstr(conf, "aes128-sha256\n\tauto"), "aes256-sha256\n\tauto=add\n");
	tmp_remove(n.paths[0]);
	n.paths[0] = tmp_file(conf, 0644);
	assert_int_equal(conf_load(n.paths[0], n.paths[1], stub_is_local, (void *)west_here, &new,
				   n.why, sizeof(n.why)),
			 0);
	old = n.conf[WEST];
	assert_int_equal(ike_daemon_reload(n.d[WEST], new), 0);
	n.conf[WEST] = new;
	conf_free(old);
	sa = n.d[WEST]->sas;
	assert_string_equal(sa->conn->name, "site");
	assert_ptr_equal(sa->conn->esp.p[0].encr->display,
			 alg_by_name("aes128", ALG_ENCR)->display);
	assert_ptr_equal(sa->quicks->conn, sa->conn); /* one shared reference */
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_and_quick),
		cmocka_unit_test(test_last_messages_go),
		cmocka_unit_test(test_quick_with_pfs),
		cmocka_unit_test(test_aggressive_and_quick),
		cmocka_unit_test(test_quick_mismatch),
		cmocka_unit_test(test_main_mode_mismatch),
		cmocka_unit_test(test_lost_mm2),
		cmocka_unit_test(test_lost_mm6),
		cmocka_unit_test(test_lost_qm2),
		cmocka_unit_test(test_lost_qm3),
		cmocka_unit_test(test_psk_mismatch),
		cmocka_unit_test(test_down_deletes_at_peer),
		cmocka_unit_test(test_reload_keeps_running_sa),
	};

	log_setup(true, getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
