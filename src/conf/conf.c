/* conf_load and what every reader shares: errors, file names, reading
 * files, includes, and the handing of sections to setup.c and conn.c. */
#include "conf/conf.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "conf/internal.h"
#include "conf/ra.h"
#include "util/log.h"

int conf_error(struct conf_ctx *ctx, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (ctx->failed)
		return -EINVAL;
	ctx->failed = true;
	if (!ctx->err || !ctx->errlen)
		return -EINVAL;
	if (file && line)
		n = snprintf(ctx->err, ctx->errlen, "%s:%u: ", file, line);
	else if (file)
		n = snprintf(ctx->err, ctx->errlen, "%s: ", file);
	if (n < 0 || (size_t)n >= ctx->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint32_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static void file_put(struct file_slot *slot, unsigned mask, struct file_slot s)
{
	unsigned k;

	for (k = s.hash & mask; slot[k].idx; k = (k + 1) & mask)
		;
	slot[k] = s;
}

/* The hash of file names: an include of thousands of files would
 * otherwise compare every name with every other. */
static int files_grow(struct conf_ctx *ctx)
{
	unsigned n = ctx->file_by_name ? 2 * (ctx->file_mask + 1) : 16, i;
	struct file_slot *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (i = 0; ctx->file_by_name && i <= ctx->file_mask; i++)
		if (ctx->file_by_name[i].idx)
			file_put(slot, n - 1, ctx->file_by_name[i]);
	free(ctx->file_by_name);
	ctx->file_by_name = slot;
	ctx->file_mask = n - 1;
	return 0;
}

static long file_find(const struct conf_ctx *ctx, const char *path, uint32_t h)
{
	unsigned k;

	if (!ctx->file_by_name)
		return -1;
	for (k = h & ctx->file_mask; ctx->file_by_name[k].idx; k = (k + 1) & ctx->file_mask)
		if (ctx->file_by_name[k].hash == h &&
		    !strcmp(ctx->files[ctx->file_by_name[k].idx - 1], path))
			return (long)ctx->file_by_name[k].idx - 1;
	return -1;
}

const char *conf_file_name(struct conf_ctx *ctx, const char *path, unsigned *idx)
{
	uint32_t h = path_hash(path);
	long i = file_find(ctx, path, h);
	char **files;

	if (i < 0) {
		/* struct origin keeps the index in 24 bits */
		if (ctx->nfiles >= (1u << 24))
			return NULL;
		if (2 * (ctx->nfiles + 1) > ctx->file_mask + 1 && files_grow(ctx))
			return NULL;
		/* capacity: the next power of two */
		if (!(ctx->nfiles & (ctx->nfiles - 1))) {
			files = realloc(ctx->files,
					(ctx->nfiles ? 2 * ctx->nfiles : 1) * sizeof(*files));
			if (!files)
				return NULL;
			ctx->files = files;
		}
		ctx->files[ctx->nfiles] = strdup(path);
		if (!ctx->files[ctx->nfiles])
			return NULL;
		i = ctx->nfiles++;
		file_put(ctx->file_by_name, ctx->file_mask, (struct file_slot){(uint32_t)i + 1, h});
	}
	if (idx)
		*idx = (unsigned)i;
	return ctx->files[i];
}

static int io_error(struct conf_ctx *ctx, int err, const char *path, const char *from,
		    unsigned line)
{
	if (from)
		conf_error(ctx, from, line, "cannot read include '%s': %s", path, strerror(err));
	else
		conf_error(ctx, NULL, 0, "cannot read %s: %s", path, strerror(err));
	return -err;
}

/* As OpenSSH refuses a private key others can read: the PSKs are the
 * tunnels' keys.  Root's file (or ours, when oakleyd runs as a user). */
int conf_secret_file_check(struct conf_ctx *ctx, const char *path, const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		conf_error(ctx, path, 0,
			   "the secrets file is owned by uid %u, not root: refusing to use it "
			   "(chown root %s)",
			   (unsigned)st->st_uid, path);
		return -EACCES;
	}
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		conf_error(ctx, path, 0,
			   "group or others may read or write the secrets file (mode %04o): "
			   "refusing to use it (chmod 600 %s)",
			   (unsigned)(st->st_mode & 07777), path);
		return -EACCES;
	}
	return 0;
}

