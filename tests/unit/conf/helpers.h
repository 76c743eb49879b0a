/* Shared by the test_conf*.c binaries: configuration text written to temp
 * files (mkstemp), loaded with a stub is_local, and stderr captured to
 * check warnings.  Static functions only: each test binary includes it. */
#ifndef OAKLEY_TEST_CONF_HELPERS_H
#define OAKLEY_TEST_CONF_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/log.h"

/* The addresses the stub says are on this host. */
static const char *const here[] = {"10.0.0.1", "2001:db8::1", "192.0.2.1", NULL};

static inline bool stub_is_local(const struct conf_addr *a, void *arg)
{
	const char *const *list = arg;
	struct conf_addr b;

	for (; *list; list++)
		if (!conf_addr_parse(*list, &b) && conf_addr_equal(a, &b))
			return true;
	return false;
}

/* Writes text to a new temp file with the given mode; returns its path. */
static inline char *tmp_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/oakley-conf-XXXXXX");
	size_t len = strlen(text);
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static inline void tmp_remove(char *path)
{
	if (path)
		unlink(path);
	free(path);
}

struct loaded {
	struct conf *c;
	int ret;
	char err[512];
	char *conf_path, *secrets_path;
};

/* Loads conf text (and secrets text, if any, mode 0600). */
static inline void load_text(struct loaded *l, const char *conf, const char *secrets)
{
	memset(l, 0, sizeof(*l));
	l->conf_path = tmp_file(conf, 0644);
	if (secrets)
		l->secrets_path = tmp_file(secrets, 0600);
	l->ret = conf_load(l->conf_path, l->secrets_path, stub_is_local, (void *)here, &l->c,
			   l->err, sizeof(l->err));
}

static inline void loaded_free(struct loaded *l)
{
	conf_free(l->c);
	tmp_remove(l->conf_path);
	tmp_remove(l->secrets_path);
	l->c = NULL;
	l->conf_path = l->secrets_path = NULL;
}

/* Loads, expects success, returns the conf (freed by loaded_free). */
static inline struct conf *load_ok(struct loaded *l, const char *conf, const char *secrets)
{
	load_text(l, conf, secrets);
	if (l->ret)
		fail_msg("conf_load: %d %s", l->ret, l->err);
	assert_non_null(l->c);
	return l->c;
}

/* Expects -EINVAL with err == "FILE:LINE: msg", FILE the conf file (or the
 * secrets file when in_secrets). */
static inline void expect_error_at(const char *conf, const char *secrets, bool in_secrets,
				   unsigned line, const char *msg)
{
	struct loaded l;
	char want[1024];

	load_text(&l, conf, secrets);
	snprintf(want, sizeof(want), "%s:%u: %s", in_secrets ? l.secrets_path : l.conf_path, line,
		 msg);
	if (l.ret != -EINVAL || strcmp(l.err, want))
		fail_msg("want -EINVAL \"%s\"\n got %d \"%s\"", want, l.ret, l.err);
	assert_null(l.c);
	loaded_free(&l);
}

static inline void expect_error(const char *conf, unsigned line, const char *msg)
{
	expect_error_at(conf, NULL, false, line, msg);
}

static inline void expect_secrets_error(const char *secrets, unsigned line, const char *msg)
{
	expect_error_at("conn a\n\tleft=10.0.0.1\n\tright=10.0.0.2\n", secrets, true, line, msg);
}

/* stderr to a temp file while a test loads, to look at the warnings. */
struct capture {
	int saved;
	char path[32];
};

static inline void capture_start(struct capture *cap)
{
	int fd;

	strcpy(cap->path, "/tmp/oakley-log-XXXXXX");
	fd = mkstemp(cap->path);
	assert_true(fd >= 0);
	fflush(stderr);
	cap->saved = dup(2);
	dup2(fd, 2);
	close(fd);
	log_setup(true, LOG_LVL_DEBUG);
}

/* Returns what was logged (malloc'd), and restores stderr. */
static inline char *capture_end(struct capture *cap)
{
	char *text = calloc(1, 65536);
	int fd;

	fflush(stderr);
	dup2(cap->saved, 2);
	close(cap->saved);
	log_setup(true, LOG_LVL_INFO);
	assert_non_null(text);
	fd = open(cap->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_true(read(fd, text, 65535) >= 0);
	close(fd);
	unlink(cap->path);
	return text;
}

static inline void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" not found in:\n%s", part, text);
}

static inline void assert_addr(const struct conf_addr *a, const char *want)
{
	char s[CONF_ADDR_STRLEN];

	assert_int_equal(conf_addr_str(a, s, sizeof(s)), 0);
	assert_string_equal(s, want);
}

static inline void assert_id(const struct conf_id *id, const char *want)
{
	char s[CONF_ID_STRLEN];

	assert_int_equal(conf_id_str(id, s, sizeof(s)), 0);
	assert_string_equal(s, want);
}

#endif
