/* The exchange types as data (ike/dispatch.h): what the dispatcher and
 * the job completion assume of every table. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "ike/dispatch.h"
#include "ike/phase1.h"
#include "ike/quick.h"

static const struct exchange_type *const all_types[] = {
	&main_mode_type,
	&aggressive_mode_type,
	&quick_mode_type,
	&informational_type,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static unsigned nrows(const struct exchange_type *t)
{
	unsigned n = 0;

	while (exchange_row(t->steps, n))
		n++;
	return n;
}

static void test_type_for(void **state)
{
	unsigned i;

	for (i = 0; i < NTYPES; i++)
		assert_ptr_equal(exchange_type_for(all_types[i]->xchg), all_types[i]);
	assert_int_equal(all_types[0]->xchg, ISAKMP_XCHG_ID_PROT);
	assert_int_equal(all_types[1]->xchg, ISAKMP_XCHG_AGGRESSIVE);
	assert_int_equal(all_types[2]->xchg, ISAKMP_XCHG_QUICK);
	assert_int_equal(all_types[3]->xchg, ISAKMP_XCHG_INFO);
	/* Base and Authentication Only are not supported: dropped. */
	assert_null(exchange_type_for(ISAKMP_XCHG_BASE));
	assert_null(exchange_type_for(ISAKMP_XCHG_AUTH_ONLY));
	assert_null(exchange_type_for(ISAKMP_XCHG_NONE));
}

/* The dispatcher moves a side from row i to row i + 2: the rows must
 * alternate between the roles, the responder receiving the first. */
static void test_rows_alternate(void **state)
{
	unsigned i, k;

	assert_int_equal(nrows(&main_mode_type), 6);
	assert_int_equal(nrows(&aggressive_mode_type), 3);
	assert_int_equal(nrows(&quick_mode_type), 3);
	assert_int_equal(nrows(&informational_type), 1);
	for (i = 0; i < NTYPES; i++)
		for (k = 0; k < nrows(all_types[i]); k++)
			assert_int_equal(all_types[i]->steps[k].initiator, k % 2 == 1);
	assert_null(exchange_row(main_mode_steps, 6));
	assert_null(exchange_row(main_mode_steps, 7));
}

/* A resume follows a job its row's handler started: no handler, no
 * resume.  What a row sends, the other role receives in the next row
 * (so the last row sends nothing). */
static void test_rows_resume_and_send(void **state)
{
	unsigned i, k, n;

	for (i = 0; i < NTYPES; i++) {
		const struct exchange_type *t = all_types[i];

		n = nrows(t);
		for (k = 0; k < n; k++) {
			const struct step *s = &t->steps[k];

			if (s->resume)
				assert_non_null(s->fn);
			if (!s->sends)
				continue;
			/* The dispatcher sends it, through the type. */
			assert_non_null(t->send);
			assert_non_null(t->going_on);
			assert_non_null(s->sends->name);
			assert_true(k + 1 < n);
			assert_non_null(s->sends->add[0]);
			/* The last message answers nothing: never retransmitted. */
			if (k + 2 >= n)
				assert_false(s->sends->retransmit);
		}
		if (t->sends_first)
			assert_true(t->sends_first->add[0] && t->sends_first->retransmit &&
				    t->sends_first->name);
		/* A type with an exchange of its own ends it when a side's
		 * last row is through. */
		assert_true(!t->exchange == !t->done);
	}
	/* The initiator's first message: the phase-1 SA offer, and QM1. */
	assert_non_null(main_mode_type.sends_first);
	assert_non_null(aggressive_mode_type.sends_first);
	assert_non_null(quick_mode_type.sends_first);
	assert_non_null(aggressive_mode_type.start);
	assert_non_null(quick_mode_type.start);
	assert_null(main_mode_type.start);
	/* Every message past the first is encrypted in Quick Mode and from
	 * MM5 on in Main Mode. */
	assert_true(main_mode_steps[3].sends->encrypted && main_mode_steps[4].sends->encrypted);
	assert_false(main_mode_steps[1].sends->encrypted || main_mode_steps[2].sends->encrypted);
	for (k = 0; k + 1 < nrows(&quick_mode_type); k++)
		assert_true(quick_mode_steps[k].sends->encrypted);
	/* MM2 goes out from the half-open state, not through MM1's row
	 * (whose handler never runs), and answers copies of MM1 only. */
	assert_null(main_mode_steps[0].sends);
	assert_null(main_mode_steps[0].fn);
	assert_non_null(send_mm2.name);
	assert_non_null(send_mm2.add[0]);
	assert_false(send_mm2.retransmit || send_mm2.encrypted);
}

