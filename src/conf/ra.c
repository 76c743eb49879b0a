/* The remote-access keys of a conn section (issue 11), both dialects, and
 * the conn_ra they make (conf.h says what each field means).
 *
 * strongSwan: authby=xauthpsk|xauthrsasig with xauth=client|server
 * (client by default); leftauth=/rightauth= (psk, pubkey, rsa, ecdsa: one
 * method for both ends, as IKEv1 has) with leftauth2=xauth (we are the
 * XAUTH client) or rightauth2=xauth (we are its server; xauth-generic,
 * xauth-pam and xauth-noauth name the server's backend: file, pam,
 * alwaysok); xauth_identity=; leftsourceip=%config (%cfg, %modecfg,
 * %config4, %config6): we take an address; rightsourceip=POOL: we hand
 * them out; modeconfig=push|pull (pull by default); rightdns=.
 *
 * Libreswan: leftxauthserver=yes or rightxauthclient=yes (we are the XAUTH
 * server), leftxauthclient=yes or rightxauthserver=yes (its client),
 * leftusername= (leftxauthusername=), leftmodecfgserver=yes or
 * rightmodecfgclient=yes (we hand out), leftmodecfgclient=yes or
 * rightmodecfgserver=yes (we take), rightaddresspool=POOL, modecfgdns=
 * (and the older modecfgdns1=, modecfgdns2=), modecfgbanner=,
 * modecfgdomains= (modecfgdomain=), modecfgpull=yes|no (Libreswan's
 * default: no, the server pushes; it applies when only Libreswan's keys
 * made the conn Mode Config), xauthby=file|pam|alwaysok, xauthfail=hard
 * (soft is read as hard, with a warning), cisco-unity=yes|no,
 * remote-peer-type=cisco|ietf (accepted; nothing depends on it).
 *
 * The keys name left and right; which end is ours is known only once the
 * conn's ends are resolved, so the checks that need it run then
 * (conf_ra_resolve) and name the key as written and its line. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conf/ra.h"
#include "util/log.h"
#include "wire/isakmp.h"

#define RA_STRING_MAX 2048 /* a banner; a user name is at most 127 bytes */

typedef int (*ra_parse_fn)(struct conf_ctx *ctx, const struct setting *s, void *field);

static int bad(struct conf_ctx *ctx, const struct setting *s, const char *takes)
{
	return conf_error(ctx, s->file, s->line, "%s= takes %s, not '%s'", s->key, takes, s->value);
}

/* value: the index of s->value in names, NULL-terminated. */
static int pick(struct conf_ctx *ctx, const struct setting *s, const char *const *names,
		const char *takes, uint8_t *out)
{
	unsigned i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s->value, names[i])) {
			*out = (uint8_t)i;
			return 0;
		}
	return bad(ctx, s, takes);
}

static int parse_yesno(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"no", "yes", NULL};
	uint8_t v;
	int ret = pick(ctx, s, names, "yes or no", &v);

	*(bool *)field = v;
	return ret;
}

static int parse_xauth(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"", "server", "client", NULL};

	if (!s->value[0])
		return bad(ctx, s, "client or server");
	return pick(ctx, s, names, "client or server", field); /* enum conn_xauth */
}

static int parse_auth(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const struct {
		const char *name;
		uint8_t authby;
	} names[] = {
		{"psk", IKE_AUTH_PSK},		 {"secret", IKE_AUTH_PSK},
		{"pubkey", CONF_AUTHBY_PUBKEY},	 {"rsa", CONF_AUTHBY_RSA},
		{"rsasig", CONF_AUTHBY_RSA},	 {"ecdsa", CONF_AUTHBY_ECDSA},
		{"ecdsasig", CONF_AUTHBY_ECDSA},
	};
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s->value, names[i].name)) {
			*(uint8_t *)field = names[i].authby;
			return 0;
		}
	if (!strncmp(s->value, "xauth", 5))
		return conf_error(ctx, s->file, s->line,
				  "%s=%s: XAUTH is the second round in IKEv1 (%s2=xauth)", s->key,
				  s->value, s->key);
	return bad(ctx, s, "psk, pubkey, rsa or ecdsa");
}

static int parse_auth2(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"",		 "xauth",	 "xauth-generic",
					    "xauth-pam", "xauth-noauth", NULL};

	if (!s->value[0])
		return bad(ctx, s, "xauth");
	return pick(ctx, s, names, "xauth, xauth-generic, xauth-pam or xauth-noauth", field);
}

static int parse_string(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	if (!s->value[0] || strlen(s->value) > RA_STRING_MAX)
		return bad(ctx, s, "a text of 1 to 2048 bytes");
	return conf_string_add(ctx, s->value, field);
}

static int parse_user(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	if (!s->value[0] || strlen(s->value) >= sizeof(((struct conf_xauth_user *)0)->user))
		return bad(ctx, s, "a user name of 1 to 127 bytes");
	return conf_string_add(ctx, s->value, field);
}

