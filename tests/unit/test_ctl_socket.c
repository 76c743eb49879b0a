/* The control socket itself (ctl/ctl.c), in one process: a listing far
 * larger than the socket's buffer arrives whole to a client that does not
 * read it at first, while another client is answered meanwhile; a client
 * that hangs up half-way costs nothing; an unknown connection is an ERR, and
 * so is a word a command does not take. */
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_fixture.h"
#include "ctl/version.h"
#include "ike/summary.h"
#include "util/loop.h"

struct client {
	struct loop *loop;
	int fd;
	struct buf got;
	bool eof;
	size_t hang_up_after; /* close after this many bytes; 0: read to the end */
	struct client *then;  /* starts reading when this one is done */
};

struct sock_fixture {
	struct fixture f;
	struct loop *loop;
	struct ctl *ctl;
	char dir[64], path[96];
	bool timed_out;
	struct timer guard;
};

static void guard_fired(void *arg)
{
	struct sock_fixture *s = arg;

	s->timed_out = true;
	loop_stop(s->loop);
}

static int sock_setup(void **state)
{
	struct sock_fixture *s = calloc(1, sizeof(*s));
	struct ctl_hooks hooks = {0};
	void *inner;
	unsigned i;

	assert_non_null(s);
	setup(&inner);
	s->f = *(struct fixture *)inner;
	free(inner);
	s->f.d.conf = &s->f.conf;
	assert_int_equal(loop_new(&s->loop), 0);
	s->f.d.loop = s->loop;
	snprintf(s->dir, sizeof(s->dir), "/tmp/test_ctl.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/ctl.sock", s->dir);
	assert_int_equal(ctl_open(s->loop, &s->f.d, s->path, &hooks, &s->ctl), 0);
	for (i = 1; i <= 3000; i++)
		add_pair(&s->f.d, i, false);
	timer_init(&s->guard, guard_fired, s);
	assert_int_equal(timer_arm(s->loop, &s->guard, 20000), 0);
	*state = s;
	return 0;
}

static int sock_teardown(void **state)
{
	struct sock_fixture *s = *state;
	void *inner = malloc(sizeof(struct fixture));

	ctl_close(s->ctl); /* frees the clients still there */
	timer_cancel(s->loop, &s->guard);
	loop_free(s->loop);
	rmdir(s->dir);
	assert_non_null(inner);
	memcpy(inner, &s->f, sizeof(s->f));
	free(s);
	return teardown(&inner);
}

static void client_input(int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	char b[4096];
	ssize_t n = read(fd, b, sizeof(b));

	if (n > 0) {
		buf_append(&c->got, b, (size_t)n);
		if (!c->hang_up_after || c->got.len < c->hang_up_after)
			return;
	} else if (n < 0 && errno == EAGAIN) {
		return;
	}
	c->eof = true;
	loop_del_fd(c->loop, fd);
	if (c->then)
		assert_int_equal(loop_add_fd(c->loop, c->then->fd, EPOLLIN, client_input, c->then),
				 0);
	else
		loop_stop(c->loop);
}

