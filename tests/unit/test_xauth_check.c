/* XAUTH users and conf_xauth_check (src/conf/xauth.c): ipsec.secrets
 * "USER : XAUTH secret" entries; Libreswan's passwd beside ipsec.conf
 * (comments, conn restrictions, the ignored address field, its errors at
 * FILE:LINE, the secrets file's ownership and mode rules, the system's
 * /etc/passwd never read as one); the check with sha512-crypt (a hash made
 * by `openssl passwd -6`), yescrypt, md5-crypt, plain passwords, wrong
 * ones, unknown users, xauthby=alwaysok and pam; the words of why, which
 * never hold the password; the check under oakleyd's seccomp filter. */
#include <crypt.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "priv/priv.h"

/* openssl passwd -6 -salt oakleysalt 'correct horse' */
static const char sha512_hash[] = "$6$oakleysalt$7suM4mEAoS18Bpgm7kqvliUGXre3vkD9qHHFE7VB022HdEdt"
				  "HeIc9tqXGo9gamv/YyCjPDZ/WXe6ecr34GSqR1";
/* openssl passwd -1 -salt md5salt 'old pw' */
static const char md5_hash[] = "$1$md5salt$V5qL9sB9j953ma95v.nZb0";

struct dir {
	char path[64];
	char conf[128], secrets[128], passwd[128];
	struct conf *c;
	int ret;
	char err[512];
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* ipsec.conf, ipsec.secrets (NULL: none) and passwd (NULL: none) in a
 * directory of their own, loaded. */
static void dir_load(struct dir *d, const char *conf, const char *secrets, const char *passwd,
		     mode_t passwd_mode)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->path, "/tmp/oakley-xauth-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->conf, sizeof(d->conf), "%s/ipsec.conf", d->path);
	snprintf(d->secrets, sizeof(d->secrets), "%s/ipsec.secrets", d->path);
	snprintf(d->passwd, sizeof(d->passwd), "%s/passwd", d->path);
	write_file(d->conf, conf, 0644);
	if (secrets)
		write_file(d->secrets, secrets, 0600);
	if (passwd)
		write_file(d->passwd, passwd, passwd_mode);
	d->ret = conf_load(d->conf, secrets ? d->secrets : NULL, stub_is_local, (void *)here, &d->c,
			   d->err, sizeof(d->err));
}

static void dir_free(struct dir *d)
{
	char ipsecd[160];

	conf_free(d->c);
	unlink(d->conf);
	unlink(d->secrets);
	unlink(d->passwd);
	snprintf(ipsecd, sizeof(ipsecd), "%s/ipsec.d", d->path);
	rmdir(ipsecd);
	rmdir(d->path);
}

static const char server_conf[] =
	"conn %default\n left=10.0.0.1\n right=%any\n leftxauthserver=yes\n"
	" leftmodecfgserver=yes\n rightaddresspool=10.3.0.1-10.3.0.99\n"
	"conn rw\n"
	"conn other\n"
	"conn open\n xauthby=alwaysok\n"
	"conn pam\n xauthby=pam\n"
	"conn grp\n leftsubnet=10.1.0.0/16,10.2.0.0/16\n";

static int check(const struct conf *c, const char *conn, const char *user, const char *password,
		 char *why, size_t len)
{
	const struct conn *k = conf_conn(c, conn);
	int ret;

	assert_non_null(k);
	why[0] = 0;
	ret = conf_xauth_check(c, k, user, password, why, len);
	assert_true(why[0]);
	if (password[0])
		assert_null(strstr(why, password)); /* never the password */
	return ret;
}

static void expect(const struct conf *c, const char *conn, const char *user, const char *password,
		   int want, const char *want_why)
{
	char why[256];
	int ret = check(c, conn, user, password, why, sizeof(why));

	if (ret != want || (want_why && strcmp(why, want_why)))
		fail_msg("%s/%s: want %d \"%s\", got %d \"%s\"", conn, user, want,
			 want_why ? want_why : "", ret, why);
}

