/* ipsec.secrets: "[ID [ID]] : PSK secret" entries, as strongSwan and
 * Libreswan write them.
 *
 * The IDs are read as leftid= is; %any stands for any ID.  The separator is
 * a ':' on its own (IPv6 IDs hold colons).  The secret is "quoted" or
 * 'quoted' (taken as it is), 0x followed by hex, 0s followed by base64, or
 * a bare word.  An entry may run over several lines when the lines after
 * its first are indented, as Libreswan allows; a '#' that starts a word
 * starts a comment.  "include PATTERN" works as in ipsec.conf.  ": RSA
 * FILE" and ": ECDSA FILE" name private keys (certs.c); "USER : XAUTH
 * secret" (strongSwan) is an XAUTH user's password, its secret written as
 * a PSK's (xauth.c).  Entries of other types (P12, EAP, ...) are skipped
 * with a warning.
 *
 * Secrets never reach a log; every buffer that held them is wiped. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "conf/internal.h"
#include "conf/ra.h"
#include "util/log.h"

struct stok {
	const char *s;
	bool quoted;
	unsigned line;
};

struct sreader {
	struct conf_ctx *ctx;
	const char *file;
	unsigned line;
	char *w;	/* where the next token's text goes (a wiped scratch) */
	struct stok *t; /* tokens of the entry being read */
	unsigned n, cap;
	unsigned start;	  /* line where the entry began */
	const char *what; /* "PSK", "XAUTH password": for messages */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int push(struct sreader *r, const char *s, bool quoted)
{
	if (r->n == r->cap) {
		unsigned cap = r->cap ? 2 * r->cap : 16;
		struct stok *t = realloc(r->t, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		r->t = t;
		r->cap = cap;
	}
	r->t[r->n++] = (struct stok){s, quoted, r->line};
	return 0;
}

static int lex(struct sreader *r, const char *p)
{
	while (*p) {
		const char *s = r->w;
		bool quoted = false;
		int ret;

		if (is_blank(*p)) {
			p++;
			continue;
		}
		if (*p == '#')
			break;
		if (*p == '"' || *p == '\'') {
			char q = *p++;

			while (*p && *p != q)
				*r->w++ = *p++;
			if (!*p)
				return conf_error(r->ctx, r->file, r->line,
						  "unterminated quoted string");
			p++;
			quoted = true;
		} else {
			while (*p && !is_blank(*p))
				*r->w++ = *p++;
		}
		*r->w++ = 0;
		ret = push(r, s, quoted);
		if (ret)
			return ret;
	}
	return 0;
}

static bool is_sep(const struct stok *t)
{
	return !t->quoted && !strcmp(t->s, ":");
}

static int find_sep(const struct sreader *r)
{
	unsigned i;

	for (i = 0; i < r->n; i++)
		if (is_sep(&r->t[i]))
			return (int)i;
	return -1;
}

static int incomplete(struct sreader *r)
{
	int c = find_sep(r);

	if (c < 0)
		return conf_error(r->ctx, r->file, r->start,
				  "the entry has no ' : ' between the IDs and the secret type");
	if ((unsigned)c + 1 >= r->n)
		return conf_error(r->ctx, r->file, r->start,
				  "the entry has no secret type after ':'");
	return conf_error(r->ctx, r->file, r->start, "the entry has no secret after %s",
			  r->t[c + 1].s);
}

static int b64(const char *s, uint8_t *out, size_t *len)
{
	uint8_t tmp[3 * 344 / 4];
	size_t n = strlen(s), pad = 0;
	int got;

	if (!n || n % 4 || n > 344)
		return -EINVAL;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	got = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	if (got < 0 || (size_t)got < pad || (size_t)got - pad > 256) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return -EINVAL;
	}
	*len = (size_t)got - pad;
	memcpy(out, tmp, *len);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return 0;
}