static bool is_config(const char *v)
{
	static const char *const names[] = {"%config",	"%cfg",	    "%modecfg",
					    "%config4", "%config6", NULL};
	unsigned i;

	for (i = 0; names[i]; i++)
		if (!strcmp(v, names[i]))
			return true;
	return false;
}

static int parse_sourceip(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	uint32_t idx;
	int ret;

	if (is_config(s->value)) {
		*(uint32_t *)field = RA_SOURCEIP_CONFIG;
		return 0;
	}
	if (s->value[0] == '%')
		return conf_error(ctx, s->file, s->line,
				  "%s=%s: named pools are not supported (a CIDR such as "
				  "10.3.0.0/24, FIRST-LAST, or %%config)",
				  s->key, s->value);
	ret = conf_pool_add(ctx, s, &idx);
	if (!ret)
		*(uint32_t *)field = idx + 2;
	return ret;
}

static int parse_pool(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	uint32_t idx;
	int ret = conf_pool_add(ctx, s, &idx);

	if (!ret)
		*(uint32_t *)field = idx + 1;
	return ret;
}

/* The list is checked here and kept as written; conf_ra_resolve reads it
 * again into addresses. */
static int dns_list(struct conf_ctx *ctx, const struct setting *s, void *field, bool config_ok,
		    bool one)
{
	struct conf_addr a[CONF_MAX_DNS];
	unsigned nconfig;
	const char *why;
	uint8_t n;

	if (conf_dns_parse(s->value, a, &n, config_ok ? &nconfig : NULL, &why))
		return conf_error(ctx, s->file, s->line, "%s=%s %s", s->key, s->value, why);
	if (one && n != 1)
		return bad(ctx, s, "one address");
	return conf_string_add(ctx, s->value, field);
}

static int parse_side_dns(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	return dns_list(ctx, s, field, true, false);
}

static int parse_dns(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	return dns_list(ctx, s, field, false, false);
}

static int parse_dns1(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	return dns_list(ctx, s, field, false, true);
}

static int parse_domains(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	size_t len = strcspn(s->value, ", \t");

	if (!len || len > 255)
		return bad(ctx, s, "a list of domain names");
	return conf_string_add(ctx, s->value, field);
}

static int parse_modeconfig(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"push", "pull", NULL};
	uint8_t v;
	int ret = pick(ctx, s, names, "push or pull", &v);

	*(bool *)field = v;
	return ret;
}

static int parse_xauthby(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"file", "pam", "alwaysok", NULL};

	return pick(ctx, s, names, "file, pam or alwaysok", field); /* enum conn_xauthby */
}

static int parse_xauthfail(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"hard", "soft", NULL};
	int ret = pick(ctx, s, names, "hard or soft", field);

	if (!ret && *(uint8_t *)field)
		log_warn("%s:%u: xauthfail=soft: oakley treats a failed XAUTH as hard (no IPsec "
			 "SA, the ISAKMP SA deleted)",
			 s->file, s->line);
	return ret;
}

static int parse_peer_type(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"ietf", "cisco", NULL};

	return pick(ctx, s, names, "cisco or ietf", field);
}

#define F(field) offsetof(struct ra_opts, field), sizeof(((struct ra_opts *)0)->field)

