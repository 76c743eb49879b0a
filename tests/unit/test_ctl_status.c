/* oakleyctl status made a batch at a time (ctl/stream.c): the batches add
 * up to the one-shot listing, SAs freed or added between batches are never
 * read after they are freed nor shown twice, the list's order does not
 * matter; and the status arguments and --summary format. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "ctl/ctl.h"
#include "ctl_fixture.h"
#include "ike/summary.h"
#include "util/hash.h"
#include "wire/alg.h"

/* The batches, each appended to out; how many there were. */
static unsigned listing(struct ike_daemon *d, const struct status_req *req, struct buf *out)
{
	struct status_cursor cur;
	unsigned batches = 0;

	status_start(&cur, req);
	while (status_next(d, &cur, out))
		batches++;
	return batches;
}

static void test_batches_add_up(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {0};
	struct buf whole, parts;
	unsigned i, batches;

	for (i = 1; i <= 1000; i++)
		add_pair(&f->d, i, false);
	buf_init(&whole);
	buf_init(&parts);
	status_text(&f->d, &whole);
	batches = listing(&f->d, &req, &parts);
	assert_true(batches >= 2 * 1000 / STATUS_BATCH);
	assert_int_equal(whole.len, parts.len);
	assert_memory_equal(whole.data, parts.data, whole.len);
	assert_int_equal(count(&whole, "ESP tunnel"), 1000);
	assert_int_equal(count(&whole, ": negotiating, initiator"), 0);
	assert_int_equal(count(&whole, ": negotiating, responder"), 1000);
	/* Newest first: c1000's ISAKMP SA is the first one shown. */
	assert_non_null(strstr((const char *)whole.data, "ISAKMP SAs:\n  #1999 c1000: "));
	buf_free(&whole);
	buf_free(&parts);
}

/* Batches by hand, freeing and adding SAs in between, as the daemon may. */
static void test_sas_change_between_batches(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {.json = true};
	struct status_cursor cur;
	struct ike_sa *sa, *next;
	struct buf out;
	unsigned i, batches = 0;
	char key[32];

	for (i = 1; i <= 600; i++)
		add_pair(&f->d, i, false);
	buf_init(&out);
	status_start(&cur, &req);
	while (status_next(&f->d, &cur, &out)) {
		if (++batches == 3) {
			/* Mid-way through the ISAKMP SAs: free every other one
			 * (shown and not yet shown) and add newer ones. */
			assert_int_equal(cur.part, STATUS_SAS);
			for (sa = f->d.sas; sa; sa = next) {
				next = sa->next;
				if (sa->serial % 4 == 1)
					free_sa(&f->d, sa);
			}
			for (i = 601; i <= 650; i++)
				add_pair(&f->d, i, false);
		}
	}
	buf_put_u8(&out, 0);
	/* Each serial at most once; the ones freed before their turn absent;
	 * the ones added after the cursor passed them not shown. */
	for (i = 1; i <= 1300; i += 2) {
		snprintf(key, sizeof(key), "{\"serial\":%u,", i);
		assert_true(count(&out, key) <= 1);
	}
	snprintf(key, sizeof(key), "{\"serial\":%u,", 1); /* freed before its turn */
	assert_int_equal(count(&out, key), 0);
	snprintf(key, sizeof(key), "{\"serial\":%u,", 1201); /* added after */
	assert_int_equal(count(&out, key), 0);
	assert_int_equal(count(&out, ",]"), 0);
	assert_int_equal(count(&out, "[,"), 0);
	assert_int_equal(count(&out, ",,"), 0);
	/* The IPsec SAs were not touched until their part: all 650 shown. */
	assert_int_equal(count(&out, "\"mode\":\"tunnel\""), 650);
	buf_free(&out);
}

/* The batch after a mark that was freed, and after an SA put out of order
 * behind the mark: the listing goes on from the right place. */
static void test_mark_gone_or_order_broken(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {0};
	struct status_cursor cur;
	struct ike_sa *sa, *odd;
	struct buf out;
	unsigned batches = 0, i;
	char key[32];

	for (i = 1; i <= 1000; i++)
		add_pair(&f->d, i, false);
	buf_init(&out);
	status_start(&cur, &req);
	while (status_next(&f->d, &cur, &out)) {
		batches++;
		if (cur.part != STATUS_SAS || !cur.shown)
			continue;
		/* After the break, the lists are walked from their heads. */
		assert_true(cur.newest_first == (batches < 5));
		if (batches == 3) { /* the mark goes */
			for (sa = f->d.sas; sa->serial != cur.below; sa = sa->next)
				;
			free_sa(&f->d, sa);
		} else if (batches == 4) { /* an SA out of order right after the mark */
			assert_int_equal(cur.shown, 256);
			for (sa = f->d.sas; sa->serial != cur.below; sa = sa->next)
				;
			odd = calloc(1, sizeof(*odd));
			assert_non_null(odd);
			*odd = *sa;
			odd->conn = calloc(1, sizeof(*odd->conn)); /* free_sa frees its own */
			assert_non_null(odd->conn);
			odd->hashed = false;
			odd->serial = 5000;
			odd->prev = sa;
			odd->next = sa->next;
			if (sa->next)
				sa->next->prev = odd;
			sa->next = odd;
		}
	}
	/* Every ISAKMP SA once (the mark was shown before it went). */
	assert_int_equal(count(&out, ": negotiating, responder"), 1000);
	for (i = 1; i < 2000; i += 2) {
		snprintf(key, sizeof(key), "  #%u c%u: ", i, (i + 1) / 2);
		assert_true(count(&out, key) <= 1);
	}
	assert_int_equal(count(&out, "  #5000 "), 0);
	assert_int_equal(count(&out, "ESP tunnel"), 1000);
	buf_free(&out);
}

