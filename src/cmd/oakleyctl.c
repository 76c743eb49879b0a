/* oakleyctl: talks to oakleyd over its control socket. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Connections brought up at a time by one "up" of several names: each is
 * one control connection, answered when both phases are up or failed. */
#define UP_PARALLEL	64
#define UP_PARALLEL_MAX 200 /* oakleyd serves 256 control clients */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: oakleyctl [-c SOCKET] [-p N] COMMAND\n"
		"  up NAME... | up -       bring connections up; waits for both phases\n"
		"                          (-: names from stdin; -p: at most N at a time,\n"
		"                          default %d)\n"
		"  down NAME               delete its SAs and tell the peer\n"
		"  status [--json] [NAME]  ISAKMP and IPsec SAs, all or one connection's\n"
		"  status --summary [--json]  counts by state\n"
		"  certs [--json]          loaded certificates, CAs and CRLs\n"
		"  reload                  re-read the configuration and secrets\n",
		UP_PARALLEL);
}

/* A connected control socket with cmd sent, or -1 with the reason printed. */
static int ctl_connect(const char *path, const char *cmd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "oakleyctl: cannot reach oakleyd at %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "oakleyctl: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The first reply line is OK or ERR; the rest is printed. */
static int talk(const char *path, const char *cmd)
{
	char buf[4096], *body;
	size_t have = 0;
	int fd, ok = -1;
	ssize_t n;

	fd = ctl_connect(path, cmd);
	if (fd < 0)
		return 2;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = 0;
		if (ok < 0 && (body = strchr(buf, '\n'))) {
			*body++ = 0;
			ok = !strcmp(buf, "OK");
			fputs(body, ok ? stdout : stderr);
			have = 0;
			continue;
		}
		if (ok >= 0) {
			fputs(buf, ok ? stdout : stderr);
			have = 0;
		}
	}
	close(fd);
	if (ok < 0) {
		fprintf(stderr, "oakleyctl: oakleyd closed the connection without an answer\n");
		return 2;
	}
	return ok ? 0 : 1;
}

struct up_one {
	const char *name;
	int fd;
	char reply[1024];
	size_t have;
};

/* The reply to "up NAME" is in; prints "NAME: why" and says if it is up. */
static bool up_report(struct up_one *u)
{
	char *body;
	bool ok;

	u->reply[u->have] = 0;
	body = strchr(u->reply, '\n');
	if (!body) {
		fprintf(stderr, "%s: oakleyd closed the connection without an answer\n", u->name);
		return false;
	}
	*body++ = 0;
	ok = !strcmp(u->reply, "OK");
	body[strcspn(body, "\n")] = 0;
	fprintf(ok ? stdout : stderr, "%s: %s\n", u->name, body);
	return ok;
}

static bool up_start(const char *path, struct up_one *u, const char *name)
{
	char cmd[512];

	memset(u, 0, sizeof(*u));
	u->name = name;
	if ((size_t)snprintf(cmd, sizeof(cmd), "up %s", name) >= sizeof(cmd)) {
		fprintf(stderr, "%s: name too long\n", name);
		u->fd = -1;
		return false;
	}
	u->fd = ctl_connect(path, cmd);
	if (u->fd < 0)
		fprintf(stderr, "%s: not started\n", name);
	return u->fd >= 0;
}

/* One process, many connections: at most `parallel` control connections
 * open, each with one "up"; a result is printed as it comes.  Exit 1 if
 * any failed, 2 if oakleyd could not be reached at all. */
static int up_many(const char *path, char **names, int n, int parallel)
{
	struct up_one slots[UP_PARALLEL_MAX];
	struct pollfd pfd[UP_PARALLEL_MAX];
	int next = 0, busy = 0, up = 0, failed = 0, unreached = 0, i;
	ssize_t got;

	for (i = 0; i < parallel; i++)
		slots[i].fd = -1;
	while (next < n || busy) {
		for (i = 0; i < parallel && next < n; i++) {
			if (slots[i].fd >= 0)
				continue;
			if (up_start(path, &slots[i], names[next++])) {
				busy++;
			} else {
				failed++;
				unreached++;
			}
		}
		if (!busy)
			continue;
		for (i = 0; i < parallel; i++)
			pfd[i] = (struct pollfd){.fd = slots[i].fd, .events = POLLIN};
		if (poll(pfd, (nfds_t)parallel, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "oakleyctl: poll: %s\n", strerror(errno));
			return 2;
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
			if (up_report(u))
				up++;
			else
				failed++;
		}
	}
	printf("%d of %d up, %d failed\n", up, n, failed);
	if (unreached == n)
		return 2;
	return failed ? 1 : 0;
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
		fprintf(stderr, "oakleyctl: up -: %s\n",
			n ? "too many names" : "no names on stdin");
		rc = 2;
		goto out;
	}
	rc = up_many(path, names, (int)n, parallel);
	goto out;
nomem:
	fprintf(stderr, "oakleyctl: out of memory\n");
	rc = 2;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	const char *path = "/run/oakley/oakleyd.sock";
	int parallel = UP_PARALLEL;
	char cmd[512] = "";
	size_t off = 0;
	int c, i;

	while ((c = getopt(argc, argv, "+c:p:h")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'p':
			parallel = atoi(optarg);
			if (parallel < 1 || parallel > UP_PARALLEL_MAX) {
				fprintf(stderr, "oakleyctl: -p takes 1 to %d\n", UP_PARALLEL_MAX);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	/* Several names: one result line each (one name keeps the old output). */
	if (!strcmp(argv[optind], "up") && argc - optind == 2 && !strcmp(argv[optind + 1], "-"))
		return up_stdin(path, parallel);
	if (!strcmp(argv[optind], "up") && argc - optind > 2)
		return up_many(path, argv + optind + 1, argc - optind - 1, parallel);
	for (i = optind; i < argc; i++) {
		int n = snprintf(cmd + off, sizeof(cmd) - off, "%s%s", i > optind ? " " : "",
				 argv[i]);

		if (n < 0 || (size_t)n >= sizeof(cmd) - off) {
			fprintf(stderr, "oakleyctl: command too long\n");
			return 2;
		}
		off += (size_t)n;
	}
	return talk(path, cmd);
}