static const struct ra_key_def {
	const char *name;
	enum ra_key key;
	ra_parse_fn parse;
	size_t off, size;
} ra_keys[] = {
	{"xauth", RK_XAUTH, parse_xauth, F(xauth)},
	{"leftauth", RK_LEFTAUTH, parse_auth, F(side[0].auth)},
	{"rightauth", RK_RIGHTAUTH, parse_auth, F(side[1].auth)},
	{"leftauth2", RK_LEFTAUTH2, parse_auth2, F(side[0].auth2)},
	{"rightauth2", RK_RIGHTAUTH2, parse_auth2, F(side[1].auth2)},
	{"xauth_identity", RK_XAUTH_IDENTITY, parse_user, F(identity)},
	{"leftsourceip", RK_LEFTSOURCEIP, parse_sourceip, F(side[0].sourceip)},
	{"rightsourceip", RK_RIGHTSOURCEIP, parse_sourceip, F(side[1].sourceip)},
	{"modeconfig", RK_MODECONFIG, parse_modeconfig, F(pull)},
	{"leftdns", RK_LEFTDNS, parse_side_dns, F(side[0].dns)},
	{"rightdns", RK_RIGHTDNS, parse_side_dns, F(side[1].dns)},
	{"leftxauthserver", RK_LEFTXAUTHSERVER, parse_yesno, F(side[0].xauthserver)},
	{"rightxauthserver", RK_RIGHTXAUTHSERVER, parse_yesno, F(side[1].xauthserver)},
	{"leftxauthclient", RK_LEFTXAUTHCLIENT, parse_yesno, F(side[0].xauthclient)},
	{"rightxauthclient", RK_RIGHTXAUTHCLIENT, parse_yesno, F(side[1].xauthclient)},
	{"leftusername", RK_LEFTUSERNAME, parse_user, F(side[0].username)},
	{"leftxauthusername", RK_LEFTUSERNAME, parse_user, F(side[0].username)},
	{"rightusername", RK_RIGHTUSERNAME, parse_user, F(side[1].username)},
	{"rightxauthusername", RK_RIGHTUSERNAME, parse_user, F(side[1].username)},
	{"leftmodecfgserver", RK_LEFTMODECFGSERVER, parse_yesno, F(side[0].modecfgserver)},
	{"rightmodecfgserver", RK_RIGHTMODECFGSERVER, parse_yesno, F(side[1].modecfgserver)},
	{"leftmodecfgclient", RK_LEFTMODECFGCLIENT, parse_yesno, F(side[0].modecfgclient)},
	{"rightmodecfgclient", RK_RIGHTMODECFGCLIENT, parse_yesno, F(side[1].modecfgclient)},
	{"leftaddresspool", RK_LEFTADDRESSPOOL, parse_pool, F(side[0].addresspool)},
	{"rightaddresspool", RK_RIGHTADDRESSPOOL, parse_pool, F(side[1].addresspool)},
	{"modecfgdns", RK_MODECFGDNS, parse_dns, F(modecfgdns)},
	{"modecfgdns1", RK_MODECFGDNS1, parse_dns1, F(modecfgdns1)},
	{"modecfgdns2", RK_MODECFGDNS2, parse_dns1, F(modecfgdns2)},
	{"modecfgbanner", RK_MODECFGBANNER, parse_string, F(banner)},
	{"modecfgdomains", RK_MODECFGDOMAINS, parse_domains, F(domains)},
	{"modecfgdomain", RK_MODECFGDOMAINS, parse_domains, F(domains)},
	{"modecfgpull", RK_MODECFGPULL, parse_yesno, F(modecfgpull)},
	{"xauthby", RK_XAUTHBY, parse_xauthby, F(xauthby)},
	{"xauthfail", RK_XAUTHFAIL, parse_xauthfail, F(xauthfail)},
	{"cisco-unity", RK_CISCO_UNITY, parse_yesno, F(unity)},
	{"cisco_unity", RK_CISCO_UNITY, parse_yesno, F(unity)},
	{"remote-peer-type", RK_REMOTE_PEER_TYPE, parse_peer_type, F(peer_type)},
	{"remote_peer_type", RK_REMOTE_PEER_TYPE, parse_peer_type, F(peer_type)},
};

#define NRA (sizeof(ra_keys) / sizeof(ra_keys[0]))

static const struct ra_key_def *ra_def(enum ra_key k)
{
	unsigned i;

	for (i = 0; i < NRA; i++)
		if (ra_keys[i].key == k)
			return &ra_keys[i];
	return NULL;
}

static struct ra_opts *section_ra(struct conf_ctx *ctx, struct section *sec)
{
	struct ra_opts *ra;

	if (sec->opts.ra)
		return &ctx->ra[sec->opts.ra - 1];
	if (ctx->nra == ctx->capra) {
		unsigned cap = ctx->capra ? 2 * ctx->capra : 8;

		ra = realloc(ctx->ra, cap * sizeof(*ra));
		if (!ra)
			return NULL;
		ctx->ra = ra;
		ctx->capra = cap;
	}
	ra = &ctx->ra[ctx->nra];
	memset(ra, 0, sizeof(*ra));
	sec->opts.ra = ++ctx->nra;
	return ra;
}

int conf_ra_setting(struct conf_ctx *ctx, struct section *sec, const struct setting *s)
{
	const struct ra_key_def *d = NULL;
	struct ra_opts *o;
	unsigned i;
	int ret;

	for (i = 0; i < NRA && !d; i++)
		if (!strcmp(s->key, ra_keys[i].name))
			d = &ra_keys[i];
	if (!d)
		return 1;
	o = section_ra(ctx, sec);
	if (!o)
		return -ENOMEM;
	if (o->state[d->key] != OPT_UNSET)
		log_warn("%s:%u: %s= in conn '%s' was already set at line %u (%s=); this one wins",
			 s->file, s->line, s->key, sec->name, o->at[d->key].line,
			 ra_keys[o->at[d->key].row].name);
	memset((char *)o + d->off, 0, d->size);
	if (s->value) {
		ret = d->parse(ctx, s, (char *)o + d->off);
		if (ret)
			return ret;
	}
	o->state[d->key] = s->value ? OPT_SET : OPT_CLEARED;
	o->at[d->key] = (struct origin){s->line, s->file_idx, (uint32_t)(d - ra_keys)};
	return 0;
}