/* A toy exchange type, to watch what the dispatcher does after a row's
 * handler: two rows for the responder (0 and 2) and one for the
 * initiator (1); the hooks record what they were asked. */
static struct toy {
	struct exchange x;
	bool negotiating, start_job;
	int send_err;
	unsigned sent, done, failed;
	const struct send_spec *last_sent, *unsent;
} toy;

static int toy_add(void *state, struct wire_builder *w)
{
	return 0;
}

static const struct send_spec toy_answer = {.name = "toy answer", .add = {toy_add}};

static struct step_result toy_fn(void *state, struct ike_msg *m)
{
	toy.x.dhj.job.pending = toy.start_job; /* as a DH job would */
	return STEP_GO_ON;
}

static const struct step toy_steps[] = {
	{false, 0, ~0u, STEP_EITHER, "T1", toy_fn, NULL, &toy_answer},
	{true, 0, ~0u, STEP_EITHER, "T2", toy_fn, NULL, &toy_answer},
	{false, 0, ~0u, STEP_EITHER, "T3", toy_fn, NULL, NULL},
	{0},
};

static bool toy_true(struct dispatch *dp, struct ike_msg *m)
{
	return true;
}

static struct exchange *toy_exchange(const struct dispatch *dp)
{
	return &toy.x;
}

static bool toy_row(struct dispatch *dp, struct ike_msg *m)
{
	dp->s = exchange_row(toy_steps, toy.x.step);
	return dp->s != NULL;
}

static void *toy_state(const struct dispatch *dp)
{
	return &toy;
}

static bool toy_going_on(const struct dispatch *dp)
{
	return toy.negotiating;
}

static int toy_send(void *state, const struct send_spec *spec)
{
	toy.sent++;
	toy.last_sent = spec;
	return toy.send_err;
}

static void toy_done(void *state)
{
	toy.done++;
}

static void toy_failed(struct dispatch *dp, const struct ike_msg *m, struct step_result r)
{
	toy.failed++;
	toy.unsent = dp->unsent;
}

static const struct exchange_type toy_type = {
	.steps = toy_steps,
	.find = toy_true,
	.exchange = toy_exchange,
	.row = toy_row,
	.open = toy_true,
	.state = toy_state,
	.going_on = toy_going_on,
	.send = toy_send,
	.done = toy_done,
	.failed = toy_failed,
};

/* Row `step` receives a message; what the dispatcher does after it. */
static void toy_receive(unsigned step, bool job, bool negotiating, int send_err)
{
	static struct ike_daemon d; /* no capture: tap_received does nothing */
	uint8_t raw[ISAKMP_HDR_LEN] = {0};
	struct ike_msg m = {.raw = raw, .len = sizeof(raw)};

	memset(&toy, 0, sizeof(toy));
	toy.x.step = step;
	toy.start_job = job;
	toy.negotiating = negotiating;
	toy.send_err = send_err;
	dispatch(&d, &toy_type, NULL, &m);
}

static void test_dispatcher_sends_the_answer(void **state)
{
	/* The handler said go on, no job: the row's answer goes out once;
	 * rows are left for this side, so it is not done. */
	toy_receive(0, false, true, 0);
	assert_int_equal(toy.x.step, 2);
	assert_int_equal(toy.sent, 1);
	assert_ptr_equal(toy.last_sent, &toy_answer);
	assert_int_equal(toy.done + toy.failed, 0);
	/* A job pending: its resume goes on later, nothing is sent now. */
	toy_receive(0, true, true, 0);
	assert_int_equal(toy.sent + toy.done + toy.failed, 0);
	/* The handler failed the state (and said so) yet said go on. */
	toy_receive(0, false, false, 0);
	assert_int_equal(toy.sent + toy.done + toy.failed, 0);
	/* The initiator's last row: its answer, then done. */
	toy_receive(1, false, true, 0);
	assert_int_equal(toy.sent, 1);
	assert_int_equal(toy.done, 1);
	/* The responder's last row answers nothing: done. */
	toy_receive(2, false, true, 0);
	assert_int_equal(toy.sent, 0);
	assert_int_equal(toy.done, 1);
	/* The answer could not be sent: failed, told which, not done. */
	toy_receive(1, false, true, -ENOMEM);
	assert_int_equal(toy.failed, 1);
	assert_ptr_equal(toy.unsent, &toy_answer);
	assert_int_equal(toy.done, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_for),
		cmocka_unit_test(test_rows_alternate),
		cmocka_unit_test(test_rows_resume_and_send),
		cmocka_unit_test(test_dispatcher_sends_the_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
