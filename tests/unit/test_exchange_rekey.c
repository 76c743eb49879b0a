/* Rekeying between two in-process engines (exchange_fixture.h), on the
 * loop's real clock with short lifetimes: the ISAKMP SA and the IPsec SA
 * are rekeyed, the old ones deleted on both sides, the IPsec SA's rekey
 * runs under the new ISAKMP SA, there is never a moment without an
 * ISAKMP SA or an IPsec SA to use, and when both sides rekey at once one
 * pair is left, the same on both sides. */
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
#include "ike/rekey.h"

static void rekey_conf(char *out, size_t len, const char *lifetimes)
{
	char esp[256];

	snprintf(esp, sizeof(esp), "%s", "");
	snprintf(out, len, base_conf, esp);
	assert_true(strlen(out) + strlen(lifetimes) + 1 < len);
	strcat(out, lifetimes);
}

static unsigned established(const struct ike_daemon *d, const struct ike_sa **last)
{
	const struct ike_sa *sa;
	unsigned n = 0;

	for (sa = d->sas; sa; sa = sa->next)
		if (sa->state == IKE_SA_ESTABLISHED) {
			n++;
			if (last && (!*last || sa->serial > (*last)->serial))
				*last = sa;
		}
	return n;
}

/* The children that carry traffic (not being replaced). */
static unsigned live_children(const struct ike_daemon *d, const struct child_sa **one)
{
	const struct child_sa *c;
	unsigned n = 0;

	for (c = d->children; c; c = c->next)
		if (!c->rk.succ_seq) {
			n++;
			if (one)
				*one = c;
		}
	return n;
}

static unsigned count_children(const struct ike_daemon *d)
{
	const struct child_sa *c;
	unsigned n = 0;

	for (c = d->children; c; c = c->next)
		n++;
	return n;
}

/* Both sides: one ISAKMP SA with the same cookies, one IPsec SA pair
 * whose SPIs agree; returns west's ISAKMP SA and child. */
static void assert_one_pair(struct net *n, const struct ike_sa **wsa, const struct child_sa **wc)
{
	const struct ike_sa *s[2] = {NULL, NULL};
	const struct child_sa *c[2] = {NULL, NULL};
	int i;

	for (i = 0; i < 2; i++) {
		assert_int_equal(established(n->d[i], &s[i]), 1);
		assert_int_equal(live_children(n->d[i], &c[i]), 1);
		assert_int_equal(count_children(n->d[i]), 1);
	}
	assert_memory_equal(s[WEST]->icookie, s[EAST]->icookie, 8);
	assert_memory_equal(s[WEST]->rcookie, s[EAST]->rcookie, 8);
	assert_int_equal(c[WEST]->spi_in, c[EAST]->spi_out);
	assert_int_equal(c[WEST]->spi_out, c[EAST]->spi_in);
	*wsa = s[WEST];
	*wc = c[WEST];
}

/* Runs until both sides hold one ISAKMP SA and one IPsec SA pair (a
 * rekey's old SAs gone), at most max_ms: rekeys go on meanwhile, so a
 * fixed wait may end inside the next one. */
static void wait_one_pair(struct net *n, unsigned max_ms)
{
	unsigned waited, i, settled;

	for (waited = 0; waited < max_ms; waited += 100) {
		for (i = 0, settled = 0; i < 2; i++)
			settled += established(n->d[i], NULL) == 1 &&
				   count_children(n->d[i]) == 1 &&
				   live_children(n->d[i], NULL) == 1;
		if (settled == 2)
			return;
		net_run_ms(n, 100);
	}
}

/* ikelifetime=10s, lifetime=8s, the default 9m margin scaled down: the
 * ISAKMP SA is rekeyed 5 to 7.5 s after it is made, the IPsec SA 4 to 6 s. */
static void test_rekeys_happen(void **state)
{
	char conf[2048];
	const struct ike_sa *first = NULL, *sa = NULL, *now;
	const struct child_sa *child = NULL;
	uint32_t first_spi;
	unsigned first_serial, step, max_ike = 0, max_seq = 0, i;
	uint8_t first_icookie[8];
	struct net n;

	rekey_conf(conf, sizeof(conf), "\tikelifetime=10s\n\tlifetime=8s\n");
	net_start_confs(&n, conf, conf, "rekey", "rekey");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 200); /* east has QM3 */
	assert_one_pair(&n, &first, &child);
	first_serial = first->serial;
	memcpy(first_icookie, first->icookie, 8);
	first_spi = child->spi_in;
	/* 14 s in steps of 100 ms: never without an ISAKMP SA or a pair */
	for (step = 0; step < 140; step++) {
		net_run_ms(&n, 100);
		for (i = 0; i < 2; i++) {
			now = NULL;
			assert_true(established(n.d[i], &now) >= 1);
			assert_true(live_children(n.d[i], NULL) >= 1);
			if (i == WEST && now->serial > max_ike)
				max_ike = now->serial;
		}
		for (child = n.d[WEST]->children; child; child = child->next)
			if (child->seq > max_seq)
				max_seq = child->seq;
	}
	net_run_ms(&n, 1500); /* a last rekey's old SAs go */
	wait_one_pair(&n, 8000);
	assert_one_pair(&n, &sa, &child);
	/* rekeyed, the ISAKMP SA at least once, the IPsec SA at least twice */
	assert_true(max_ike >= first_serial + 1);
	assert_true(max_seq >= 3);
	assert_true(sa->serial != first_serial);
	assert_true(child->spi_in != first_spi);
	/* the old ISAKMP SA is gone on both sides */
	for (i = 0; i < 2; i++)
		for (now = n.d[i]->sas; now; now = now->next)
			assert_memory_not_equal(now->icookie, first_icookie, 8);
	/* the last IPsec SA was made under a rekeyed ISAKMP SA */
	assert_memory_not_equal(child->icookie, first_icookie, 8);
	net_stop(&n);
}