void conf_ra_merge(const struct conf_ctx *ctx, struct ra_opts *dst, uint32_t src_idx)
{
	const struct ra_opts *src;
	const struct ra_key_def *d;
	unsigned k;

	if (!src_idx)
		return;
	src = &ctx->ra[src_idx - 1];
	for (k = 0; k < RK_COUNT; k++) {
		if (dst->state[k] != OPT_UNSET || src->state[k] == OPT_UNSET)
			continue;
		d = ra_def((enum ra_key)k);
		memcpy((char *)dst + d->off, (const char *)src + d->off, d->size);
		dst->state[k] = src->state[k];
		dst->at[k] = src->at[k];
	}
}

/* Strings, each kept once (1 + index), by a hash as conf.files are. */
static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static int strings_grow(struct conf_ctx *ctx)
{
	unsigned size = ctx->string_mask ? 2 * (ctx->string_mask + 1) : 64, i, j;
	uint32_t *slots = calloc(size, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < ctx->nstrings; i++) {
		for (j = str_hash(ctx->strings[i]) & (size - 1); slots[j]; j = (j + 1) & (size - 1))
			;
		slots[j] = i + 1;
	}
	free(ctx->string_slots);
	ctx->string_slots = slots;
	ctx->string_mask = size - 1;
	return 0;
}

int conf_string_add(struct conf_ctx *ctx, const char *s, uint32_t *idx)
{
	unsigned j;
	char **strings;

	if (2 * (ctx->nstrings + 1) > ctx->string_mask + 1 && strings_grow(ctx))
		return -ENOMEM;
	for (j = str_hash(s) & ctx->string_mask; ctx->string_slots[j];
	     j = (j + 1) & ctx->string_mask)
		if (!strcmp(ctx->strings[ctx->string_slots[j] - 1], s)) {
			*idx = ctx->string_slots[j];
			return 0;
		}
	if (ctx->nstrings == ctx->capstrings) {
		unsigned cap = ctx->capstrings ? 2 * ctx->capstrings : 16;

		strings = realloc(ctx->strings, cap * sizeof(*strings));
		if (!strings)
			return -ENOMEM;
		ctx->strings = strings;
		ctx->capstrings = cap;
	}
	if (!(ctx->strings[ctx->nstrings] = strdup(s)))
		return -ENOMEM;
	ctx->string_slots[j] = ++ctx->nstrings;
	*idx = ctx->nstrings;
	return 0;
}

const char *conf_string_at(const struct conf_ctx *ctx, uint32_t idx)
{
	return idx && idx <= ctx->nstrings ? ctx->strings[idx - 1] : NULL;
}

/* ---- resolving: which end is ours decides what the keys mean ---- */

struct ra_res {
	struct conf_ctx *ctx;
	const struct ra_opts *o;
	struct conn *c;
	unsigned l, r; /* the local end (0 left, 1 right) and the remote one */
};

static bool rset(const struct ra_res *x, enum ra_key k)
{
	return x->o->state[k] == OPT_SET;
}

static const char *rkey(const struct ra_res *x, enum ra_key k)
{
	return ra_keys[x->o->at[k].row].name;
}

