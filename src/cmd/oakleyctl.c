/* oakleyctl: talks to oakleyd over its control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: oakleyctl [-c SOCKET] COMMAND\n"
		   "  up NAME          bring a connection up; waits for both phases\n"
		   "  down NAME        delete its SAs and tell the peer\n"
		   "  status [--json]  ISAKMP and IPsec SAs\n"
		   "  reload           re-read the configuration and secrets\n");
}

/* The first reply line is OK or ERR; the rest is printed. */
static int talk(const char *path, const char *cmd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[4096], *body;
	size_t have = 0;
	int fd, ok = -1;
	ssize_t n;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "oakleyctl: cannot reach oakleyd at %s: %s\n", path,
			strerror(errno));
		return 2;
	}
	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "oakleyctl: %s\n", strerror(errno));
		return 2;
	}
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

int main(int argc, char **argv)
{
	const char *path = "/run/oakley/oakleyd.sock";
	char cmd[512] = "";
	size_t off = 0;
	int c, i;

	while ((c = getopt(argc, argv, "+c:h")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
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
