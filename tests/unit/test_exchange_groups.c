/* Lookups that replaced list walks on every new ISAKMP SA and every
 * removed IPsec SA (by_conn.c): established ISAKMP SAs grouped by peer
 * address (INITIAL-CONTACT goes out only without another one), IPsec
 * SAs grouped by their selector pair (a successor with the same
 * selectors keeps the kernel's policies).  Two in-process engines
 * (exchange_fixture.h). */
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
#include "ike/main_mode.h"

#define CONF_LEN 4096

static void start_two(struct net *n)
{
	char conf[CONF_LEN];

	net_conf_many(conf, sizeof(conf), "", 1);
	net_start_confs(n, conf, conf, "same secret", "same secret");
}

/* A second Main Mode of t0 (ike_up would reuse the first SA). */
static void second_main_mode(struct net *n)
{
	n->done = false;
	timer_arm(n->loop, &n->guard, 20000);
	assert_int_equal(main_mode_initiate(n->d[WEST], conf_conn(n->conf[WEST], "t0"), up_done, n),
			 0);
	if (!n->done)
		loop_run(n->loop);
	timer_cancel(n->loop, &n->guard);
	assert_true(n->done);
	assert_true(n->ok);
}

static void test_peer_has_other_sa(void **state)
{
	struct ike_sa *first, *second;
	struct net n;
	int side;

	start_two(&n);
	net_up_at(&n, WEST, "t0");
	assert_true(n.ok);
	for (side = 0; side < 2; side++)
		assert_false(ike_sa_peer_has_other(n.d[side]->sas));
	first = n.d[WEST]->sas;
	second_main_mode(&n);
	net_run_ms(&n, 50);
	second = n.d[WEST]->sas == first ? first->next : n.d[WEST]->sas;
	assert_non_null(second);
	assert_ptr_not_equal(second, first);
	assert_true(ike_sa_peer_has_other(first));
	assert_true(ike_sa_peer_has_other(second));
	assert_true(ike_sa_peer_has_other(n.d[EAST]->sas));
	/* a dead one does not count; a freed one is gone */
	ike_sa_fail(second, "test: failed");
	assert_false(ike_sa_peer_has_other(first));
	ike_sa_free(second);
	assert_false(ike_sa_peer_has_other(first));
	net_stop(&n);
}

static struct child_sa *child_named(struct ike_daemon *d, const char *name, struct child_sa * not )
{
	struct child_sa *c;

	for (c = d->children; c; c = c->next)
		if (c != not &&!strcmp(c->conn_name, name))
			return c;
	fail_msg("no IPsec SA of %s", name);
	return NULL;
}

static void test_children_by_selectors(void **state)
{
	struct child_sa *a, *b, *t1;
	struct ike_sa *sa;
	struct net n;

	start_two(&n);
	net_up_at(&n, WEST, "t0");
	net_up_at(&n, WEST, "t1");
	assert_true(n.ok);
	sa = n.d[WEST]->sas;
	/* t0's successor (a rekey): the same selectors */
	n.done = false;
	quick_initiate(sa, conf_conn(n.conf[WEST], "t0"), up_done, &n);
	timer_arm(n.loop, &n.guard, 20000);
	if (!n.done)
		loop_run(n.loop);
	timer_cancel(n.loop, &n.guard);
	assert_true(n.ok);
	a = child_named(n.d[WEST], "t0", NULL);
	b = child_named(n.d[WEST], "t0", a);
	t1 = child_named(n.d[WEST], "t1", NULL);
	assert_ptr_equal(child_next_same_ts(a, NULL), b);
	assert_null(child_next_same_ts(a, b));
	assert_ptr_equal(child_next_same_ts(b, NULL), a);
	assert_null(child_next_same_ts(t1, NULL));
	/* the older one removed: the successor stands alone */
	child_remove(a, false);
	assert_null(child_next_same_ts(b, NULL));
	assert_null(child_next_same_ts(t1, NULL));
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_has_other_sa),
		cmocka_unit_test(test_children_by_selectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