/* An error at key k's line. */
static int rerr(const struct ra_res *x, enum ra_key k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rerr(const struct ra_res *x, enum ra_key k, const char *fmt, ...)
{
	const struct origin *at = &x->o->at[k];
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return conf_error(x->ctx, origin_file(x->ctx, at), at->line, "conn '%s': %s", x->c->name,
			  msg);
}

/* One of the ways to name a role (XAUTH or Mode Config): the first sets
 * it, the others must agree. */
struct role {
	uint8_t v;		 /* 0: none yet */
	int key;		 /* the ra_key that set it; -1: authby= */
	const struct origin *at; /* where */
	unsigned line;
	const char *src; /* the spelling */
};

/* A conflict is reported at the later of the two lines, naming the other. */
static int role_add(const struct ra_res *x, struct role *r, uint8_t v, int key,
		    const struct origin *at, const char *what, const char *const names[3])
{
	const char *src = key >= 0 ? rkey(x, (enum ra_key)key) : "authby";
	const struct origin *a = r->at, *b = at;
	const char *sa = r->src, *sb = src;
	uint8_t va = r->v, vb = v;

	if (!r->v) {
		*r = (struct role){v, key, at, at->line, src};
		return 0;
	}
	if (r->v == v)
		return 0;
	if (b->line < a->line) {
		a = at;
		b = r->at;
		sa = src;
		sb = r->src;
		va = v;
		vb = r->v;
	}
	return conf_error(x->ctx, origin_file(x->ctx, b), b->line,
			  "conn '%s': %s server and client at once: %s= (line %u) makes this end "
			  "the %s %s, %s= its %s",
			  x->c->name, what, sa, a->line, what, names[va], sb, names[vb]);
}

static const char *const role_names[3] = {"", "server", "client"};

/* conn_xauth from Libreswan's and strongSwan's keys. */
static int xauth_role(struct ra_res *x, const struct conn_opts *co, struct role *r)
{
	static const enum ra_key by_side[3] = {RK_LEFTXAUTHSERVER, RK_LEFTXAUTHCLIENT,
					       RK_LEFTAUTH2};
	uint8_t base = x->c->authby;
	unsigned s, k;
	int ret = 0;

	if (base == CONF_AUTHBY_XAUTHPSK || base == CONF_AUTHBY_XAUTHRSA) {
		x->c->authby = base == CONF_AUTHBY_XAUTHPSK ? IKE_AUTH_PSK : CONF_AUTHBY_RSA;
		if (rset(x, RK_XAUTH))
			ret = role_add(x, r, x->o->xauth, RK_XAUTH, &x->o->at[RK_XAUTH], "XAUTH",
				       role_names);
		else /* strongSwan's default: xauth=client */
			ret = role_add(x, r, CONN_XAUTH_CLIENT, -1, &co->at[CK_AUTHBY], "XAUTH",
				       role_names);
	}
	for (s = 0; s < 2 && !ret; s++) {
		for (k = 0; k < 3 && !ret; k++) {
			enum ra_key key = (enum ra_key)(by_side[k] + s);
			bool on = k == 0   ? x->o->side[s].xauthserver
				  : k == 1 ? x->o->side[s].xauthclient
					   : x->o->side[s].auth2 != 0;
			bool server;

			if (!rset(x, key) || !on)
				continue;
			/* the end with leftauth2=xauth answers: it is the client */
			server = k == 0 ? s == x->l : s != x->l;
			ret = role_add(x, r, server ? CONN_XAUTH_SERVER : CONN_XAUTH_CLIENT, key,
				       &x->o->at[key], "XAUTH", role_names);
		}
	}
	return ret;
}

/* xauthby= and rightauth2=xauth-BACKEND. */
static int xauthby(struct ra_res *x)
{
	static const uint8_t by_auth2[] = {XAUTHBY_FILE, XAUTHBY_FILE, XAUTHBY_FILE, XAUTHBY_PAM,
					   XAUTHBY_ALWAYSOK};
	static const char *const names[] = {"file", "pam", "alwaysok"};
	unsigned s;

	x->c->ra.xauthby = rset(x, RK_XAUTHBY) ? x->o->xauthby : XAUTHBY_FILE;
	for (s = 0; s < 2; s++) {
		uint8_t a2 = x->o->side[s].auth2, by;

		if (!rset(x, RK_LEFTAUTH2 + s) || a2 <= RA_AUTH2_XAUTH)
			continue;
		by = by_auth2[a2];
		if (rset(x, RK_XAUTHBY) && by != x->o->xauthby)
			return rerr(x, RK_LEFTAUTH2 + s,
				    "%s= names another backend than xauthby=%s",
				    rkey(x, RK_LEFTAUTH2 + s), names[x->o->xauthby]);
		x->c->ra.xauthby = by;
	}
	return 0;
}

/* strongSwan's leftauth=/rightauth=: one method for both ends, and the
 * one authby= says when it is given too. */
static int auth_round1(struct ra_res *x, const struct conn_opts *co)
{
	int have = -1, s, first = -1;

	for (s = 0; s < 2; s++) {
		uint8_t a = x->o->side[s].auth;

		if (!rset(x, RK_LEFTAUTH + s))
			continue;
		if (have >= 0 && a != have)
			return rerr(
				x, RK_LEFTAUTH + s,
				"%s= and %s= differ: IKEv1 authenticates both ends the same way",
				rkey(x, RK_LEFTAUTH + first), rkey(x, RK_LEFTAUTH + s));
		have = a;
		first = s;
	}
	if (have < 0)
		return 0;
	if (co->state[CK_AUTHBY] == OPT_SET) {
		uint8_t b = x->c->authby;

		if (b == CONF_AUTHBY_XAUTHPSK)
			b = IKE_AUTH_PSK;
		if (b == CONF_AUTHBY_XAUTHRSA)
			b = CONF_AUTHBY_RSA;
		if (b != have && have != CONF_AUTHBY_PUBKEY &&
		    !(b == CONF_AUTHBY_PUBKEY && have != IKE_AUTH_PSK))
			return rerr(x, RK_LEFTAUTH + first, "%s= and %s= name different methods",
				    rkey(x, RK_LEFTAUTH + first), "authby");
		return 0;
	}
	x->c->authby = (uint8_t)have;
	return 0;
}

/* Mode Config: the pool on the peer's end makes us its server. */
static int modecfg_role(struct ra_res *x, struct role *r, uint32_t *pool, int *pool_key)
{
	const struct ra_side *L = &x->o->side[x->l], *R = &x->o->side[x->r];
	enum ra_key k;
	int ret = 0;

	k = RK_LEFTSOURCEIP + x->l;
	if (rset(x, k) && L->sourceip >= 2)
		return rerr(x, k,
			    "%s=%s: a fixed source address is not supported yet; %%config takes "
			    "one from the Mode Config server",
			    rkey(x, k), x->ctx->pools[L->sourceip - 2].name);
	if (rset(x, k))
		ret = role_add(x, r, CONN_XAUTH_CLIENT, (int)k, &x->o->at[k], "Mode Config",
			       role_names);
	k = RK_LEFTSOURCEIP + x->r;
	if (!ret && rset(x, k) && R->sourceip == RA_SOURCEIP_CONFIG)
		return rerr(x, k,
			    "%s=%%config is the peer asking for an address; a server names its "
			    "pool there (a CIDR such as 10.3.0.0/24, or FIRST-LAST)",
			    rkey(x, k));
	if (!ret && rset(x, k)) {
		*pool = R->sourceip - 2 + 1;
		*pool_key = (int)k;
		ret = role_add(x, r, CONN_XAUTH_SERVER, (int)k, &x->o->at[k], "Mode Config",
			       role_names);
	}
	k = RK_LEFTADDRESSPOOL + x->l;
	if (!ret && rset(x, k))
		return rerr(x, k, "%s= is on this end; the pool belongs to the peer's end (%s)",
			    rkey(x, k), x->l ? "leftaddresspool=" : "rightaddresspool=");
	k = RK_LEFTADDRESSPOOL + x->r;
	if (!ret && rset(x, k)) {
		if (*pool && *pool != R->addresspool)
			return rerr(x, k, "%s= and %s= name different pools", rkey(x, k),
				    rkey(x, (enum ra_key) * pool_key));
		*pool = R->addresspool;
		*pool_key = (int)k;
		ret = role_add(x, r, CONN_XAUTH_SERVER, (int)k, &x->o->at[k], "Mode Config",
			       role_names);
	}
	/* Libreswan's flags: ours, and the peer's seen from here */
	static const struct {
		enum ra_key key;
		bool local;
		uint8_t role;
	} flags[] = {
		{RK_LEFTMODECFGSERVER, true, CONN_XAUTH_SERVER},
		{RK_LEFTMODECFGCLIENT, false, CONN_XAUTH_SERVER},
		{RK_LEFTMODECFGCLIENT, true, CONN_XAUTH_CLIENT},
		{RK_LEFTMODECFGSERVER, false, CONN_XAUTH_CLIENT},
	};
	for (unsigned i = 0; i < 4 && !ret; i++) {
		unsigned side = flags[i].local ? x->l : x->r;
		const struct ra_side *sd = &x->o->side[side];
		bool on = flags[i].key == RK_LEFTMODECFGSERVER ? sd->modecfgserver
							       : sd->modecfgclient;

		k = flags[i].key + side;
		if (rset(x, k) && on)
			ret = role_add(x, r, flags[i].role, (int)k, &x->o->at[k], "Mode Config",
				       role_names);
	}
	return ret;
}

/* modeconfig=pull|push (strongSwan, pull by default) and modecfgpull=
 * (Libreswan, no by default): when only Libreswan's keys made the conn
 * Mode Config, its default applies. */
static int pull(struct ra_res *x, bool libreswan)
{
	bool s = rset(x, RK_MODECONFIG), l = rset(x, RK_MODECFGPULL);

	if (s && l && x->o->pull != x->o->modecfgpull)
		return rerr(x, RK_MODECFGPULL, "%s= and %s= disagree", rkey(x, RK_MODECFGPULL),
			    rkey(x, RK_MODECONFIG));
	x->c->ra.modecfg_pull = s ? x->o->pull : l ? x->o->modecfgpull : !libreswan;
	return 0;
}

static void dns_from(struct ra_res *x, uint32_t idx)
{
	struct conf_addr a[CONF_MAX_DNS];
	const char *why;
	unsigned nconfig, i;
	uint8_t n;

	/* checked when the key was read */
	if (conf_dns_parse(conf_string_at(x->ctx, idx), a, &n, &nconfig, &why))
		return;
	for (i = 0; i < n && x->c->ra.ndns < CONF_MAX_DNS; i++)
		x->c->ra.dns[x->c->ra.ndns++] = a[i];
}

/* The server's DNS servers: rightdns= (strongSwan) or modecfgdns=,
 * modecfgdns1=, modecfgdns2= (Libreswan). */
static int dns(struct ra_res *x)
{
	static const enum ra_key lib[3] = {RK_MODECFGDNS, RK_MODECFGDNS1, RK_MODECFGDNS2};
	const uint32_t idx[3] = {x->o->modecfgdns, x->o->modecfgdns1, x->o->modecfgdns2};
	enum ra_key mine = RK_LEFTDNS + x->l, peer = RK_LEFTDNS + x->r;
	struct conf_addr a[CONF_MAX_DNS];
	unsigned i, total = 0, nconfig;
	const char *why;
	uint8_t n;

	if (rset(x, mine)) {
		conf_dns_parse(conf_string_at(x->ctx, x->o->side[x->l].dns), a, &n, &nconfig, &why);
		if (n)
			return rerr(
				x, mine,
				"%s= on this end takes %%config4 or %%config6 only (oakley does "
				"not set this host's resolvers)",
				rkey(x, mine));
	}
	if (rset(x, peer)) {
		conf_dns_parse(conf_string_at(x->ctx, x->o->side[x->r].dns), a, &n, &nconfig, &why);
		if (nconfig)
			return rerr(x, peer, "%s= on the peer's end takes addresses, not %s",
				    rkey(x, peer), "%config");
		for (i = 0; i < 3; i++)
			if (rset(x, lib[i]))
				return rerr(x, lib[i],
					    "give the DNS servers once: %s= and %s=", rkey(x, peer),
					    rkey(x, lib[i]));
		dns_from(x, x->o->side[x->r].dns);
		return 0;
	}
	for (i = 0; i < 3; i++) {
		if (!rset(x, lib[i]))
			continue;
		conf_dns_parse(conf_string_at(x->ctx, idx[i]), a, &n, NULL, &why);
		total += n;
		if (total > CONF_MAX_DNS)
			return rerr(x, lib[i], "%s= makes more than %d DNS servers",
				    rkey(x, lib[i]), CONF_MAX_DNS);
		dns_from(x, idx[i]);
	}
	return 0;
}

/* The first of modecfgdomains= as a string of its own. */
static int domain(struct ra_res *x)
{
	const char *all;
	char first[256];
	size_t len;
	uint32_t idx;
	int ret;

	if (!rset(x, RK_MODECFGDOMAINS))
		return 0;
	all = conf_string_at(x->ctx, x->o->domains);
	all += strspn(all, ", \t");
	len = strcspn(all, ", \t");
	memcpy(first, all, len); /* at most 255: checked when read */
	first[len] = 0;
	ret = conf_string_add(x->ctx, first, &idx);
	if (!ret)
		x->c->ra.domain = conf_string_at(x->ctx, idx);
	return ret;
}

/* An XAUTH client's user name: xauth_identity= or leftusername=; without
 * one, the text of our ID, as strongSwan's xauth_generic sends its own
 * identity (an FQDN or e-mail ID as written, an address as text). */
static int user(struct ra_res *x)
{
	enum ra_key mine = RK_LEFTUSERNAME + x->l;
	const struct conf_id *id = &x->c->local.id;
	char text[CONF_ID_STRLEN];
	uint32_t idx = 0;

	if (rset(x, RK_XAUTH_IDENTITY))
		idx = x->o->identity;
	if (rset(x, mine)) {
		if (idx && idx != x->o->side[x->l].username)
			return rerr(x, mine, "%s= and %s= name different users", rkey(x, mine),
				    "xauth_identity");
		idx = x->o->side[x->l].username;
	}
	if (!idx && x->c->ra.xauth == CONN_XAUTH_CLIENT) {
		if ((id->type == ID_FQDN || id->type == ID_USER_FQDN || id->type == ID_KEY_ID) &&
		    id->len && !memchr(id->data, 0, id->len)) {
			memcpy(text, id->data, id->len);
			text[id->len] = 0;
		} else if (conf_id_str(id, text, sizeof(text))) {
			text[0] = 0;
		}
		if (!text[0] || strlen(text) >= sizeof(((struct conf_xauth_user *)0)->user))
			return conf_error(x->ctx, x->c->file, x->c->line,
					  "conn '%s': an XAUTH client needs a user name "
					  "(xauth_identity= or leftusername=)",
					  x->c->name);
		if (conf_string_add(x->ctx, text, &idx))
			return -ENOMEM;
	}
	if (x->c->ra.xauth == CONN_XAUTH_CLIENT)
		x->c->ra.user = conf_string_at(x->ctx, idx);
	return 0;
}

static bool libreswan_modecfg(const struct ra_res *x)
{
	return !rset(x, RK_LEFTSOURCEIP) && !rset(x, RK_RIGHTSOURCEIP);
}

/* A server hands out addresses from its pool to a peer that is a host. */
static int server_checks(struct ra_res *x, uint32_t pool, int pool_key, const struct role *mc)
{
	const struct conf_pool *p;
	const struct origin *at;
	int lf;

	if (!pool)
		return conf_error(x->ctx, origin_file(x->ctx, mc->at), mc->line,
				  "conn '%s': a Mode Config server (%s=) needs an address pool "
				  "(rightaddresspool=FIRST-LAST or rightsourceip=CIDR)",
				  x->c->name, mc->src);
	p = &x->ctx->pools[pool - 1];
	at = &x->o->at[pool_key];
	if (x->c->remote.has_subnet)
		return conf_error(x->ctx, origin_file(x->ctx, at), at->line,
				  "conn '%s': %s= and %ssubnet= do not go together: the peer's "
				  "side of the tunnel is the address it is given from the pool",
				  x->c->name, rkey(x, (enum ra_key)pool_key),
				  x->r ? "right" : "left");
	lf = x->c->local.subnet.addr.family;
	if (lf != AF_UNSPEC && lf != p->first.family)
		return conf_error(x->ctx, origin_file(x->ctx, at), at->line,
				  "conn '%s': the pool %s and the local subnet are of different "
				  "address families",
				  x->c->name, p->name);
	x->c->ra.pool = pool;
	return 0;
}

int conf_ra_resolve(struct conf_ctx *ctx, const struct ra_opts *ra, const struct conn_opts *o,
		    struct conn *c)
{
	struct ra_res x = {ctx, ra, c, c->local_is_left ? 0 : 1, c->local_is_left ? 1 : 0};
	struct role xr = {0}, mr = {0};
	uint32_t pool = 0;
	int pool_key = -1, ret;

	memset(&c->ra, 0, sizeof(c->ra));
	ret = auth_round1(&x, o);
	if (!ret)
		ret = xauth_role(&x, o, &xr);
	if (!ret)
		ret = xauthby(&x);
	if (ret)
		return ret;
	c->ra.xauth = xr.v;
	ret = modecfg_role(&x, &mr, &pool, &pool_key);
	if (ret)
		return ret;
	c->ra.modecfg_server = mr.v == CONN_XAUTH_SERVER;
	c->ra.modecfg_client = mr.v == CONN_XAUTH_CLIENT;
	if (xr.v && mr.v && xr.v != mr.v)
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': XAUTH %s (%s=) but Mode Config %s (%s=): one end "
				  "is the server of both",
				  c->name, role_names[xr.v], xr.src, role_names[mr.v], mr.src);
	if (c->ra.modecfg_server)
		ret = server_checks(&x, pool, pool_key, &mr);
	if (!ret)
		ret = pull(&x, libreswan_modecfg(&x));
	if (!ret)
		ret = dns(&x);
	if (!ret)
		ret = domain(&x);
	if (!ret)
		ret = user(&x);
	if (ret)
		return ret;
	c->ra.unity = rset(&x, RK_CISCO_UNITY) && ra->unity;
	if (rset(&x, RK_MODECFGBANNER))
		c->ra.banner = conf_string_at(ctx, ra->banner);
	if (c->ra.xauth && c->authby == CONF_AUTHBY_ECDSA)
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': XAUTH goes with psk or rsa authentication (the "
				  "draft has no ECDSA methods)",
				  c->name);
	return 0;
}

