/* util/sdnotify: the datagram systemd would read, at a path and at an
 * abstract name, and what happens without NOTIFY_SOCKET or with a bad one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/sdnotify.h"

/* A datagram socket bound to NAME ('@': abstract), as systemd's is. */
static int listener(const char *name)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = 0;
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	return fd;
}

static void expect_msg(int fd, const char *want)
{
	char got[2048];
	ssize_t n = recv(fd, got, sizeof(got) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	got[n] = 0;
	assert_string_equal(got, want);
	/* one datagram, nothing more */
	assert_true(recv(fd, got, sizeof(got), MSG_DONTWAIT) < 0);
}

static void test_no_socket(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sd_notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sd_notify_send("READY=1"), 0);
}

static void test_path(void **state)
{
	char dir[] = "/tmp/sdnotify.XXXXXX", path[128];
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sd_notify_send("READY=1"), 1);
	expect_msg(fd, "READY=1");
	assert_int_equal(sd_notify_sendf("READY=1\nSTATUS=%u connections", 3u), 1);
	expect_msg(fd, "READY=1\nSTATUS=3 connections");
	close(fd);
	unlink(path);
	rmdir(dir);
	/* nobody listens there now */
	assert_true(sd_notify_send("STOPPING=1") < 0);
}

static void test_abstract(void **state)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@oakley-sdnotify-test-%d", (int)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(sd_notify_send("RELOADING=1"), 1);
	expect_msg(fd, "RELOADING=1");
	close(fd);
	/* the abstract name is gone with its socket */
	assert_int_equal(sd_notify_send("READY=1"), -ECONNREFUSED);
}

/* A relative name, or one too long for sun_path, is refused, not cut. */
static void test_bad_names(void **state)
{
	char longname[200];

	setenv("NOTIFY_SOCKET", "run/notify", 1);
	assert_int_equal(sd_notify_send("READY=1"), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	setenv("NOTIFY_SOCKET", longname, 1);
	assert_int_equal(sd_notify_send("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_bad_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
