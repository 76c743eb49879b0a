/* sd_notify's datagram protocol in a page: see sdnotify.h.  Not libsystemd:
 * one less library mapped into a daemon that starts as root and parses
 * packets from the network under a seccomp filter, for a protocol that is
 * a sendto(2) of a string. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/sdnotify.h"

int sd_notify_send(const char *state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *name = getenv("NOTIFY_SOCKET");
	size_t n = name ? strlen(name) : 0;
	socklen_t len;
	int fd, err = 0;

	if (!n)
		return 0;
	/* A path, or '@' for the abstract namespace (a leading NUL). */
	if ((name[0] != '/' && name[0] != '@') || n >= sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = 0;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, len) < 0)
		err = -errno;
	close(fd);
	return err ? err : 1;
}

int sd_notify_sendf(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sd_notify_send(msg);
}
