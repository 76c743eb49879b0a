/* XAUTH users (issue 11): ipsec.secrets "USER : XAUTH secret" (strongSwan;
 * the password as given), Libreswan's passwd file ("user:crypt-hash",
 * optionally ":conn" and ":address"), and conf_xauth_check.
 *
 * The passwd file is the one beside the main ipsec.conf (for the default
 * /etc/oakley/ipsec.conf: /etc/oakley/passwd).  With ipsec.conf in /etc,
 * as Libreswan installs it, "beside" would be the system's /etc/passwd:
 * then /etc/ipsec.d/passwd is read, Libreswan's own place.  It is read
 * only when it is there, with the rules of the secrets file: root's (or
 * ours), and no access for group or others (conf_secret_file_check).
 *
 * A hash is checked with crypt(3) (libxcrypt: yescrypt, sha512-crypt,
 * sha256-crypt, bcrypt, md5-crypt...), crypt_rn into a buffer of our own;
 * a plain password is compared in constant time (the SHA-256 of both, so
 * that not even the length leaks).  Passwords never reach a log, and
 * every buffer that held one is wiped. */
#include <crypt.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "conf/ra.h"
#include "util/log.h"

#define USER_MAX   (sizeof(((struct conf_xauth_user *)0)->user) - 1)
#define SECRET_MAX (sizeof(((struct conf_xauth_user *)0)->secret) - 1)
#define CONN_MAX   (sizeof(((struct conf_xauth_user *)0)->conn) - 1)

/* Through a new block, so that realloc leaves no copy behind unwiped. */
static struct conf_xauth_user *user_new(struct conf_ctx *ctx)
{
	struct conf_xauth_user *all;

	if (ctx->nxauth_users == ctx->capxauth_users) {
		unsigned cap = ctx->capxauth_users ? 2 * ctx->capxauth_users : 8;

		all = calloc(cap, sizeof(*all));
		if (!all)
			return NULL;
		if (ctx->xauth_users) {
			memcpy(all, ctx->xauth_users, ctx->nxauth_users * sizeof(*all));
			OPENSSL_cleanse(ctx->xauth_users,
					ctx->capxauth_users * sizeof(*ctx->xauth_users));
			free(ctx->xauth_users);
		}
		ctx->xauth_users = all;
		ctx->capxauth_users = cap;
	}
	all = &ctx->xauth_users[ctx->nxauth_users];
	memset(all, 0, sizeof(*all));
	return all;
}

static const struct conf_xauth_user *find_user(const struct conf_ctx *ctx, const char *user,
					       bool crypted, const char *conn)
{
	unsigned i;

	for (i = 0; i < ctx->nxauth_users; i++) {
		const struct conf_xauth_user *u = &ctx->xauth_users[i];

		if (u->crypted == crypted && !strcmp(u->user, user) && !strcmp(u->conn, conn))
			return u;
	}
	return NULL;
}

int conf_xauth_secret_add(struct conf_ctx *ctx, const char *file, unsigned line, const char *user,
			  const uint8_t *secret, size_t len)
{
	const struct conf_xauth_user *twice;
	struct conf_xauth_user *u;

	if (!user[0] || strlen(user) > USER_MAX)
		return conf_error(ctx, file, line, "an XAUTH user name has 1 to %zu bytes",
				  USER_MAX);
	if (len > SECRET_MAX)
		return conf_error(ctx, file, line, "the XAUTH password is longer than %zu bytes",
				  SECRET_MAX);
	if (memchr(secret, 0, len))
		return conf_error(ctx, file, line, "the XAUTH password holds a NUL byte");
	twice = find_user(ctx, user, false, "");
	if (twice)
		log_warn("%s:%u: XAUTH user '%s' has a password at %s:%u already; either is taken",
			 file, line, user, twice->file, twice->line);
	u = user_new(ctx);
	if (!u)
		return -ENOMEM;
	memcpy(u->user, user, strlen(user) + 1);
	memcpy(u->secret, secret, len);
	u->file = file;
	u->line = line;
	ctx->nxauth_users++;
	return 0;
}

