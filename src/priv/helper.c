/* The privileged helper: a fork of oakleyd that stays root and answers the
 * daemon's requests on a socketpair, one at a time, until the daemon
 * closes it.  It does not touch the network. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "priv/internal.h"
#include "priv/priv.h"
#include "ike/tap.h"
#include "util/log.h"

#define WHY_MAX 512

struct priv {
	int fd;
	pid_t pid;
};

static void reply_err(int fd, uint32_t type, int err, const char *why)
{
	chan_send(fd, type, err, why, strlen(why), -1);
}

static void serve_reload(int fd, const struct priv_paths *paths)
{
	char why[WHY_MAX] = "";
	struct conf *c;
	struct buf b;
	int err;

	err = conf_load(paths->conf, paths->secrets, NULL, NULL, &c, why, sizeof(why));
	if (err) {
		reply_err(fd, PRIV_RELOAD, err, why[0] ? why : "the configuration cannot be read");
		return;
	}
	buf_init(&b);
	err = conf_pack(c, &b);
	if (err)
		reply_err(fd, PRIV_RELOAD, err, "out of memory sending the configuration");
	else
		chan_send(fd, PRIV_RELOAD, 0, b.data, b.len, -1);
	OPENSSL_cleanse(b.data, b.len); /* it holds the secrets */
	buf_free(&b);
	conf_free(c);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && !strcmp(s + n - t, tail);
}

/* capture_open makes a missing directory; at a path the daemon names,
 * root must not. */
static bool parent_exists(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	char dir[4096];

	if (!slash || slash == path)
		return true;
	if ((size_t)(slash - path) >= sizeof(dir))
		return false;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Only files named *.pcap: the daemon names the path, and a daemon taken
 * over by a peer must not get root to create, say, a file in /etc/cron.d. */
static void serve_capture(int fd, const char *path, size_t len)
{
	struct capture_format f = {0};
	char why[WHY_MAX];
	struct capture *c;
	int err, cfd;

	if (strlen(path) != len || !ends_with(path, ".pcap")) {
		snprintf(why, sizeof(why),
			 "%s: a capture file's name must end in .pcap (the privileged helper "
			 "creates no other files)",
			 path);
		reply_err(fd, PRIV_CAPTURE, -EPERM, why);
		return;
	}
	if (strcmp(path, IKE_CAPTURE_DEFAULT) && !parent_exists(path)) {
		snprintf(why, sizeof(why),
			 "%s: no such directory (the privileged helper makes only the "
			 "default capture's, " IKE_CAPTURE_DEFAULT ")",
			 path);
		reply_err(fd, PRIV_CAPTURE, -ENOENT, why);
		return;
	}
	err = capture_open(path, &c, why, sizeof(why));
	if (err) {
		reply_err(fd, PRIV_CAPTURE, err, why);
		return;
	}
	/* The daemon gets its own copy of the descriptor; ours goes. */
	cfd = capture_fd(c, &f);
	chan_send(fd, PRIV_CAPTURE, 0, &f, sizeof(f), cfd);
	capture_close(c);
}

static int helper_loop(int fd, const struct priv_paths *paths)
{
	struct priv_hdr h;
	uint8_t *data;
	int err;

	while (!(err = chan_recv(fd, &h, &data, NULL))) {
		if (h.type == PRIV_RELOAD)
			serve_reload(fd, paths);
		else if (h.type == PRIV_CAPTURE)
			serve_capture(fd, (const char *)data, h.len);
		else if (h.type == PRIV_PAM) /* pam.c; the password is wiped */
			priv_pam_serve(fd, data, h.len);
		else
			reply_err(fd, h.type, -EINVAL, "unknown request to the privileged helper");
		OPENSSL_cleanse(data, h.len);
		free(data);
	}
	return err == -EPIPE ? 0 : err;
}

/* Everything but the channel and stdio is the daemon's: sockets, netlink,
 * the control socket, captures.  Ctrl-C and SIGHUP are for the daemon; the
 * helper ends when the daemon closes the channel. */
static void __attribute__((noreturn)) helper_run(int fd, const struct priv_paths *paths)
{
	sigset_t none;
	int err;

	/* The daemon blocked its signals for signalfd; the helper has none. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	closelog();
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0u, 0);
	err = helper_loop(fd, paths);
	if (err)
		log_err("privileged helper: the channel to oakleyd failed: %s", strerror(-err));
	/* The daemon cannot unlink it: the directory is root's. */
	if (paths->ctl)
		unlink(paths->ctl);
	close(fd);
	exit(err ? 1 : 0);
}

int priv_helper_start(const struct priv_paths *paths, struct priv **out)
{
	struct priv *p = calloc(1, sizeof(*p));
	int sv[2], err;

	if (!p)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		goto fail;
	}
	p->pid = fork();
	if (p->pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (p->pid == 0) {
		free(p);
		close(sv[0]);
		helper_run(sv[1], paths);
	}
	close(sv[1]);
	p->fd = sv[0];
	priv_state_set_helper(p->pid);
	*out = p;
	return 0;
fail:
	free(p);
	return err;
}

int priv_helper_stop(struct priv *p, char *why, size_t whylen)
{
	int status, err = 0;

	if (!p)
		return 0;
	close(p->fd);
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 0;
			break;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status)) {
		snprintf(why, whylen, "the privileged helper exited with status %d",
			 WEXITSTATUS(status));
		err = -ECHILD;
	} else if (WIFSIGNALED(status)) {
		snprintf(why, whylen, "the privileged helper was killed by signal %d",
			 WTERMSIG(status));
		err = -ECHILD;
	}
	free(p);
	return err;
}

