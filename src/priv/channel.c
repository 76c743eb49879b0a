/* The daemon-helper channel: a stream socketpair carrying a header, data,
 * and at most one descriptor (SCM_RIGHTS, with the header's first byte). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "priv/internal.h"

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A configuration of 100,000 conns is an 11 MB message.  With the default
 * socket buffer (about 200 KB) the sender waits for the reader some fifty
 * times, and on a busy machine each wait costs a scheduling delay: the
 * reload took seconds of waiting for 0.1 s of copying.  A buffer that
 * holds the whole message lets it go in one write.  Only the helper sends
 * large messages; it is root and may force the size, else the system's
 * maximum (SO_SNDBUF) applies.  Failing is no error: the write waits. */
#define CHAN_BIG (256u << 10)

static void room_for(int fd, size_t len)
{
	int want;

	if (len < CHAN_BIG)
		return;
	want = (int)(len + len / 2 + (64u << 10)); /* and the per-packet overhead */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

int chan_send(int fd, uint32_t type, int32_t err, const void *data, size_t len, int pass_fd)
{
	struct priv_hdr h = {.type = type, .err = err, .len = (uint32_t)len};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {.iov_base = &h, .iov_len = sizeof(h)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t n;

	if (len > PRIV_MSG_MAX)
		return -EMSGSIZE;
	room_for(fd, len);
	if (pass_fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* The rest of the header (a stream may take it in pieces), then data. */
	if ((size_t)n < sizeof(h) && write_all(fd, (uint8_t *)&h + n, sizeof(h) - (size_t)n))
		return -EPIPE;
	return len ? write_all(fd, data, len) : 0;
}

static int recv_hdr(int fd, struct priv_hdr *h, int *got_fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {.iov_base = h, .iov_len = sizeof(*h)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf)};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int))) {
			if (*got_fd >= 0)
				close(*got_fd);
			memcpy(got_fd, CMSG_DATA(c), sizeof(int));
		}
	if ((size_t)n < sizeof(*h))
		return read_all(fd, (uint8_t *)h + n, sizeof(*h) - (size_t)n);
	return 0;
}

int chan_recv(int fd, struct priv_hdr *h, uint8_t **data, int *got_fd)
{
	int passed = -1, err;

	*data = NULL;
	err = recv_hdr(fd, h, &passed);
	if (err)
		goto out;
	if (h->len > PRIV_MSG_MAX) {
		err = -EMSGSIZE;
		goto out;
	}
	*data = malloc((size_t)h->len + 1);
	if (!*data) {
		err = -ENOMEM;
		goto out;
	}
	err = read_all(fd, *data, h->len);
	(*data)[h->len] = 0;
out:
	if (err) {
		free(*data);
		*data = NULL;
	}
	if (got_fd && !err)
		*got_fd = passed;
	else if (passed >= 0)
		close(passed); /* not asked for: not kept */
	return err;
}
