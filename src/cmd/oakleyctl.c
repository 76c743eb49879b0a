/* oakleyctl: talks to oakleyd over its control socket.  The command line
 * is checked first (ctl/args.c); exit 0 ok, 1 refused or failed, 2 when
 * oakleyd cannot be reached. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/args.h"
#include "ctl/version.h"
#include "util/buf.h"

/* A reply kept whole (not a listing) is cut here. */
#define REPLY_MAX (1024 * 1024)

static bool json;

/* One JSON object on a line: {"ok":..,["connection":..,]KEY:TEXT}, TEXT
 * without its last newline. */
static void json_reply(bool ok, const char *conn, const char *key, const char *text)
{
	size_t n = strlen(text);
	char *t = strndup(text, n && text[n - 1] == '\n' ? n - 1 : n);

	printf("{\"ok\":%s", ok ? "true" : "false");
	if (conn) {
		printf(",\"connection\":");
		ctl_json_fputs(conn, stdout);
	}
	printf(",\"%s\":", key);
	ctl_json_fputs(t ? t : "out of memory", stdout);
	printf("}\n");
	free(t);
}

/* An error of oakleyctl's own (not oakleyd's answer). */
static int ctl_error(int code, const char *why)
{
	if (json)
		json_reply(false, NULL, "error", why);
	else
		fprintf(stderr, "oakleyctl: %s\n", why);
	return code;
}