static void test_secrets_entries(void **state)
{
	struct dir d;
	const struct conf *c;

	dir_load(&d, server_conf,
		 "bob : XAUTH \"pw one\"\n"
		 "@carol : XAUTH 0x6869\n"
		 "\"dave smith\" : XAUTH bare\n"
		 "eve frank : XAUTH 'shared'\n"
		 ": PSK \"group secret\"\n",
		 NULL, 0);
	if (d.ret)
		fail_msg("%s", d.err);
	c = d.c;
	assert_int_equal(c->nsecrets, 1);
	assert_int_equal(c->nxauth_users, 5);
	assert_string_equal(c->xauth_users[0].user, "bob");
	assert_string_equal(c->xauth_users[0].secret, "pw one");
	assert_false(c->xauth_users[0].crypted);
	assert_string_equal(c->xauth_users[0].conn, "");
	assert_string_equal(c->xauth_users[0].file, d.secrets);
	assert_int_equal(c->xauth_users[0].line, 1);
	assert_string_equal(c->xauth_users[1].user, "carol");
	assert_string_equal(c->xauth_users[1].secret, "hi");
	assert_string_equal(c->xauth_users[2].user, "dave smith");
	assert_string_equal(c->xauth_users[3].user, "eve");
	assert_string_equal(c->xauth_users[4].user, "frank");
	assert_string_equal(c->xauth_users[4].secret, "shared");

	assert_string_equal(conf_xauth_password(c, "bob"), "pw one"); /* a client's */
	assert_string_equal(conf_xauth_password(c, "frank"), "shared");
	assert_null(conf_xauth_password(c, "nobody"));
	assert_null(conf_xauth_password(c, NULL));
	expect(c, "rw", "bob", "pw one", 0, "XAUTH user 'bob' authenticated");
	expect(c, "other", "bob", "pw one", 0, NULL); /* a secrets entry is for every conn */
	expect(c, "rw", "bob", "pw on", -EACCES, "wrong password for XAUTH user 'bob'");
	expect(c, "rw", "bob", "pw one ", -EACCES, NULL);
	expect(c, "rw", "bob", "", -EACCES, NULL);
	expect(c, "rw", "carol", "hi", 0, NULL);
	expect(c, "rw", "dave smith", "bare", 0, NULL);
	expect(c, "rw", "frank", "shared", 0, NULL);
	expect(c, "rw", "Bob", "pw one", -ENOENT, "no XAUTH user 'Bob' in ipsec.secrets or passwd");
	expect(c, "rw", "x\001'\\y", "pw", -ENOENT,
	       "no XAUTH user 'x\\x01\\x27\\x5cy' in ipsec.secrets or passwd");
	expect(c, "open", "anyone", "anything", 0,
	       "xauthby=alwaysok: XAUTH user 'anyone' taken without a password check");
	expect(c, "pam", "bob", "pw one", -EOPNOTSUPP, "xauthby=pam: PAM checks XAUTH user 'bob'");
	dir_free(&d);
}

static void test_secrets_errors(void **state)
{
	expect_secrets_error(
		": XAUTH \"x\"\n", 1,
		"an XAUTH entry names its user before ':' (USER : XAUTH \"password\")");
	expect_secrets_error("\nbob : XAUTH \"\"\n", 2, "the XAUTH password is empty");
	expect_secrets_error("bob : XAUTH 0x00ff\n", 1, "the XAUTH password holds a NUL byte");
	expect_secrets_error("bob : XAUTH 0x0\n", 1,
			     "the 0x XAUTH password needs an even number of hex digits");
}

