/* Control socket server (a Unix stream socket, root only). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "ctl/status.h"
#include "ctl/version.h"
#include "ike/summary.h"
#include "ike/tap.h"
#include "util/log.h"

#define CTL_LINE_MAX 512
/* A listing is made a batch at a time while less than this waits to be
 * sent: a client holds this plus one batch, whatever the number of SAs. */
#define CTL_OUT_LOW (32 * 1024)
/* A client that sends no command, or makes no room in its socket for its
 * reply, for this long is dropped. */
#define CTL_STALL_MS	30000
#define CTL_CLIENTS_MAX 256

struct ctl_client;

struct ctl {
	struct loop *loop;
	struct ike_daemon *d;
	struct ctl_hooks hooks;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client *clients; /* freed by ctl_close */
	unsigned nclients;
};

struct ctl_client {
	struct ctl_client *next, *prev;
	struct ctl *ctl;
	int fd;
	bool watched; /* registered in the loop */
	char line[CTL_LINE_MAX];
	size_t len;
	struct buf out; /* the reply; out.data[sent..len) is still to send */
	size_t sent;
	bool streaming; /* a status listing with batches still to come */
	struct status_cursor cur;
	struct timer stall;
};

static void client_free(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

	if (cl->watched)
		loop_del_fd(c->loop, cl->fd);
	timer_cancel(c->loop, &cl->stall);
	close(cl->fd);
	buf_free(&cl->out);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		c->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	c->nclients--;
	free(cl);
}

static void client_stalled(void *arg)
{
	struct ctl_client *cl = arg;

	log_info("control client dropped: it %s for %d s",
		 cl->watched && !cl->out.len ? "sent no command" : "read nothing of its reply",
		 CTL_STALL_MS / 1000);
	client_free(cl);
}

static void client_flush(struct ctl_client *cl);

static void client_writable(int fd, uint32_t events, void *arg)
{
	client_flush(arg);
}

static void client_wait_writable(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

	if (!cl->watched) {
		if (loop_add_fd(c->loop, cl->fd, EPOLLOUT, client_writable, cl)) {
			client_free(cl);
			return;
		}
		cl->watched = true;
	}
	if (timer_arm(c->loop, &cl->stall, CTL_STALL_MS))
		client_free(cl);
}

/* Refills the reply from the listing while little of it is left. */
static void client_refill(struct ctl_client *cl)
{
	size_t left = cl->out.len - cl->sent;

	if (cl->sent) {
		memmove(cl->out.data, cl->out.data + cl->sent, left);
		cl->out.len = left;
		cl->sent = 0;
	}
	while (cl->streaming && cl->out.len < CTL_OUT_LOW && !cl->out.failed)
		cl->streaming = status_next(cl->ctl->d, &cl->cur, &cl->out);
}

/* Sends what the socket takes without blocking; the loop calls again when
 * it has room.  The client is freed once its reply is all sent. */
static void client_flush(struct ctl_client *cl)
{
	ssize_t n;

	for (;;) {
		if (cl->streaming && cl->out.len - cl->sent < CTL_OUT_LOW)
			client_refill(cl);
		if (cl->out.failed) {
			log_warn("control client dropped: out of memory for its reply");
			client_free(cl);
			return;
		}
		if (cl->sent == cl->out.len) {
			client_free(cl);
			return;
		}
		n = send(cl->fd, cl->out.data + cl->sent, cl->out.len - cl->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			client_wait_writable(cl);
			return;
		}
		if (n < 0) {
			log_debug("control client went away before its reply: %s", strerror(errno));
			client_free(cl);
			return;
		}
		cl->sent += (size_t)n;
	}
}

static void client_reply(struct ctl_client *cl, bool ok, const char *text, size_t len)
{
	const char *head = ok ? "OK\n" : "ERR\n";

	buf_append(&cl->out, head, strlen(head));
	if (len)
		buf_append(&cl->out, text, len);
	client_flush(cl);
}

static void client_reply_str(struct ctl_client *cl, bool ok, const char *text)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "%s\n", text);

	client_reply(cl, ok, line, n > 0 ? (size_t)n : 0);
}