/* ---- the end of a load ---- */

static bool has_plain_password(const struct conf_ctx *ctx, const char *user)
{
	unsigned i;

	for (i = 0; i < ctx->nxauth_users; i++)
		if (!ctx->xauth_users[i].crypted && !strcmp(ctx->xauth_users[i].user, user))
			return true;
	return false;
}

int conf_ra_finish(struct conf_ctx *ctx, struct conf *c)
{
	unsigned i;

	for (i = 0; i < c->nconns; i++) {
		const struct conn *k = &c->conns[i];

		if (k->ra.xauth == CONN_XAUTH_CLIENT && k->ra.user &&
		    (!k->group_n || !k->group_i) && !has_plain_password(ctx, k->ra.user))
			log_warn("conn '%s': no ipsec.secrets entry '%s : XAUTH \"...\"' for its "
				 "XAUTH user",
				 k->name, k->ra.user);
	}
	c->pools = ctx->pools;
	c->npools = ctx->npools;
	c->strings = ctx->strings;
	c->nstrings = ctx->nstrings;
	c->xauth_users = ctx->xauth_users;
	c->nxauth_users = ctx->nxauth_users;
	ctx->pools = NULL;
	ctx->strings = NULL;
	ctx->xauth_users = NULL;
	ctx->npools = ctx->nstrings = ctx->nxauth_users = 0;
	ctx->cappools = ctx->capstrings = ctx->capxauth_users = 0;
	return 0;
}

void conf_ra_free(struct conf_ctx *ctx)
{
	unsigned i;

	free(ctx->ra);
	free(ctx->pools);
	for (i = 0; i < ctx->nstrings; i++)
		free(ctx->strings[i]);
	free(ctx->strings);
	free(ctx->string_slots);
	if (ctx->xauth_users) {
		OPENSSL_cleanse(ctx->xauth_users, ctx->capxauth_users * sizeof(*ctx->xauth_users));
		free(ctx->xauth_users);
	}
}