static void test_passwd(void **state)
{
	char passwd[1536], yes[400], salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	struct capture cap;
	const struct conf *c;
	struct dir d;
	char *log;

	/* a yescrypt hash, made here: libxcrypt's default method */
	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)));
	assert_non_null(crypt_rn("yes pw", salt, cd, sizeof(*cd)));
	snprintf(yes, sizeof(yes), "%s", cd->output);
	free(cd);
	assert_int_equal(strncmp(yes, "$y$", 3), 0);
	snprintf(passwd, sizeof(passwd),
		 "# Libreswan's passwd: user:hash:conn\n"
		 "\n"
		 "alice:%s:rw\n"
		 "  bob:%s\n"
		 "carol:%s::10.3.0.9\r\n"
		 "gina:%s:grp\n",
		 sha512_hash, yes, md5_hash, sha512_hash);
	capture_start(&cap);
	dir_load(&d, server_conf, "bob : XAUTH \"plain\"\n", passwd, 0600);
	log = capture_end(&cap);
	if (d.ret)
		fail_msg("%s", d.err);
	c = d.c;
	assert_int_equal(c->nxauth_users, 5);
	assert_false(c->xauth_users[0].crypted); /* ipsec.secrets first */
	assert_true(c->xauth_users[1].crypted);
	assert_string_equal(c->xauth_users[1].user, "alice");
	assert_string_equal(c->xauth_users[1].conn, "rw");
	assert_string_equal(c->xauth_users[1].secret, sha512_hash);
	assert_string_equal(c->xauth_users[1].file, d.passwd);
	assert_int_equal(c->xauth_users[1].line, 3);
	assert_string_equal(c->xauth_users[2].conn, "");
	assert_contains(log, ":5: the hash of XAUTH user 'carol' is of a weak kind");
	assert_contains(log, ":5: the address of XAUTH user 'carol' is not used");
	free(log);

	assert_null(conf_xauth_password(c, "alice")); /* a hash is no client's password */
	expect(c, "rw", "alice", "correct horse", 0, "XAUTH user 'alice' authenticated");
	expect(c, "rw", "alice", "correct horse!", -EACCES,
	       "wrong password for XAUTH user 'alice'");
	expect(c, "other", "alice", "correct horse", -ENOENT,
	       "XAUTH user 'alice' is in passwd for other conns, not 'other'");
	expect(c, "rw", "bob", "yes pw", 0, NULL);
	expect(c, "other", "bob", "yes pw", 0, NULL);
	expect(c, "rw", "bob", "plain", 0, NULL); /* and his ipsec.secrets entry */
	expect(c, "rw", "bob", "yes pw2", -EACCES, NULL);
	expect(c, "rw", "carol", "old pw", 0, NULL);
	expect(c, "rw", "carol", "old", -EACCES, NULL);
	expect(c, "grp/2x1", "gina", "correct horse", 0, NULL); /* the group's name */
	expect(c, "rw", "gina", "correct horse", -ENOENT, NULL);
	expect(c, "rw", "nobody", "xyz", -ENOENT,
	       "no XAUTH user 'nobody' in ipsec.secrets or passwd");
	dir_free(&d);
}

static void expect_passwd_error(const char *passwd, mode_t mode, int want_ret, unsigned line,
				const char *msg)
{
	char want[1024], text[512];
	const char *p = strstr(msg, "PATH");
	struct dir d;

	dir_load(&d, server_conf, NULL, passwd, mode);
	if (p) /* PATH: the passwd file's */
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - msg), msg, d.passwd, p + 4);
	else
		snprintf(text, sizeof(text), "%s", msg);
	if (line)
		snprintf(want, sizeof(want), "%s:%u: %s", d.passwd, line, text);
	else
		snprintf(want, sizeof(want), "%s: %s", d.passwd, text);
	if (d.ret != want_ret || strcmp(d.err, want))
		fail_msg("want %d \"%s\"\n got %d \"%s\"", want_ret, want, d.ret, d.err);
	assert_null(d.c);
	dir_free(&d);
}

