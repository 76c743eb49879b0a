/* oakleyctl list (the configured connections only, one line each, or one
 * JSON object), the "ok" member of every JSON answer, and an IPsec SA's
 * lifetime: "no volume limit" rather than nothing or "0 KB". */
#include <arpa/inet.h>

#include "ctl/status.h"
#include "ctl_fixture.h"
#include "ike/summary.h"

#define assert_prefix(b, p) assert_memory_equal((b)->data, p, strlen(p))

static void add_conns(struct fixture *f)
{
	static const char *const names[] = {"site", "road", "g/1x1"};
	unsigned i;

	f->conf.conns = calloc(3, sizeof(*f->conf.conns));
	assert_non_null(f->conf.conns);
	f->conf.nconns = 3;
	for (i = 0; i < 3; i++) {
		struct conn *c = &f->conf.conns[i];

		snprintf(c->name, sizeof(c->name), "%s", names[i]);
		c->local.addr.family = AF_INET;
		inet_pton(AF_INET, "192.0.2.1", &c->local.addr.a);
		c->mode = i == 1 ? MODE_TRANSPORT : MODE_TUNNEL;
		c->auto_ = i == 1 ? AUTO_START : AUTO_ADD;
	}
}

static char *listing(struct ike_daemon *d, const struct status_req *req, struct buf *out)
{
	struct status_cursor cur;

	buf_init(out);
	status_start(&cur, req);
	while (status_next(d, &cur, out))
		;
	buf_put_u8(out, 0);
	return (char *)out->data;
}

static void test_list_text(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {.list = true};
	struct buf out;
	char *s;

	add_conns(f);
	add_pair(&f->d, 1, false); /* SAs there are not listed */
	s = listing(&f->d, &req, &out);
	print_message("%s", s);
	assert_int_equal(count(&out, "\n"), 3);
	assert_true(!strncmp(s, "site: 192.0.2.1 ", 16));
	assert_non_null(strstr(s, " ... "));
	assert_non_null(strstr(s, ", tunnel, auto=add\nroad: 192.0.2.1 "));
	assert_non_null(strstr(s, ", transport, auto=start\ng/1x1: "));
	assert_int_equal(count(&out, "Connections"), 0);
	assert_int_equal(count(&out, "#"), 0);
	assert_int_equal(count(&out, "SAs"), 0);
	assert_int_equal(count(&out, "none"), 0);
	buf_free(&out);
	free(f->conf.conns);
}

static void test_list_json(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {.list = true, .json = true};
	struct buf out;
	char *s;

	s = listing(&f->d, &req, &out);
	assert_string_equal(s, "{\"ok\":true,\"connections\":[]}\n");
	buf_free(&out);
	add_conns(f);
	add_pair(&f->d, 1, false);
	s = listing(&f->d, &req, &out);
	print_message("%s", s);
	assert_true(!strncmp(s, "{\"ok\":true,\"connections\":[{\"name\":\"site\",", 41));
	assert_non_null(strstr(s, "\"mode\":\"transport\",\"auto\":\"start\""));
	assert_int_equal(count(&out, "\"name\":"), 3);
	assert_int_equal(count(&out, "ike_sas"), 0);
	assert_int_equal(count(&out, "privileges"), 0);
	assert_true(out.len > 5 && !strcmp(s + out.len - 5, "}]}\n"));
	buf_free(&out);
	free(f->conf.conns);
}

/* More connections than a batch: each listed once, in order. */
static void test_list_batches(void **state)
{
	struct fixture *f = *state;
	struct status_req req = {.list = true}, json = {.list = true, .json = true};
	struct buf out;
	unsigned i;
	char *s, want[32];

	f->conf.nconns = 3 * STATUS_BATCH + 7;
	f->conf.conns = calloc(f->conf.nconns, sizeof(*f->conf.conns));
	assert_non_null(f->conf.conns);
	for (i = 0; i < f->conf.nconns; i++)
		snprintf(f->conf.conns[i].name, sizeof(f->conf.conns[i].name), "c%u", i);
	s = listing(&f->d, &req, &out);
	assert_int_equal(count(&out, "\n"), f->conf.nconns);
	for (i = 0; i < f->conf.nconns; i += 37) {
		snprintf(want, sizeof(want), "\nc%u: ", i);
		assert_int_equal(count(&out, i ? want : "c0: "), 1);
	}
	assert_true(!strncmp(s, "c0: ", 4));
	buf_free(&out);
	listing(&f->d, &json, &out);
	assert_int_equal(count(&out, "\"name\":"), f->conf.nconns);
	assert_int_equal(count(&out, "},{"), f->conf.nconns - 1);
	buf_free(&out);
	free(f->conf.conns);
}

/* Every JSON answer of the daemon says ok; the text ones are unchanged. */
static void test_json_ok(void **state)
{
	struct fixture *f = *state;
	struct status_req one = {.json = true, .name = "c1"};
	struct ike_summary sum;
	struct buf out;

	add_pair(&f->d, 1, false);
	buf_init(&out);
	status_json(&f->d, &out);
	assert_prefix(&out, "{\"ok\":true,\"privileges\":");
	buf_free(&out);
	listing(&f->d, &one, &out);
	assert_prefix(&out, "{\"ok\":true,\"connections\":[");
	buf_free(&out);
	buf_init(&out);
	ike_summary(&f->d, &sum);
	status_summary(&sum, true, &out);
	assert_prefix(&out, "{\"ok\":true,\"connections\":0,");
	buf_free(&out);
	buf_init(&out);
	certs_json(&f->d, &out);
	assert_prefix(&out, "{\"ok\":true,\"certificates\":[");
	buf_free(&out);
	buf_init(&out);
	status_text(&f->d, &out);
	assert_int_equal(count(&out, "\"ok\""), 0);
	buf_free(&out);
}

static void test_volume_limit(void **state)
{
	struct fixture *f = *state;
	struct child_sa *c;
	struct buf out;

	add_pair(&f->d, 1, false);
	c = f->d.children;
	c->lifetime_s = 3600;
	buf_init(&out);
	status_child_text(c, &out);
	buf_put_u8(&out, 0);
	print_message("%s", (char *)out.data);
	assert_non_null(strstr((char *)out.data, "lifetime 3600 s, no volume limit (as proposed)"));
	assert_int_equal(count(&out, "KB"), 0);
	buf_reset(&out);
	c->lifebytes = 10240 * 1024;
	status_child_text(c, &out);
	assert_int_equal(count(&out, "lifetime 3600 s or 10240 KB (as proposed)"), 1);
	buf_reset(&out);
	c->lifebytes = 1000; /* under a KB: said in bytes, not "0 KB" */
	status_child_text(c, &out);
	assert_int_equal(count(&out, "lifetime 3600 s or 1000 bytes (as proposed)"), 1);
	assert_int_equal(count(&out, "no volume limit"), 0);
	buf_reset(&out);
	status_child_json(c, &out);
	assert_int_equal(count(&out, "\"lifetime_kb\":0,\"lifetime_bytes\":1000,"), 1);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volume_limit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
