/* xauthby=pam (issue 11): priv_pam_check through the real privileged
 * helper (a fork, as oakleyd starts it) and libpam, with PAM services the
 * test writes to /etc/pam.d and removes: pam_exec with expose_authtok runs
 * a script that takes the password only when PAM_USER and the password
 * the conversation gave are the expected ones; pam_faildelay asks for a
 * 3 s delay after a failure, which the helper's PAM_FAIL_DELAY hook must
 * skip; a second service refuses in pam_acct_mgmt (pam_deny).  Needs
 * root (the helper runs PAM as root, and /etc/pam.d is root's): skipped,
 * not passed, without it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <signal.h>
#include <time.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "priv/internal.h"
#include "priv/priv.h"

struct pam_fixture {
	char dir[64], script[128];
	char svc_ok[64], svc_acct[64];
	char path_ok[128], path_acct[128];
};

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	struct pam_fixture *f = calloc(1, sizeof(*f));
	char text[512];

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/oakley-pam-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	chmod(f->dir, 0755);
	snprintf(f->script, sizeof(f->script), "%s/check.sh", f->dir);
	/* pam_exec writes the password and a NUL byte to stdin */
	write_text(f->script,
		   "#!/bin/sh\n"
		   "pw=$(tr -d '\\000')\n"
		   "[ \"$PAM_USER\" = alice ] && [ \"$pw\" = 'correct horse' ]\n",
		   0755);
	snprintf(f->svc_ok, sizeof(f->svc_ok), "oakley-test-%d", (int)getpid());
	snprintf(f->svc_acct, sizeof(f->svc_acct), "oakley-test-acct-%d", (int)getpid());
	snprintf(f->path_ok, sizeof(f->path_ok), "/etc/pam.d/%s", f->svc_ok);
	snprintf(f->path_acct, sizeof(f->path_acct), "/etc/pam.d/%s", f->svc_acct);
	snprintf(text, sizeof(text),
		 "auth optional pam_faildelay.so delay=3000000\n"
		 "auth required pam_exec.so expose_authtok quiet %s\n"
		 "account required pam_permit.so\n",
		 f->script);
	write_text(f->path_ok, text, 0644);
	snprintf(text, sizeof(text),
		 "auth required pam_exec.so expose_authtok quiet %s\n"
		 "account required pam_deny.so\n",
		 f->script);
	write_text(f->path_acct, text, 0644);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct pam_fixture *f = *state;

	if (!f)
		return 0;
	unlink(f->path_ok);
	unlink(f->path_acct);
	unlink(f->script);
	rmdir(f->dir);
	free(f);
	return 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static struct priv *start_helper(const char *service)
{
	static const struct priv_paths paths = {"/nonexistent/ipsec.conf", NULL, NULL};
	struct priv *p = NULL;

	priv_pam_service_set(service);
	assert_int_equal(priv_helper_start(&paths, &p), 0);
	return p;
}

static void stop_helper(struct priv *p)
{
	char why[256];

	assert_int_equal(priv_helper_stop(p, why, sizeof(why)), 0);
	priv_pam_service_set("oakley");
}

static void test_pam_auth(void **state)
{
	struct pam_fixture *f = *state;
	char why[512];
	struct priv *p;
	double t0;

	if (geteuid() != 0)
		skip();
	p = start_helper(f->svc_ok);
	assert_int_equal(priv_pam_check(p, "alice", "correct horse", why, sizeof(why)), 0);
	assert_non_null(strstr(why, "took XAUTH user 'alice'"));

	t0 = now();
	assert_int_equal(priv_pam_check(p, "alice", "wrong horse", why, sizeof(why)), -EACCES);
	assert_true(now() - t0 < 1.5); /* pam_faildelay's 3 s did not hold the helper */
	assert_non_null(strstr(why, "refused XAUTH user 'alice' (authentication)"));
	assert_null(strstr(why, "horse"));

	assert_int_equal(priv_pam_check(p, "bob", "correct horse", why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "'bob'"));
	assert_int_equal(priv_pam_check(p, "alice", "", why, sizeof(why)), -EACCES);
	/* the helper still answers after refusals */
	assert_int_equal(priv_pam_check(p, "alice", "correct horse", why, sizeof(why)), 0);
	stop_helper(p);
}

static void test_pam_account(void **state)
{
	struct pam_fixture *f = *state;
	char why[512];
	struct priv *p;

	if (geteuid() != 0)
		skip();
	p = start_helper(f->svc_acct);
	assert_int_equal(priv_pam_check(p, "alice", "correct horse", why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "refused XAUTH user 'alice' (account)"));
	stop_helper(p);
}

/* A service with no file in /etc/pam.d falls to "other" (Debian's: the
 * common-* stack); a user that is no account there is refused. */
static void test_pam_no_user(void **state)
{
	char why[512];
	struct priv *p;

	if (geteuid() != 0)
		skip();
	p = start_helper("oakley-test-none");
	assert_int_equal(
		priv_pam_check(p, "no-such-user-oakley", "correct horse", why, sizeof(why)),
		-EACCES);
	assert_null(strstr(why, "horse"));
	stop_helper(p);
}

/* A dead helper: -EIO. */
static void test_pam_channel(void **state)
{
	static const struct priv_paths paths = {"/nonexistent/ipsec.conf", NULL, NULL};
	char why[512];
	struct priv *p = NULL;

	assert_int_equal(priv_helper_start(&paths, &p), 0);
	kill(priv_helper_pid(p), SIGKILL);
	assert_int_equal(priv_pam_check(p, "alice", "correct horse", why, sizeof(why)), -EIO);
	assert_int_equal(priv_helper_stop(p, why, sizeof(why)), -ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pam_auth),
		cmocka_unit_test(test_pam_account),
		cmocka_unit_test(test_pam_no_user),
		cmocka_unit_test(test_pam_channel),
	};

	signal(SIGPIPE, SIG_IGN);
	log_setup(true, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, setup, teardown);
}