/* ike/ may keep its lists in another order: the listing does not change. */
static void test_order_of_lists(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {.json = true};
	struct ike_daemon other = {0};
	struct conf conf = {0};
	struct buf a, b;
	unsigned i;

	other.conf = &conf; /* no hash tables: every batch walks the lists */
	for (i = 1; i <= 300; i++) {
		add_pair(&f->d, i, false);
		add_pair(&other, i, true);
	}
	buf_init(&a);
	buf_init(&b);
	listing(&f->d, &req, &a);
	listing(&other, &req, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	while (other.sas)
		free_sa(&other, other.sas);
	while (other.children)
		free_child(&other, other.children);
	buf_free(&a);
	buf_free(&b);
}

static void test_one_connection(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {.name = "c17"};
	struct buf out;
	unsigned i;

	for (i = 1; i <= 400; i++)
		add_pair(&f->d, i, false);
	add_pair(&f->d, 17, false); /* a second pair, rekeyed */
	buf_init(&out);
	listing(&f->d, &req, &out);
	assert_int_equal(count(&out, "ESP tunnel"), 2);
	assert_int_equal(count(&out, " c17: "), 4);
	assert_int_equal(count(&out, "  #"), 4);
	assert_int_equal(count(&out, "half-open"), 0);
	assert_true(status_name_known(&f->d, "c17"));
	assert_false(status_name_known(&f->d, "c401"));
	buf_free(&out);
}

static void test_req_parse(void **state)
{
	struct status_req req;
	char why[256];

	assert_int_equal(status_req_parse(NULL, &req, why, sizeof(why)), 0);
	assert_false(req.json || req.summary || req.name[0]);
	assert_int_equal(status_req_parse("--json", &req, why, sizeof(why)), 0);
	assert_true(req.json);
	assert_int_equal(status_req_parse("site --json", &req, why, sizeof(why)), 0);
	assert_true(req.json);
	assert_string_equal(req.name, "site");
	assert_int_equal(status_req_parse("--summary --json", &req, why, sizeof(why)), 0);
	assert_true(req.summary && req.json);
	assert_int_equal(status_req_parse("--summary site", &req, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "takes no NAME"));
	assert_int_equal(status_req_parse("a b", &req, why, sizeof(why)), -EINVAL);
	assert_int_equal(status_req_parse("--all", &req, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown option '--all'"));
}

static void test_summary(void **state)
{
	struct fixture *f = *state;
	struct ike_summary s;
	struct buf out;
	unsigned i;

	for (i = 1; i <= 5; i++)
		add_pair(&f->d, i, false);
	f->d.sas->state = IKE_SA_ESTABLISHED;
	f->d.children->installed = true;
	f->conf.nconns = 7;
	f->d.halfopen = 3;
	ike_summary(&f->d, &s);
	assert_int_equal(s.ike_established, 1);
	assert_int_equal(s.ike_negotiating, 4);
	assert_int_equal(s.ipsec_sas, 5);
	assert_int_equal(s.ipsec_installed, 1);
	buf_init(&out);
	status_summary(&s, false, &out);
	buf_put_u8(&out, 0);
	assert_string_equal((const char *)out.data, "connections: 7\n"
						    "isakmp_sas_negotiating: 4\n"
						    "isakmp_sas_established: 1\n"
						    "isakmp_sas_failed: 0\n"
						    "ipsec_sas: 5\n"
						    "ipsec_sas_installed: 1\n"
						    "quick_modes_negotiating: 0\n"
						    "half_open: 3\n"
						    "last_failures: 0\n"
						    "dropped_halfopen_limits: 0\n"
						    "dropped_malformed_first: 0\n"
						    "dropped_undecryptable: 0\n"
						    "dropped_aggressive_rate: 0\n");
	buf_reset(&out);
	status_summary(&s, true, &out);
	buf_put_u8(&out, 0);
	assert_non_null(strstr((const char *)out.data,
			       "{\"ok\":true,\"connections\":7,\"isakmp_sas_negotiating\":4,"));
	assert_non_null(strstr((const char *)out.data, ",\"dropped_aggressive_rate\":0}\n"));
	buf_free(&out);
}

/* IPsec SAs made under one ISAKMP SA all show its serial (#N); the listing
 * still shows each once, batch boundaries falling inside such a group. */
static void test_children_sharing_a_serial(void **state)
{
	struct fixture *f = *state;
	struct child_sa *c;
	struct buf whole;
	unsigned i;

	for (i = 1; i <= 300; i++)
		add_pair(&f->d, i, false);
	for (c = f->d.children; c; c = c->next)
		c->serial = 1; /* as child_install gives them their ISAKMP SA's */
	buf_init(&whole);
	status_text(&f->d, &whole);
	assert_int_equal(count(&whole, "ESP tunnel"), 300);
	buf_free(&whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_children_sharing_a_serial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches_add_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sas_change_between_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_gone_or_order_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_of_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_connection, setup, teardown),
		cmocka_unit_test(test_req_parse),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