int conf_read_file(struct conf_ctx *ctx, const char *path, bool secret, const char *from,
		   unsigned line, char **data, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_error(ctx, errno, path, from, line);
	if (fstat(fd, &st) < 0) {
		ret = io_error(ctx, errno, path, from, line);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_FILE_BYTES) {
		ret = io_error(ctx, S_ISREG(st.st_mode) ? EFBIG : EINVAL, path, from, line);
		goto out;
	}
	if (secret) {
		ret = conf_secret_file_check(ctx, path, &st);
		if (ret)
			goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = io_error(ctx, errno, path, from, line);
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = 0;
	if (memchr(buf, 0, got)) {
		ret = conf_error(ctx, path, 0, "the file holds a NUL byte; is it text?");
		goto out;
	}
	*data = buf;
	*len = got;
	buf = NULL;
	ret = 0;
out:
	if (buf) {
		OPENSSL_cleanse(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return ret;
}

static bool has_glob_chars(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static _Thread_local int glob_errno;

static int glob_err(const char *path, int err)
{
	glob_errno = err;
	return 1;
}

int conf_include(struct conf_ctx *ctx, const char *file, unsigned line, const char *pattern,
		 int (*load)(struct conf_ctx *ctx, const char *path, const char *from,
			     unsigned from_line))
{
	char path[4096], dir[4096];
	glob_t g;
	size_t i;
	int r, ret = 0;

	if (ctx->depth >= CONF_MAX_INCLUDE_DEPTH)
		return conf_error(ctx, file, line, "includes nest deeper than %d",
				  CONF_MAX_INCLUDE_DEPTH);
	if (pattern[0] == '/') {
		r = snprintf(path, sizeof(path), "%s", pattern);
	} else {
		snprintf(dir, sizeof(dir), "%s", file);
		r = snprintf(path, sizeof(path), "%s/%s", dirname(dir), pattern);
	}
	if (r < 0 || (size_t)r >= sizeof(path))
		return conf_error(ctx, file, line, "include path is too long");
	if (!has_glob_chars(path)) {
		ctx->depth++;
		ret = load(ctx, path, file, line);
		ctx->depth--;
		return ret;
	}
	glob_errno = 0;
	r = glob(path, GLOB_ERR, glob_err, &g);
	/* a folder that is not there (Libreswan's include of
	 * ipsec.d/STAR.conf with no ipsec.d) matches nothing either */
	if (r == GLOB_ABORTED && (glob_errno == ENOENT || glob_errno == ENOTDIR)) {
		globfree(&g);
		r = GLOB_NOMATCH;
	}
	if (r == GLOB_NOMATCH) {
		log_debug("%s:%u: include %s matches no file", file, line, path);
		return 0;
	}
	if (r)
		return conf_error(ctx, file, line, "cannot expand include '%s'", path);
	ctx->depth++;
	for (i = 0; i < g.gl_pathc && !ret; i++)
		ret = load(ctx, g.gl_pathv[i], file, line);
	ctx->depth--;
	globfree(&g);
	return ret;
}

int conf_begin_setup(struct conf_ctx *ctx, const char *file, unsigned line)
{
	ctx->where = IN_SETUP;
	return 0;
}

_Static_assert(offsetof(struct section, name) == 0 && offsetof(struct conn, name) == 0,
	       "the name indices find a record's name at its start");

int conf_find_section(const struct conf_ctx *ctx, const char *name)
{
	return (int)name_index_find(&ctx->sec_by_name, ctx->secs, sizeof(*ctx->secs), name);
}

int conf_begin_conn(struct conf_ctx *ctx, const char *name, const char *file, unsigned line)
{
	struct section *secs, *s;
	unsigned cap;
	int i;

	if (strlen(name) >= sizeof(s->name))
		return conf_error(ctx, file, line, "conn name '%.20s...' is longer than %zu bytes",
				  name, sizeof(s->name) - 1);
	i = conf_find_section(ctx, name);
	if (i >= 0)
		return conf_error(ctx, file, line, "conn '%s' is defined twice (first at %s:%u)",
				  name, ctx->secs[i].file, ctx->secs[i].line);
	if (ctx->nsecs == ctx->capsecs) {
		cap = ctx->capsecs ? 2 * ctx->capsecs : 16;
		secs = realloc(ctx->secs, cap * sizeof(*secs));
		if (!secs)
			return -ENOMEM;
		ctx->secs = secs;
		ctx->capsecs = cap;
	}
	s = &ctx->secs[ctx->nsecs];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->file = file;
	s->line = line;
	if (name_index_add(&ctx->sec_by_name, ctx->secs, sizeof(*ctx->secs), ctx->nsecs))
		return -ENOMEM;
	ctx->nsecs++;
	ctx->where = IN_CONN;
	ctx->cur = ctx->nsecs - 1;
	return 0;
}

int conf_setting(struct conf_ctx *ctx, const struct setting *s)
{
	switch (ctx->where) {
	case IN_SETUP:
		return setup_setting(ctx, s);
	case IN_CONN:
		return conf_dialect_setting_in(ctx, &ctx->secs[ctx->cur], s); /* dialect.c */
	case IN_NONE:
		break;
	}
	return conf_error(ctx, s->file, s->line,
			  "'%s=' stands before any section (start one with 'config setup' or "
			  "'conn NAME')",
			  s->key);
}

static void ctx_free(struct conf_ctx *ctx)
{
	unsigned i;

	for (i = 0; i < ctx->nsecs; i++) {
		free(ctx->secs[i].also);
		free(ctx->secs[i].err);
	}
	free(ctx->secs);
	for (i = 0; i < ctx->nlists; i++)
		free(ctx->lists[i]);
	free(ctx->lists);
	name_index_free(&ctx->sec_by_name);
	if (ctx->secrets) {
		OPENSSL_cleanse(ctx->secrets, ctx->nsecrets * sizeof(*ctx->secrets));
		free(ctx->secrets);
	}
	for (i = 0; i < ctx->nfiles; i++)
		free(ctx->files[i]);
	free(ctx->files);
	free(ctx->file_by_name);
	free(ctx->ids);
	conf_subnets_free(ctx);
	conf_blobs_free(ctx->certs, ctx->ncerts, false);
	conf_blobs_free(ctx->keys, ctx->nkeys, true);
	conf_blobs_free(ctx->cacerts, ctx->ncacerts, false);
	conf_blobs_free(ctx->crls, ctx->ncrls, false);
	conf_ra_free(ctx);
}

int conf_load(const char *conf_path, const char *secrets_path, conf_is_local_fn is_local, void *arg,
	      struct conf **out, char *err, size_t errlen)
{
	struct conf_ctx ctx = {.err = err, .errlen = errlen};
	struct ifaddrs *ifa = NULL;
	struct conf *c = NULL;
	int ret;

	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	ctx.setup.dataplane = DATAPLANE_KERNEL;
	ctx.setup.uniqueids = true;
	ctx.setup.keep_alive_s = CONF_KEEP_ALIVE_DEFAULT;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (!is_local) {
		if (getifaddrs(&ifa) < 0) {
			ret = -errno;
			conf_error(&ctx, NULL, 0, "getifaddrs: %s", strerror(errno));
			goto out;
		}
		is_local = conf_addr_is_local_ifaddrs;
		arg = ifa;
	}
	ret = conf_parse_file(&ctx, conf_path, NULL, 0);
	if (ret)
		goto out;
	ret = conf_resolve(&ctx, is_local, arg, &c->conns, &c->nconns);
	if (ret)
		goto out;
	if (secrets_path) {
		ctx.depth = 0;
		ret = secrets_load(&ctx, secrets_path, NULL, 0);
		if (ret)
			goto out;
	}
	ret = conf_passwd_load(&ctx, conf_path); /* Libreswan's XAUTH users */
	if (!ret)
		ret = conf_certs_finish(&ctx, c);
	if (!ret)
		ret = conf_ra_finish(&ctx, c);
	if (ret)
		goto out;
	c->setup = ctx.setup;
	c->secrets = ctx.secrets;
	c->nsecrets = ctx.nsecrets;
	c->files = ctx.files;
	c->nfiles = ctx.nfiles;
	ctx.secrets = NULL;
	ctx.nsecrets = 0;
	ctx.files = NULL;
	ctx.nfiles = 0;
	ret = conf_index(c);
	if (ret)
		goto out;
	*out = c;
	c = NULL;
out:
	if (ret == -ENOMEM && err && errlen && !ctx.failed)
		snprintf(err, errlen, "out of memory");
	if (ifa)
		freeifaddrs(ifa);
	conf_free(c);
	ctx_free(&ctx);
	return ret;
}

void conf_free(struct conf *c)
{
	unsigned i;

	if (!c)
		return;
	if (c->secrets) {
		OPENSSL_cleanse(c->secrets, c->nsecrets * sizeof(*c->secrets));
		free(c->secrets);
	}
	free(c->conns);
	conf_blobs_free(c->certs, c->ncerts, false);
	conf_blobs_free(c->keys, c->nkeys, true); /* wiped */
	conf_blobs_free(c->cacerts, c->ncacerts, false);
	conf_blobs_free(c->crls, c->ncrls, false);
	name_index_free(&c->by_name);
	conf_psk_index_free(c->psk_index);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->pools);
	for (i = 0; i < c->nstrings; i++)
		free(c->strings[i]);
	free(c->strings);
	if (c->xauth_users) { /* passwords and hashes */
		OPENSSL_cleanse(c->xauth_users, c->nxauth_users * sizeof(*c->xauth_users));
		free(c->xauth_users);
	}
	free(c);
}

int conf_index(struct conf *c)
{
	unsigned i;
	int err;

	name_index_free(&c->by_name);
	conf_psk_index_free(c->psk_index);
	c->psk_index = NULL;
	err = name_index_reserve(&c->by_name, c->nconns);
	for (i = 0; i < c->nconns && !err; i++)
		err = name_index_add(&c->by_name, c->conns, sizeof(*c->conns), i);
	if (!err)
		err = conf_psk_index_build(c, &c->psk_index);
	if (err)
		name_index_free(&c->by_name);
	return err;
}

const struct conn *conf_conn(const struct conf *c, const char *name)
{
	unsigned i;
	long k;

	/* A conf put together by hand (tests) may have no index, or one
	 * that no longer counts its conns: then search in turn. */
	if (c->by_name.slot && c->by_name.n == c->nconns) {
		k = name_index_find(&c->by_name, c->conns, sizeof(*c->conns), name);
		return k < 0 ? NULL : &c->conns[k];
	}
	for (i = 0; i < c->nconns; i++)
		if (!strcmp(c->conns[i].name, name))
			return &c->conns[i];
	return NULL;
}