/* Both sides start the ISAKMP SA's rekey at once: one new SA is left,
 * the same on both sides, and the IPsec SA is not touched. */
static void test_ike_collision(void **state)
{
	char conf[2048];
	const struct ike_sa *first = NULL, *sa = NULL;
	const struct child_sa *child = NULL, *after = NULL;
	unsigned first_serial;
	uint32_t spi;
	struct net n;
	int i;

	rekey_conf(conf, sizeof(conf),
		   "\tikelifetime=20s\n\tlifetime=60s\n\tmargintime=1s\n\trekeyfuzz=0%\n");
	net_start_confs(&n, conf, conf, "collide", "collide");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 200); /* east has QM3 */
	assert_one_pair(&n, &first, &child);
	first_serial = first->serial;
	spi = child->spi_in;
	net_run_ms(&n, 6000); /* older than the window of SAs made together */
	for (i = 0; i < 2; i++) {
		const struct ike_sa *s = NULL;

		established(n.d[i], &s);
		timer_arm(n.loop, &((struct ike_sa *)s)->rk.timer, 0);
	}
	net_run_ms(&n, 3000);
	assert_one_pair(&n, &sa, &after);
	assert_true(sa->serial != first_serial);
	assert_int_equal(after->spi_in, spi);
	net_stop(&n);
}

/* Both sides start the IPsec SA's rekey at once: one pair is left (the
 * lower SPI's), the same on both sides, and the old one is gone. */
static void test_child_collision(void **state)
{
	char conf[2048];
	const struct ike_sa *sa = NULL;
	const struct child_sa *child = NULL, *after = NULL;
	uint32_t spi;
	struct net n;

	rekey_conf(conf, sizeof(conf),
		   "\tikelifetime=60s\n\tlifetime=20s\n\tmargintime=1s\n\trekeyfuzz=0%\n");
	net_start_confs(&n, conf, conf, "collide", "collide");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 200); /* east has QM3 */
	assert_one_pair(&n, &sa, &child);
	spi = child->spi_in;
	net_run_ms(&n, 6000);
	ike_rekey(n.d[WEST], "site");
	ike_rekey(n.d[EAST], "site");
	net_run_ms(&n, 4000);
	assert_one_pair(&n, &sa, &after);
	assert_true(after->spi_in != spi);
	net_stop(&n);
}

/* rekey=no: the SAs are not renewed by this side (the peer's job). */
static void test_rekey_no(void **state)
{
	char conf[2048];
	const struct ike_sa *sa = NULL;
	const struct child_sa *child = NULL;
	struct net n;

	rekey_conf(conf, sizeof(conf), "\tikelifetime=10s\n\tlifetime=60s\n\trekey=no\n");
	net_start_confs(&n, conf, conf, "no", "no");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 200); /* east has QM3 */
	assert_one_pair(&n, &sa, &child);
	assert_false(timer_armed(&sa->rk.timer));
	net_stop(&n);
}

/* West (the initiator) has rekey=no: east, the responder of the first
 * ISAKMP SA and IPsec SA, rekeys both (the IPsec SA once west's margin
 * passed without a rekey), and the old ones go. */
static void test_responder_rekeys(void **state)
{
	char wconf[2048], econf[2048];
	const struct ike_sa *first = NULL, *sa = NULL;
	const struct child_sa *child = NULL;
	uint8_t first_icookie[8];
	uint32_t first_spi;
	struct net n;

	rekey_conf(wconf, sizeof(wconf), "\tikelifetime=10s\n\tlifetime=8s\n\trekey=no\n");
	rekey_conf(econf, sizeof(econf), "\tikelifetime=10s\n\tlifetime=8s\n");
	net_start_confs(&n, wconf, econf, "responder", "responder");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 200);
	assert_one_pair(&n, &first, &child);
	memcpy(first_icookie, first->icookie, 8);
	first_spi = child->spi_in;
	assert_false(timer_armed(&first->rk.timer)); /* west's: rekey=no */
	net_run_ms(&n, 9500);
	assert_one_pair(&n, &sa, &child);
	assert_memory_not_equal(sa->icookie, first_icookie, 8);
	assert_false(sa->initiator); /* east made it */
	assert_true(child->spi_in != first_spi);
	assert_false(child->initiator);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rekeys_happen),	 cmocka_unit_test(test_ike_collision),
		cmocka_unit_test(test_child_collision),	 cmocka_unit_test(test_rekey_no),
		cmocka_unit_test(test_responder_rekeys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
