/* One ISAKMP SA carrying many Quick Modes, through two in-process
 * engines (exchange_fixture.h): more than the message-ID set once
 * remembered (MSGID_MAX was 4096 and refused the next), with a replayed
 * QM1 still refused at the end. */
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
#include "util/log.h"

/* Each Quick Mode of the same connection replaces the one before (make
 * before break, rekey.h): with the two Deletes that retire it, three
 * message IDs per Quick Mode, all under MSGID_MAX (16384) yet more than
 * the 4096 once remembered. */
#define SEQUENTIAL 5000

/* A copy of the last message queued (west's QM1 just sent; before it
 * may wait the QM3 that answered `up`). */
static struct pkt *copy_queued(const struct net *n)
{
	const struct pkt *p = n->head;
	struct pkt *c;

	assert_non_null(p);
	while (p->next)
		p = p->next;
	assert_int_equal(p->to, EAST);
	c = malloc(sizeof(*c) + p->len);
	assert_non_null(c);
	memcpy(c, p, sizeof(*c) + p->len);
	c->next = NULL;
	return c;
}

/* 5,000 Quick Modes one after another under one ISAKMP SA all come up;
 * then the first one's QM1, replayed, is refused as a replay. */
static void test_ten_thousand_quick_modes(void **state)
{
	struct ike_sa *sa, *east_sa;
	enum log_level was = log_max_level();
	struct pkt *qm1 = NULL;
	unsigned i, replays;
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	sa = n.d[WEST]->sas;
	east_sa = n.d[EAST]->sas;
	assert_non_null(sa);
	assert_non_null(east_sa);
	log_setup(true, LOG_LVL_WARN); /* 20,000 lines otherwise */
	for (i = 0; i < SEQUENTIAL; i++) {
		n.done = false;
		timer_arm(n.loop, &n.guard, 20000);
		quick_initiate(sa, sa->conn, up_done, &n);
		if (!qm1)
			qm1 = copy_queued(&n);
		if (!n.done)
			loop_run(n.loop);
		timer_cancel(n.loop, &n.guard);
		assert_false(n.timed_out);
		if (!n.ok)
			fail_msg("Quick Mode %u of one ISAKMP SA failed: %s", i + 1, n.why);
	}
	net_run_ms(&n, 50);
	replays = east_sa->replays;
	*n.tail = qm1;
	n.tail = &qm1->next;
	timer_arm(n.loop, &n.deliver, 0);
	net_run_ms(&n, 50);
	assert_int_equal(east_sa->replays, replays + 1);
	assert_ptr_equal(n.d[WEST]->sas, sa);
	assert_true(sa->msgids.n <= MSGID_MAX);
	net_stop(&n);
	log_setup(true, was);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_thousand_quick_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