static void client_up_done(void *arg, bool ok, const char *why)
{
	size_t len = strlen(why);
	char *text;

	/* a group of subnets answers one line per pair: more than a line */
	if (len < 590 || !(text = malloc(len + 2))) {
		client_reply_str(arg, ok, why);
		return;
	}
	memcpy(text, why, len);
	text[len] = '\n';
	client_reply(arg, ok, text, len + 1);
	free(text);
}

static void cmd_status(struct ctl_client *cl, const char *args)
{
	struct ike_daemon *d = cl->ctl->d;
	struct status_req req;
	struct ike_summary sum;
	char why[256];

	if (status_req_parse(args, &req, why, sizeof(why))) {
		client_reply_str(cl, false, why);
		return;
	}
	if (req.name[0] && !status_name_known(d, req.name)) {
		snprintf(why, sizeof(why), "no connection named '%s'", req.name);
		client_reply_str(cl, false, why);
		return;
	}
	buf_append(&cl->out, "OK\n", 3);
	if (req.summary) {
		ike_summary(d, &sum);
		status_summary(&sum, req.json, &cl->out);
	} else {
		status_start(&cl->cur, &req);
		cl->streaming = true;
	}
	client_flush(cl);
}

/* One word (a connection name), nothing else. */
static bool one_word(const char *args)
{
	return args && *args && !strchr(args, ' ');
}

static void cmd_up(struct ctl_client *cl, const char *args)
{
	if (!one_word(args)) {
		client_reply_str(cl, false, "usage: up NAME");
		return;
	}
	/* The reply comes when both phases are up or have failed. */
	ike_up(cl->ctl->d, args, client_up_done, cl);
}

static void cmd_down(struct ctl_client *cl, const char *args)
{
	char why[128];

	if (!one_word(args)) {
		client_reply_str(cl, false, "usage: down NAME");
		return;
	}
	if (ike_down(cl->ctl->d, args) < 0) {
		snprintf(why, sizeof(why), "no connection named '%s'", args);
		client_reply_str(cl, false, why);
		return;
	}
	client_reply_str(cl, true, "down");
}

static void cmd_reload(struct ctl_client *cl, const char *args)
{
	char why[512] = "";

	if (args && *args) {
		client_reply_str(cl, false, "usage: reload");
		return;
	}
	if (!cl->ctl->hooks.reload || cl->ctl->hooks.reload(cl->ctl->hooks.arg, why, sizeof(why)))
		client_reply_str(cl, false, why[0] ? why : "reload failed");
	else
		client_reply_str(cl, true, "configuration reloaded");
}

static void cmd_capture(struct ctl_client *cl, const char *args)
{
	char why[512], ok[600];
	const char *path;

	if (args && !strcmp(args, "off")) {
		ike_capture_off(cl->ctl->d);
		client_reply_str(cl, true, "capture off");
		return;
	}
	if (!args || strncmp(args, "on", 2) || (args[2] && args[2] != ' ')) {
		client_reply_str(cl, false, "usage: capture on [FILE] | capture off");
		return;
	}
	path = args[2] ? args + 3 : IKE_CAPTURE_DEFAULT;
	if (cl->ctl->hooks.capture_on
		    ? cl->ctl->hooks.capture_on(cl->ctl->hooks.arg, path, why, sizeof(why))
		    : ike_capture_on(cl->ctl->d, path, why, sizeof(why))) {
		client_reply_str(cl, false, why);
		return;
	}
	snprintf(ok, sizeof(ok), "capture on: decrypted ISAKMP to %s", path);
	client_reply_str(cl, true, ok);
}

static void cmd_certs(struct ctl_client *cl, const char *args)
{
	bool json = args && !strcmp(args, "--json");

	if (args && *args && !json) {
		client_reply_str(cl, false, "usage: certs [--json]");
		return;
	}
	buf_append(&cl->out, "OK\n", 3);
	(json ? certs_json : certs_text)(cl->ctl->d, &cl->out);
	client_flush(cl);
}

/* The configured connections only: "list [--json]". */
static void cmd_list(struct ctl_client *cl, const char *args)
{
	struct status_req req = {.list = true};

	if (args && *args && strcmp(args, "--json")) {
		client_reply_str(cl, false, "usage: list [--json]");
		return;
	}
	req.json = args && *args;
	buf_append(&cl->out, "OK\n", 3);
	status_start(&cl->cur, &req);
	cl->streaming = true;
	client_flush(cl);
}