/* A connected control socket with cmd sent, or -1 with why. */
static int ctl_connect(const char *path, const char *cmd, char *why, size_t whylen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(why, whylen, "cannot reach oakleyd at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0) {
		snprintf(why, whylen, "cannot reach oakleyd at %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct reply {
	bool ok;
	struct buf body; /* NUL-terminated */
	char why[400];	 /* when oakleyd was not reached */
};

/* Sends cmd.  The reply's first line is OK or ERR; an OK body goes to pass
 * as it comes when pass is set (a listing of any size), everything else
 * into r->body.  0, or CTL_EXIT_UNREACHABLE with r->why. */
static int ask(const char *path, const char *cmd, FILE *pass, struct reply *r)
{
	char buf[4096], *body;
	size_t have = 0;
	int fd, head = -1;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	fd = ctl_connect(path, cmd, r->why, sizeof(r->why));
	if (fd < 0)
		return CTL_EXIT_UNREACHABLE;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = 0;
		body = buf;
		if (head < 0) {
			if (!(body = strchr(buf, '\n')) && have < sizeof(buf) - 1)
				continue;
			if (!body)
				break;
			*body++ = 0;
			head = r->ok = !strcmp(buf, "OK");
		}
		if (r->ok && pass)
			fputs(body, pass);
		else if (r->body.len < REPLY_MAX)
			buf_append(&r->body, body, strlen(body));
		have = 0;
	}
	close(fd);
	buf_put_u8(&r->body, 0);
	if (head < 0 || r->body.failed) {
		snprintf(r->why, sizeof(r->why), "oakleyd at %s closed the connection %s", path,
			 head < 0 ? "without an answer" : "(out of memory for its answer)");
		return CTL_EXIT_UNREACHABLE;
	}
	return 0;
}

/* A command whose answer is a listing (status, list, certs): oakleyd
 * writes the JSON itself. */
static int run_listing(const struct ctl_args *a)
{
	struct reply r;
	int rc = ask(a->path, a->line, stdout, &r);

	if (rc)
		rc = ctl_error(rc, r.why);
	else if (!r.ok && json)
		json_reply(false, NULL, "error", (char *)r.body.data);
	else if (!r.ok)
		fputs((char *)r.body.data, stderr);
	buf_free(&r.body);
	return rc ? rc : r.ok ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

/* A command answered with a sentence (down, reload, capture, up NAME). */
static int run_message(const char *path, const char *line, const char *conn)
{
	struct reply r;
	int rc = ask(path, line, NULL, &r);

	if (rc)
		rc = ctl_error(rc, r.why);
	else if (json)
		json_reply(r.ok, conn, r.ok ? "message" : "error", (char *)r.body.data);
	else
		fputs((char *)r.body.data, r.ok ? stdout : stderr);
	buf_free(&r.body);
	return rc ? rc : r.ok ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

static int run_version(const struct ctl_args *a)
{
	struct reply r;
	int rc = ask(a->path, "version", NULL, &r);
	char *v = (char *)r.body.data; /* NULL when not reached */
	bool ok = !rc && r.ok;

	if (v)
		v[strcspn(v, "\n")] = 0;
	if (json) {
		printf("{\"ok\":%s,\"oakleyctl\":", ok ? "true" : "false");
		ctl_json_fputs(OAKLEY_VERSION, stdout);
		printf(",\"oakleyd\":");
		if (!ok)
			printf("null,\"error\":");
		ctl_json_fputs(rc ? r.why : v, stdout);
		printf("}\n");
	} else {
		printf("oakleyctl %s\n", OAKLEY_VERSION);
		if (ok)
			printf("oakleyd %s\n", v);
		else
			fprintf(stderr, "oakleyctl: oakleyd's version: %s\n", rc ? r.why : v);
	}
	buf_free(&r.body);
	return rc ? rc : ok ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

struct up_one {
	const char *name;
	int fd;
	char reply[1024];
	size_t have;
};

struct up_tally {
	int up, failed, unreached, shown;
};

/* One result of several: "NAME: why" (without NAME twice when oakleyd's
 * answer starts with it, as a group of subnets' does), or a JSON item. */
static void up_print(struct up_tally *t, const char *name, bool ok, const char *why)
{
	size_t n = strlen(name);

	if (json) {
		printf("%s{\"connection\":", t->shown++ ? "," : "");
		ctl_json_fputs(name, stdout);
		printf(",\"ok\":%s,\"%s\":", ok ? "true" : "false", ok ? "message" : "error");
		ctl_json_fputs(why, stdout);
		printf("}");
	} else if (!strncmp(why, name, n) && why[n] == ':' && why[n + 1] == ' ') {
		fprintf(ok ? stdout : stderr, "%s\n", why);
	} else {
		fprintf(ok ? stdout : stderr, "%s: %s\n", name, why);
	}
	if (ok)
		t->up++;
	else
		t->failed++;
}

/* The reply to "up NAME" is in. */
static void up_report(struct up_tally *t, struct up_one *u)
{
	char *body;

	u->reply[u->have] = 0;
	body = strchr(u->reply, '\n');
	if (!body) {
		up_print(t, u->name, false, "oakleyd closed the connection without an answer");
		return;
	}
	*body++ = 0;
	/* a group of subnets answers one line per pair after the first */
	if (body[0] && body[strlen(body) - 1] == '\n')
		body[strlen(body) - 1] = 0;
	up_print(t, u->name, !strcmp(u->reply, "OK"), body);
}

static bool up_start(const char *path, struct up_tally *t, struct up_one *u, const char *name)
{
	char cmd[CTL_LINE_LEN], why[400];

	memset(u, 0, sizeof(*u));
	u->name = name;
	u->fd = -1;
	if ((size_t)snprintf(cmd, sizeof(cmd), "up %s", name) >= sizeof(cmd)) {
		up_print(t, name, false, "name too long");
		return false;
	}
	u->fd = ctl_connect(path, cmd, why, sizeof(why));
	if (u->fd < 0) {
		up_print(t, name, false, why);
		t->unreached++;
	}
	return u->fd >= 0;
}

/* One process, many connections: at most `parallel` control connections
 * open, each with one "up"; a result is printed as it comes.  Exit 1 if
 * any failed, 2 if oakleyd could not be reached at all. */
static int up_many(const char *path, char **names, int n, int parallel)
{
	struct up_one slots[CTL_UP_PARALLEL_MAX];
	struct pollfd pfd[CTL_UP_PARALLEL_MAX];
	struct up_tally t = {0};
	int next = 0, busy = 0, i;
	ssize_t got;

	if (json)
		printf("{\"connections\":[");
	for (i = 0; i < parallel; i++)
		slots[i].fd = -1;
	while (next < n || busy) {
		for (i = 0; i < parallel && next < n; i++)
			if (slots[i].fd < 0 && up_start(path, &t, &slots[i], names[next++]))
				busy++;
		if (!busy)
			continue;
		for (i = 0; i < parallel; i++)
			pfd[i] = (struct pollfd){.fd = slots[i].fd, .events = POLLIN};
		if (poll(pfd, (nfds_t)parallel, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "oakleyctl: poll: %s\n", strerror(errno));
			exit(CTL_EXIT_FAILED);
		}
		for (i = 0; i < parallel; i++) {
			struct up_one *u = &slots[i];

			if (u->fd < 0 || !pfd[i].revents)
				continue;
			got = read(u->fd, u->reply + u->have, sizeof(u->reply) - 1 - u->have);
			if (got > 0) {
				u->have += (size_t)got;
				if (u->have < sizeof(u->reply) - 1)
					continue;
			}
			close(u->fd);
			u->fd = -1;
			busy--;
			up_report(&t, u);
		}
	}
	if (json)
		printf("],\"up\":%d,\"failed\":%d,\"ok\":%s}\n", t.up, t.failed,
		       t.failed ? "false" : "true");
	else
		printf("%d of %d up, %d failed\n", t.up, n, t.failed);
	if (t.unreached == n)
		return CTL_EXIT_UNREACHABLE;
	return t.failed ? CTL_EXIT_FAILED : CTL_EXIT_OK;
}

/* "up -": the names from stdin, separated by blanks or lines (more than a
 * command line holds). */
static int up_stdin(const char *path, int parallel)
{
	char **names = NULL, **more, word[256];
	size_t n = 0, cap = 0, i;
	int rc;

	while (scanf("%255s", word) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			more = realloc(names, cap * sizeof(*names));
			if (!more)
				goto nomem;
			names = more;
		}
		names[n] = strdup(word);
		if (!names[n])
			goto nomem;
		n++;
	}
	if (!n || n > INT_MAX) {
		rc = ctl_error(CTL_EXIT_FAILED,
			       n ? "up -: too many names" : "up -: no names on stdin");
		goto out;
	}
	rc = up_many(path, names, (int)n, parallel);
	goto out;
nomem:
	rc = ctl_error(CTL_EXIT_FAILED, "out of memory");
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct ctl_args a;
	char why[256], line[CTL_LINE_LEN];

	if (ctl_args_parse(argc, argv, &a, why, sizeof(why))) {
		json = a.json;
		ctl_error(CTL_EXIT_FAILED, why);
		ctl_usage(stderr);
		return CTL_EXIT_FAILED;
	}
	json = a.json;
	switch (a.cmd) {
	case CTL_CMD_HELP:
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	case CTL_CMD_UP:
		/* One name prints what it always did: oakleyd's answer alone. */
		if (a.nnames > 1)
			return up_many(a.path, a.names, a.nnames, a.parallel);
		snprintf(line, sizeof(line), "up %s", a.names[0]);
		return run_message(a.path, line, a.names[0]);
	case CTL_CMD_UP_STDIN:
		return up_stdin(a.path, a.parallel);
	case CTL_CMD_STATUS:
	case CTL_CMD_LIST:
	case CTL_CMD_CERTS:
		return run_listing(&a);
	case CTL_CMD_VERSION:
		return run_version(&a);
	case CTL_CMD_DOWN:
	case CTL_CMD_RELOAD:
	case CTL_CMD_CAPTURE:
		return run_message(a.path, a.line, NULL);
	}
	return CTL_EXIT_FAILED;
}