static int read_psk(struct sreader *r, const struct stok *t, struct conf_secret *sec)
{
	const char *s = t->s;
	size_t n = strlen(s);

	if (!t->quoted && (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))) {
		int ret = conf_unhex(s + 2, sec->psk, sizeof(sec->psk), &sec->psklen);

		if (ret == -ENOSPC)
			return conf_error(r->ctx, r->file, t->line,
					  "the %s is longer than 256 bytes", r->what);
		if (ret)
			return conf_error(r->ctx, r->file, t->line,
					  "the 0x %s needs an even number of hex digits", r->what);
		return 0;
	}
	if (!t->quoted && !strncmp(s, "0s", 2)) {
		if (b64(s + 2, sec->psk, &sec->psklen))
			return conf_error(r->ctx, r->file, t->line,
					  "the 0s %s is not base64 of at most 256 bytes", r->what);
		return 0;
	}
	if (!n)
		return conf_error(r->ctx, r->file, t->line, "the %s is empty", r->what);
	if (n > sizeof(sec->psk))
		return conf_error(r->ctx, r->file, t->line, "the %s is longer than 256 bytes",
				  r->what);
	memcpy(sec->psk, s, n);
	sec->psklen = n;
	return 0;
}

static int add_secret(struct sreader *r, unsigned nids, const struct stok *secret)
{
	struct conf_ctx *ctx = r->ctx;
	struct conf_secret *sec, *all;
	const char *why;
	unsigned i;
	int ret;

	if (nids > 2)
		return conf_error(ctx, r->file, r->t[2].line,
				  "more than two IDs before ':' (%s); oakley takes a local and a "
				  "remote one",
				  r->t[2].s);
	if (ctx->nsecrets == ctx->capsecrets) {
		/* Through a new block: the old one is wiped, not left to realloc. */
		unsigned cap = ctx->capsecrets ? 2 * ctx->capsecrets : 16;

		all = calloc(cap, sizeof(*all));
		if (!all)
			return -ENOMEM;
		if (ctx->secrets) {
			memcpy(all, ctx->secrets, ctx->nsecrets * sizeof(*all));
			OPENSSL_cleanse(ctx->secrets, ctx->capsecrets * sizeof(*all));
			free(ctx->secrets);
		}
		ctx->secrets = all;
		ctx->capsecrets = cap;
	}
	sec = &ctx->secrets[ctx->nsecrets];
	memset(sec, 0, sizeof(*sec));
	for (i = 0; i < nids; i++) {
		if (conf_id_parse(r->t[i].s, &sec->ids[i], &why))
			return conf_error(ctx, r->file, r->t[i].line, "ID '%s' %s", r->t[i].s, why);
		sec->any[i] = sec->ids[i].type == CONF_ID_ANY;
	}
	sec->nids = nids;
	sec->file = r->file;
	sec->line = r->start;
	ret = read_psk(r, secret, sec);
	if (ret) {
		OPENSSL_cleanse(sec, sizeof(*sec));
		return ret;
	}
	ctx->nsecrets++;
	return 0;
}

/* "USER... : XAUTH secret": one XAUTH user per ID (a leading '@' dropped,
 * as strongSwan and Libreswan read "@user"). */
static int add_xauth(struct sreader *r, unsigned nusers, const struct stok *secret)
{
	struct conf_secret tmp;
	unsigned i;
	int ret;

	if (!nusers)
		return conf_error(r->ctx, r->file, r->start,
				  "an XAUTH entry names its user before ':' (USER : XAUTH "
				  "\"password\")");
	memset(&tmp, 0, sizeof(tmp));
	r->what = "XAUTH password";
	ret = read_psk(r, secret, &tmp);
	r->what = "PSK";
	for (i = 0; !ret && i < nusers; i++) {
		const char *u = r->t[i].s;

		if (!r->t[i].quoted && u[0] == '@' && u[1])
			u++;
		ret = conf_xauth_secret_add(r->ctx, r->file, r->t[i].line, u, tmp.psk, tmp.psklen);
	}
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return ret;
}