static void cmd_version(struct ctl_client *cl, const char *args)
{
	if (args && *args && strcmp(args, "--json")) {
		client_reply_str(cl, false, "usage: version [--json]");
		return;
	}
	client_reply_str(cl, true,
			 args && *args ? "{\"ok\":true,\"version\":\"" OAKLEY_VERSION "\"}"
				       : OAKLEY_VERSION);
}

static const struct {
	const char *name;
	void (*fn)(struct ctl_client *cl, const char *args);
} ctl_commands[] = {
	{"capture", cmd_capture}, {"status", cmd_status},   {"up", cmd_up},
	{"down", cmd_down},	  {"reload", cmd_reload},   {"certs", cmd_certs},
	{"list", cmd_list},	  {"version", cmd_version},
};

static void client_dispatch(struct ctl_client *cl)
{
	char *args = strchr(cl->line, ' ');
	unsigned i;

	if (args)
		*args++ = 0;
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (!strcmp(cl->line, ctl_commands[i].name)) {
			ctl_commands[i].fn(cl, args);
			return;
		}
	client_reply_str(
		cl, false,
		"unknown command (try: up, down, status, list, certs, reload, capture, version)");
}

static void client_input(int fd, uint32_t events, void *arg)
{
	struct ctl_client *cl = arg;
	ssize_t n;
	char *nl;

	n = read(fd, cl->line + cl->len, sizeof(cl->line) - 1 - cl->len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		client_free(cl);
		return;
	}
	cl->len += (size_t)n;
	cl->line[cl->len] = 0;
	nl = strchr(cl->line, '\n');
	if (!nl && cl->len < sizeof(cl->line) - 1)
		return;
	/* One command per connection: stop watching the socket, so a client
	 * that hangs up early cannot free what a pending "up" still holds. */
	loop_del_fd(cl->ctl->loop, fd);
	cl->watched = false;
	if (!nl) {
		client_reply_str(cl, false, "command too long");
		return;
	}
	*nl = 0;
	timer_cancel(cl->ctl->loop, &cl->stall); /* an "up" may take its time */
	client_dispatch(cl);
}

static void ctl_accept(int fd, uint32_t events, void *arg)
{
	struct ctl *c = arg;
	struct ctl_client *cl;
	int cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	cl = c->nclients < CTL_CLIENTS_MAX ? calloc(1, sizeof(*cl)) : NULL;
	if (!cl || loop_add_fd(c->loop, cfd, EPOLLIN, client_input, cl)) {
		if (!cl)
			log_warn("control client refused: %u clients already", c->nclients);
		free(cl);
		close(cfd);
		return;
	}
	cl->ctl = c;
	cl->fd = cfd;
	cl->watched = true;
	buf_init(&cl->out);
	timer_init(&cl->stall, client_stalled, cl);
	cl->next = c->clients;
	if (c->clients)
		c->clients->prev = cl;
	c->clients = cl;
	c->nclients++;
	/* A client that never sends its command does not keep its place. */
	if (timer_arm(c->loop, &cl->stall, CTL_STALL_MS))
		client_free(cl);
}

static int ctl_mkdir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int ctl_open(struct loop *loop, struct ike_daemon *d, const char *path,
	     const struct ctl_hooks *hooks, struct ctl **out)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct ctl *c;
	int err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->d = d;
	c->hooks = *hooks;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	err = ctl_mkdir(path);
	if (err)
		goto fail;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = -errno;
		goto fail;
	}
	/* A socket that answers belongs to a running oakleyd: two daemons
	 * would share UDP 500 and split the peers' packets between them. */
	if (!connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) || errno == EAGAIN) {
		close(c->fd);
		err = -EADDRINUSE;
		goto fail;
	}
	close(c->fd);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = -errno;
		goto fail;
	}
	unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0600) < 0 ||
	    listen(c->fd, 16) < 0) {
		err = -errno;
		close(c->fd);
		goto fail;
	}
	err = loop_add_fd(loop, c->fd, EPOLLIN, ctl_accept, c);
	if (err) {
		close(c->fd);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	free(c);
	return err;
}

void ctl_set_daemon(struct ctl *c, struct ike_daemon *d)
{
	c->d = d;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	/* After the daemon is freed: no "up" is pending any more. */
	while (c->clients)
		client_free(c->clients);
	loop_del_fd(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c);
}