pid_t priv_helper_pid(const struct priv *p)
{
	return p ? p->pid : 0;
}

/* One request, one reply of the same type. */
int priv_request(struct priv *p, uint32_t type, const void *data, size_t len, struct priv_hdr *h,
		 uint8_t **reply, int *got_fd, char *why, size_t whylen)
{
	int err = chan_send(p->fd, type, 0, data, len, -1);

	if (!err)
		err = chan_recv(p->fd, h, reply, got_fd);
	if (!err && h->type != type) {
		free(*reply);
		*reply = NULL;
		err = -EPROTO;
	}
	if (err) {
		snprintf(why, whylen, "the privileged helper does not answer: %s", strerror(-err));
		return err;
	}
	if (h->err >= 0)
		return 0;
	snprintf(why, whylen, "%s", (const char *)*reply);
	free(*reply);
	*reply = NULL;
	return h->err;
}

int priv_reload(struct priv *p, struct conf **out, char *why, size_t whylen)
{
	struct priv_hdr h;
	uint8_t *reply;
	int err;

	*out = NULL;
	err = priv_request(p, PRIV_RELOAD, NULL, 0, &h, &reply, NULL, why, whylen);
	if (err)
		return err;
	err = conf_unpack(reply, h.len, out);
	if (err == -ENOMEM)
		snprintf(why, whylen,
			 "out of memory for the configuration from the privileged helper");
	else if (err)
		snprintf(why, whylen, "the configuration from the privileged helper is malformed");
	OPENSSL_cleanse(reply, h.len);
	free(reply);
	return err;
}

int priv_capture_open(struct priv *p, const char *path, struct capture **out, char *why,
		      size_t whylen)
{
	struct capture_format f;
	struct priv_hdr h;
	uint8_t *reply;
	int fd = -1, err;

	*out = NULL;
	err = priv_request(p, PRIV_CAPTURE, path, strlen(path), &h, &reply, &fd, why, whylen);
	if (err)
		return err;
	if (h.len != sizeof(f) || fd < 0) {
		snprintf(why, whylen, "the privileged helper sent no capture for %s", path);
		err = -EPROTO;
		goto out;
	}
	memcpy(&f, reply, sizeof(f));
	err = capture_adopt(path, fd, &f, out);
	if (err)
		snprintf(why, whylen, "cannot use the capture %s: %s", path, strerror(-err));
	else
		fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(reply);
	return err;
}