/* ---- Libreswan's passwd ---- */

/* The hash is one crypt(3) knows; a legacy one (DES, MD5) with a warning. */
static int check_hash(struct conf_ctx *ctx, const char *file, unsigned line, const char *user,
		      const char *hash)
{
	/* traditional DES: crypt_checksalt sees its two salt characters only */
	bool des = hash[0] != '$' && hash[0] != '_';

	switch (des && (strlen(hash) != 13 ||
			strspn(hash,
			       "./"
			       "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
				13)
			? CRYPT_SALT_INVALID
			: crypt_checksalt(hash)) {
	case CRYPT_SALT_OK:
		return 0;
	case CRYPT_SALT_METHOD_LEGACY:
	case CRYPT_SALT_TOO_CHEAP:
		log_warn("%s:%u: the hash of XAUTH user '%s' is of a weak kind; make a new one "
			 "(openssl passwd -6, or mkpasswd -m yescrypt)",
			 file, line, user);
		return 0;
	default:
		return conf_error(
			ctx, file, line,
			"the hash of XAUTH user '%s' is none crypt(3) knows (make one with "
			"openssl passwd -6, or mkpasswd -m yescrypt)",
			user);
	}
}

/* "user:hash[:conn[:address]]" */
static int passwd_line(struct conf_ctx *ctx, const char *file, unsigned line, char *p)
{
	char *field[5] = {p};
	unsigned n = 1;
	struct conf_xauth_user *u;
	int ret;

	while (n < 5 && (p = strchr(p, ':'))) {
		*p++ = 0;
		field[n++] = p;
	}
	if (n == 5)
		return conf_error(ctx, file, line,
				  "a passwd line is user:hash, user:hash:conn or "
				  "user:hash:conn:address");
	if (n < 2 || !field[1][0])
		return conf_error(ctx, file, line, "the passwd line has no hash after the user");
	if (!field[0][0] || strlen(field[0]) > USER_MAX)
		return conf_error(ctx, file, line, "an XAUTH user name has 1 to %zu bytes",
				  USER_MAX);
	if (strlen(field[1]) > SECRET_MAX)
		return conf_error(ctx, file, line, "the hash is longer than %zu bytes", SECRET_MAX);
	if (n > 2 && strlen(field[2]) > CONN_MAX)
		return conf_error(ctx, file, line, "no conn has so long a name as '%.20s...'",
				  field[2]);
	ret = check_hash(ctx, file, line, field[0], field[1]);
	if (ret)
		return ret;
	if (n > 3 && field[3][0])
		log_warn("%s:%u: the address of XAUTH user '%s' is not used (oakley hands out the "
			 "pool's addresses)",
			 file, line, field[0]);
	if (find_user(ctx, field[0], true, n > 2 ? field[2] : ""))
		log_warn("%s:%u: XAUTH user '%s' is in the passwd file twice; either hash is taken",
			 file, line, field[0]);
	u = user_new(ctx);
	if (!u)
		return -ENOMEM;
	strcpy(u->user, field[0]);
	strcpy(u->secret, field[1]);
	if (n > 2)
		strcpy(u->conn, field[2]);
	u->crypted = true;
	u->file = file;
	u->line = line;
	ctx->nxauth_users++;
	return 0;
}

/* DIR/passwd, or DIR/ipsec.d/passwd when DIR/passwd is the system's. */
static int passwd_path(const char *conf_path, char *out, size_t len)
{
	const char *slash = strrchr(conf_path, '/');
	int dirlen = slash ? (int)(slash - conf_path) : 1;
	const char *dir = slash ? conf_path : ".";
	char real[PATH_MAX];
	int r;

	if (slash == conf_path)
		dirlen = 0; /* "/ipsec.conf": the root */
	r = snprintf(out, len, "%.*s/passwd", dirlen, dir);
	if (r < 0 || (size_t)r >= len)
		return -ENAMETOOLONG;
	if (realpath(out, real) && !strcmp(real, "/etc/passwd")) {
		r = snprintf(out, len, "%.*s/ipsec.d/passwd", dirlen, dir);
		if (r < 0 || (size_t)r >= len)
			return -ENAMETOOLONG;
	}
	return 0;
}

int conf_passwd_load(struct conf_ctx *ctx, const char *conf_path)
{
	char path[4096], *data = NULL, *p, *end, *nl, *e;
	const char *file;
	unsigned line = 0;
	struct stat st;
	size_t len = 0;
	int ret;

	if (passwd_path(conf_path, path, sizeof(path)))
		return conf_error(ctx, NULL, 0, "the path of the passwd file is too long");
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	ret = conf_read_file(ctx, path, true, NULL, 0, &data, &len);
	if (ret)
		return ret;
	file = conf_file_name(ctx, path, NULL);
	if (!file)
		ret = -ENOMEM;
	for (p = data, end = data + len; !ret && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = 0;
		line++;
		for (e = nl; e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t');)
			*--e = 0;
		p += strspn(p, " \t");
		if (*p && *p != '#')
			ret = passwd_line(ctx, file, line, p);
	}
	OPENSSL_cleanse(data, len);
	free(data);
	return ret;
}

/* ---- the check ---- */

void conf_user_text(const char *user, char *out, size_t len)
{
	size_t o = 0, i;

	for (i = 0; user[i] && i < 64 && o + 5 < len; i++) {
		unsigned char c = (unsigned char)user[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
	}
	if (user[i] && o + 4 < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}

static bool plain_equal(const char *a, const char *b)
{
	uint8_t da[32], db[32];
	unsigned n = 0;
	bool eq;

	EVP_Digest(a, strlen(a), da, &n, EVP_sha256(), NULL);
	EVP_Digest(b, strlen(b), db, &n, EVP_sha256(), NULL);
	eq = n == 32 && !CRYPTO_memcmp(da, db, 32);
	OPENSSL_cleanse(da, sizeof(da));
	OPENSSL_cleanse(db, sizeof(db));
	return eq;
}

/* 1: the password's hash is the stored one; 0: not; -ENOMEM. */
static int crypted_equal(const char *password, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *got;
	int eq = 0;

	if (!cd)
		return -ENOMEM;
	got = crypt_rn(password, hash, cd, sizeof(*cd));
	if (got && got[0] != '*' && strlen(got) == strlen(hash))
		eq = !CRYPTO_memcmp(got, hash, strlen(hash));
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return eq;
}

/* A passwd line for conn "" (any), the conn's name or its group's. */
static bool for_conn(const struct conf_xauth_user *u, const struct conn *conn)
{
	char group[sizeof(conn->name)];

	if (!u->conn[0] || !strcmp(u->conn, conn->name))
		return true;
	return !conf_group_name(conn, group, sizeof(group)) && !strcmp(u->conn, group);
}

unsigned xauth_decoy_checks;

/* The loop's thread: what conn says of user, copied by value. */
int conf_xauth_plan(const struct conf *c, const struct conn *conn, const char *user,
		    struct conf_xauth_plan *p, char *why, size_t whylen)
{
	unsigned i, n = 0;

	memset(p, 0, sizeof(*p));
	conf_user_text(user, p->name, sizeof(p->name));
	snprintf(p->conn, sizeof(p->conn), "%s", conn->name);
	if (conn->ra.xauthby == XAUTHBY_PAM) {
		snprintf(why, whylen, "xauthby=pam: PAM checks XAUTH user '%s'", p->name);
		return -EOPNOTSUPP;
	}
	if (conn->ra.xauthby == XAUTHBY_ALWAYSOK) {
		snprintf(why, whylen,
			 "xauthby=alwaysok: XAUTH user '%s' taken without a password check",
			 p->name);
		log_warn("conn '%s': %s", conn->name, why);
		p->always_ok = true;
		return 0;
	}
	for (i = 0; i < c->nxauth_users; i++)
		n += !strcmp(c->xauth_users[i].user, user);
	if (n && !(p->cand = calloc(n, sizeof(*p->cand)))) {
		snprintf(why, whylen, "out of memory checking XAUTH user '%s'", p->name);
		return -ENOMEM;
	}
	for (i = 0; i < c->nxauth_users; i++) {
		const struct conf_xauth_user *u = &c->xauth_users[i];

		if (u->crypted && !p->decoy[0])
			memcpy(p->decoy, u->secret, sizeof(p->decoy));
		if (strcmp(u->user, user))
			continue;
		if (u->crypted && !for_conn(u, conn)) {
			p->other++;
			continue;
		}
		memcpy(p->cand[p->n].secret, u->secret, sizeof(u->secret));
		p->cand[p->n++].crypted = u->crypted;
	}
	return 0;
}

/* Any thread: touches p, password and why only. */
int conf_xauth_run(const struct conf_xauth_plan *p, const char *password, char *why, size_t whylen)
{
	unsigned i;
	int eq, ok = 0;

	if (p->always_ok) {
		snprintf(why, whylen,
			 "xauthby=alwaysok: XAUTH user '%s' taken without a password check",
			 p->name);
		return 0;
	}
	/* every entry of the user is checked, so that the time does not say which matched */
	for (i = 0; i < p->n; i++) {
		eq = p->cand[i].crypted ? crypted_equal(password, p->cand[i].secret)
					: plain_equal(password, p->cand[i].secret);
		if (eq < 0) {
			snprintf(why, whylen, "out of memory checking XAUTH user '%s'", p->name);
			return eq;
		}
		ok |= eq;
	}
	if (ok) {
		snprintf(why, whylen, "XAUTH user '%s' authenticated", p->name);
		return 0;
	}
	if (p->n) {
		snprintf(why, whylen, "wrong password for XAUTH user '%s'", p->name);
		return -EACCES;
	}
	/* An unknown user costs what a known one does (one crypt(3) with a
	 * hash of the passwd file), so that the time of the answer does not
	 * tell a guesser which user names exist. */
	if (p->decoy[0]) {
		__atomic_fetch_add(&xauth_decoy_checks, 1, __ATOMIC_RELAXED);
		crypted_equal(password, p->decoy);
	}
	if (p->other)
		snprintf(why, whylen, "XAUTH user '%s' is in passwd for other conns, not '%s'",
			 p->name, p->conn);
	else
		snprintf(why, whylen, "no XAUTH user '%s' in ipsec.secrets or passwd", p->name);
	return -ENOENT;
}

void conf_xauth_plan_free(struct conf_xauth_plan *p)
{
	if (p->cand)
		OPENSSL_cleanse(p->cand, p->n * sizeof(*p->cand));
	free(p->cand);
	OPENSSL_cleanse(p, sizeof(*p));
}

int conf_xauth_check(const struct conf *c, const struct conn *conn, const char *user,
		     const char *password, char *why, size_t whylen)
{
	struct conf_xauth_plan p;
	int err = conf_xauth_plan(c, conn, user, &p, why, whylen);

	if (!err)
		err = conf_xauth_run(&p, password, why, whylen);
	conf_xauth_plan_free(&p);
	return err;
}

const char *conf_xauth_password(const struct conf *c, const char *user)
{
	unsigned i;

	for (i = 0; user && i < c->nxauth_users; i++)
		if (!c->xauth_users[i].crypted && !strcmp(c->xauth_users[i].user, user))
			return c->xauth_users[i].secret;
	return NULL;
}