static void client_ask(struct sock_fixture *s, struct client *c, const char *cmd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	c->loop = s->loop;
	buf_init(&c->got);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(write(c->fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
}

static void client_done(struct client *c)
{
	close(c->fd);
	buf_free(&c->got);
}

static void expect_reply(struct client *c, const char *head, const struct buf *body)
{
	size_t hl = strlen(head);

	assert_true(c->eof);
	assert_int_equal(c->got.len, hl + body->len);
	assert_memory_equal(c->got.data, head, hl);
	assert_memory_equal(c->got.data + hl, body->data, body->len);
}

static void test_stalled_client(void **state)
{
	struct sock_fixture *s = *state;
	struct client stalled = {0}, other = {0};
	struct ike_summary sum;
	struct buf want, want_sum;

	/* The stalled client reads only once the other is answered. */
	client_ask(s, &stalled, "status\n");
	client_ask(s, &other, "status --summary\n");
	other.then = &stalled;
	assert_int_equal(loop_add_fd(s->loop, other.fd, EPOLLIN, client_input, &other), 0);
	assert_int_equal(loop_run(s->loop), 0);
	assert_false(s->timed_out);

	buf_init(&want);
	buf_init(&want_sum);
	status_text(&s->f.d, &want);
	ike_summary(&s->f.d, &sum);
	status_summary(&sum, false, &want_sum);
	/* Far more than a Unix socket holds (208 KB by default): the daemon
	 * had to wait for room. */
	assert_true(want.len > 600 * 1000);
	expect_reply(&other, "OK\n", &want_sum);
	expect_reply(&stalled, "OK\n", &want);
	buf_free(&want);
	buf_free(&want_sum);
	client_done(&stalled);
	client_done(&other);
}

static void test_hang_up_half_way(void **state)
{
	struct sock_fixture *s = *state;
	struct client quitter = {0}, next = {0};
	struct buf want;

	client_ask(s, &quitter, "status --json\n");
	quitter.hang_up_after = 8192;
	assert_int_equal(loop_add_fd(s->loop, quitter.fd, EPOLLIN, client_input, &quitter), 0);
	assert_int_equal(loop_run(s->loop), 0);
	close(quitter.fd);
	quitter.fd = -1;
	/* The daemon finds it gone at its next write, and goes on serving. */
	client_ask(s, &next, "status --json\n");
	assert_int_equal(loop_add_fd(s->loop, next.fd, EPOLLIN, client_input, &next), 0);
	assert_int_equal(loop_run(s->loop), 0);
	assert_false(s->timed_out);
	buf_init(&want);
	status_json(&s->f.d, &want);
	expect_reply(&next, "OK\n", &want);
	buf_free(&want);
	buf_free(&quitter.got);
	client_done(&next);
}

static void test_unknown_connection(void **state)
{
	struct sock_fixture *s = *state;
	struct client c = {0}, one = {0};
	struct buf want;

	client_ask(s, &c, "status nosuch\n");
	client_ask(s, &one, "status c5\n");
	c.then = &one;
	assert_int_equal(loop_add_fd(s->loop, c.fd, EPOLLIN, client_input, &c), 0);
	assert_int_equal(loop_run(s->loop), 0);
	assert_false(s->timed_out);
	buf_init(&want);
	buf_append(&want, "no connection named 'nosuch'\n", 29);
	expect_reply(&c, "ERR\n", &want);
	buf_free(&want);
	buf_put_u8(&one.got, 0);
	assert_non_null(strstr((const char *)one.got.data,
			       "OK\nConnections:\n  none\nISAKMP SAs:\n  #9 c5: "));
	assert_int_equal(count(&one.got, "ESP tunnel"), 1);
	client_done(&c);
	client_done(&one);
}

/* Each asks, the next reads when the one before is done. */
static void ask_in_turn(struct sock_fixture *s, struct client *c, const char *const *cmds,
			unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		client_ask(s, &c[i], cmds[i]);
		if (i)
			c[i - 1].then = &c[i];
	}
	assert_int_equal(loop_add_fd(s->loop, c[0].fd, EPOLLIN, client_input, &c[0]), 0);
	assert_int_equal(loop_run(s->loop), 0);
	assert_false(s->timed_out);
}

/* oakleyd takes nothing a command does not take (an old oakleyctl, or a
 * script on the socket); list and version answer. */
static void test_strict_commands(void **state)
{
	static const char *const cmds[] = {
		"reload now\n", "up a b\n",	 "down a b\n",	     "certs x\n",
		"list c1\n",	"version 2\n",	 "frobnicate\n",     "version\n",
		"list\n",	"list --json\n", "version --json\n",
	};
	static const char *const want[] = {
		"ERR\nusage: reload\n",
		"ERR\nusage: up NAME\n",
		"ERR\nusage: down NAME\n",
		"ERR\nusage: certs [--json]\n",
		"ERR\nusage: list [--json]\n",
		"ERR\nusage: version [--json]\n",
		"ERR\nunknown command (try: up, down, status, list, certs, reload, capture, "
		"version)\n",
		"OK\n" OAKLEY_VERSION "\n",
		"OK\n",
		"OK\n{\"ok\":true,\"connections\":[]}\n",
		"OK\n{\"ok\":true,\"version\":\"" OAKLEY_VERSION "\"}\n",
	};
	struct sock_fixture *s = *state;
	struct client c[11] = {0};
	unsigned i;

	ask_in_turn(s, c, cmds, 11);
	for (i = 0; i < 11; i++) {
		buf_put_u8(&c[i].got, 0);
		print_message("%s", (const char *)c[i].got.data);
		assert_string_equal((const char *)c[i].got.data, want[i]);
		client_done(&c[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stalled_client, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_hang_up_half_way, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_connection, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_strict_commands, sock_setup, sock_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