static void test_passwd_errors(void **state)
{
	char line[512];

	expect_passwd_error("#\nalice:notahash\n", 0600, -EINVAL, 2,
			    "the hash of XAUTH user 'alice' is none crypt(3) knows (make one with "
			    "openssl passwd -6, or mkpasswd -m yescrypt)");
	expect_passwd_error("alice\n", 0600, -EINVAL, 1,
			    "the passwd line has no hash after the user");
	expect_passwd_error("alice:\n", 0600, -EINVAL, 1,
			    "the passwd line has no hash after the user");
	expect_passwd_error(":x\n", 0600, -EINVAL, 1, "an XAUTH user name has 1 to 127 bytes");
	snprintf(line, sizeof(line), "alice:%s:rw:10.3.0.1:extra\n", sha512_hash);
	expect_passwd_error(line, 0600, -EINVAL, 1,
			    "a passwd line is user:hash, user:hash:conn or user:hash:conn:address");
	snprintf(line, sizeof(line), "alice:%s\n", sha512_hash);
	expect_passwd_error(line, 0644, -EACCES, 0,
			    "group or others may read or write the secrets file (mode 0644): "
			    "refusing to use it (chmod 600 PATH)");
}

/* ipsec.conf in a folder whose passwd is the system's: that is never read
 * as XAUTH users; ipsec.d/passwd there is (Libreswan's /etc layout). */
static void test_system_passwd(void **state)
{
	char ipsecd[160], path[200], line[512];
	struct dir d;

	dir_load(&d, "conn a\n left=10.0.0.1\n right=10.0.0.2\n", NULL, NULL, 0);
	assert_int_equal(d.ret, 0);
	conf_free(d.c);
	d.c = NULL;
	assert_int_equal(symlink("/etc/passwd", d.passwd), 0);
	d.ret = conf_load(d.conf, NULL, stub_is_local, (void *)here, &d.c, d.err, sizeof(d.err));
	if (d.ret)
		fail_msg("%s", d.err);
	assert_int_equal(d.c->nxauth_users, 0);
	conf_free(d.c);
	d.c = NULL;

	snprintf(ipsecd, sizeof(ipsecd), "%s/ipsec.d", d.path);
	assert_int_equal(mkdir(ipsecd, 0700), 0);
	snprintf(path, sizeof(path), "%s/passwd", ipsecd);
	snprintf(line, sizeof(line), "alice:%s\n", sha512_hash);
	write_file(path, line, 0600);
	d.ret = conf_load(d.conf, NULL, stub_is_local, (void *)here, &d.c, d.err, sizeof(d.err));
	if (d.ret)
		fail_msg("%s", d.err);
	assert_int_equal(d.c->nxauth_users, 1);
	assert_string_equal(d.c->xauth_users[0].file, path);
	unlink(path);
	dir_free(&d);
}

/* oakleyd checks passwords after it dropped root, under its seccomp
 * filter: crypt(3) must need no call the filter refuses (a child, since a
 * filter cannot be unloaded; a refused call ends it with 159). */
static int child(const struct conf *c)
{
	const struct conn *k = conf_conn(c, "rw");
	char why[256];

	if (priv_seccomp(why, sizeof(why)))
		return 2;
	if (conf_xauth_check(c, k, "alice", "correct horse", why, sizeof(why)) ||
	    conf_xauth_check(c, k, "bob", "yes pw", why, sizeof(why)) ||
	    conf_xauth_check(c, k, "bob", "wrong", why, sizeof(why)) != -EACCES)
		return 3;
	return 0;
}

static void test_under_seccomp(void **state)
{
	char passwd[1024], salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	int status = 0;
	struct dir d;
	pid_t pid;

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)));
	assert_non_null(crypt_rn("yes pw", salt, cd, sizeof(*cd)));
	snprintf(passwd, sizeof(passwd), "alice:%s\nbob:%s\n", sha512_hash, cd->output);
	free(cd);
	dir_load(&d, server_conf, NULL, passwd, 0600);
	assert_int_equal(d.ret, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(child(d.c));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	dir_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets_entries), cmocka_unit_test(test_secrets_errors),
		cmocka_unit_test(test_passwd),		cmocka_unit_test(test_passwd_errors),
		cmocka_unit_test(test_system_passwd),	cmocka_unit_test(test_under_seccomp),
	};

	log_setup(true, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