/* 0: the entry is complete (and kept or skipped), 1: it needs more lines. */
static int try_entry(struct sreader *r)
{
	static const char *const later[] = {"P12", "PIN", "EAP", "NTLM", "PPK", NULL};
	const struct stok *type;
	int c = find_sep(r);
	unsigned i;

	if (c < 0 || (unsigned)c + 1 >= r->n)
		return 1;
	type = &r->t[c + 1];
	for (i = 0; later[i] && strcasecmp(type->s, later[i]); i++)
		;
	bool key = !strcasecmp(type->s, "RSA") || !strcasecmp(type->s, "ECDSA");
	bool xauth = !strcasecmp(type->s, "XAUTH");

	if (strcasecmp(type->s, "PSK") && !key && !xauth && !later[i])
		return conf_error(r->ctx, r->file, type->line,
				  "unknown secret type '%s' (oakley reads PSK, RSA, ECDSA and "
				  "XAUTH entries)",
				  type->s);
	if ((unsigned)c + 2 >= r->n)
		return 1;
	if (key) /* ": RSA FILE" / ": ECDSA FILE": the key of a leftcert= (certs.c) */
		return conf_secret_key(r->ctx, r->file, type->line, type->s, r->t[c + 2].s,
				       (unsigned)c + 3 < r->n);
	if (later[i]) {
		log_warn("%s:%u: %s entries are not supported yet; skipped", r->file, r->start,
			 later[i]);
		return 0;
	}
	if ((unsigned)c + 3 < r->n)
		return conf_error(r->ctx, r->file, r->t[c + 3].line,
				  "unexpected '%s' after the secret", r->t[c + 3].s);
	if (xauth)
		return add_xauth(r, (unsigned)c, &r->t[c + 2]);
	return add_secret(r, (unsigned)c, &r->t[c + 2]);
}

static int one_line(struct sreader *r, const char *p)
{
	bool indented = is_blank(*p);
	unsigned first = r->n;
	int ret;

	ret = lex(r, p);
	if (ret || r->n == first)
		return ret;
	if (first && !indented) {
		r->n = first; /* the unfinished entry alone */
		return incomplete(r);
	}
	if (!first) {
		if (!r->t[0].quoted && !strcmp(r->t[0].s, "include")) {
			if (r->n != 2)
				return conf_error(r->ctx, r->file, r->line,
						  "include takes one file name or pattern");
			r->n = 0;
			return conf_include(r->ctx, r->file, r->line, r->t[1].s, secrets_load);
		}
		r->start = r->line;
	}
	ret = try_entry(r);
	if (ret == 0)
		r->n = 0;
	return ret < 0 ? ret : 0;
}

int secrets_load(struct conf_ctx *ctx, const char *path, const char *from, unsigned from_line)
{
	struct sreader r = {.ctx = ctx, .what = "PSK"};
	char *data = NULL, *scratch = NULL, *p, *end;
	size_t len = 0;
	int ret;

	ret = conf_read_file(ctx, path, true, from, from_line, &data, &len);
	if (ret)
		return ret;
	ret = -ENOMEM;
	r.file = conf_file_name(ctx, path, NULL);
	scratch = malloc(2 * len + 2);
	if (!r.file || !scratch)
		goto out;
	r.w = scratch;
	ret = 0;
	for (p = data, end = data + len; p < end && !ret; p++) {
		char *nl = memchr(p, '\n', end - p);

		if (!nl)
			nl = end;
		*nl = 0;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = 0;
		r.line++;
		ret = one_line(&r, p);
		p = nl;
	}
	if (!ret && r.n)
		ret = incomplete(&r);
out:
	free(r.t);
	if (scratch) {
		OPENSSL_cleanse(scratch, 2 * len + 2);
		free(scratch);
	}
	OPENSSL_cleanse(data, len);
	free(data);
	return ret;
}
