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

/* %config (%cfg, %modecfg, %config4, %config6), or a list of them
 * (strongSwan's "%config4,%config6"). */
static bool is_config(const char *v)
{
	static const char *const names[] = {"%config",	"%cfg",	    "%modecfg",
					    "%config4", "%config6", NULL};
	unsigned i, n = 0;
	size_t len;

	while (*v) {
		len = strcspn(v, ", ");
		for (i = 0; names[i]; i++)
			if (len == strlen(names[i]) && !strncmp(v, names[i], len))
				break;
		if (!len || !names[i])
			return false;
		n++;
		v += len;
		v += strspn(v, ", ");
	}
	return n > 0;
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
				  "%s=%s is not supported by oakley: it has no named pools (a "
				  "CIDR such as 10.3.0.0/24, FIRST-LAST, or %%config)",
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

const char *conf_ra_row_name(unsigned row)
{
	return row < NRA ? ra_keys[row].name : "?";
}

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
