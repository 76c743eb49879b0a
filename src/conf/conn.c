/* The keys of a conn section: one table row per spelling (aliases are
 * rows of the same key), each read at once into its typed field of struct
 * conn_opts, so that a bad value is reported at its own line even in
 * %default or in a section only reached through also=. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/internal.h"
#include "conf/ra.h"
#include "util/log.h"
#include "wire/isakmp.h"

typedef int (*parse_fn)(struct conf_ctx *ctx, const struct setting *s, void *field);

static int bad(struct conf_ctx *ctx, const struct setting *s, const char *takes)
{
	return conf_error(ctx, s->file, s->line, "%s= takes %s, not '%s'", s->key, takes, s->value);
}

static int refuse(struct conf_ctx *ctx, const struct setting *s, const char *why)
{
	return conf_error(ctx, s->file, s->line, "%s=%s is not supported by oakley: %s", s->key,
			  s->value, why);
}

static bool one_of(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(v, *list))
			return true;
	return false;
}

static int parse_keyexchange(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const v2[] = {"ike", "ikev2", NULL};

	/* an IKEv2 conn: resolve.c skips it with a notice */
	*(bool *)field = one_of(s->value, v2);
	if (*(bool *)field || !strcmp(s->value, "ikev1"))
		return 0;
	return bad(ctx, s, "ikev1, ikev2 or ike");
}

/* Libreswan's ikev2=no|never: an IKEv1 conn. */
static int parse_ikev2(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const v2[] = {"yes", "insist", "propose", NULL};

	/* permit: Libreswan initiates IKEv1 and takes IKEv1 (now as never) */
	if (!strcmp(s->value, "no") || !strcmp(s->value, "never") || !strcmp(s->value, "permit"))
		return 0;
	/* an IKEv2 conn: resolve.c skips it with a notice */
	*(bool *)field = one_of(s->value, v2);
	if (*(bool *)field)
		return 0;
	return bad(ctx, s, "no, never, permit, yes, propose or insist");
}

static int parse_host(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	struct conf_addr *a = field;

	if (!strcmp(s->value, "%any") || !strcmp(s->value, "%any6")) {
		memset(a, 0, sizeof(*a));
		a->family = AF_UNSPEC;
		return 0;
	}
	if (!conf_addr_parse(s->value, a))
		return 0;
	if (!strcmp(s->value, "%defaultroute") || !strcmp(s->value, "%defaultroute6"))
		return conf_defaultroute(ctx, s, a); /* libreswan.c */
	if (s->value[0] == '%')
		return refuse(ctx, s,
			      "oakley takes an address, %any, %any6, %defaultroute or "
			      "%defaultroute6 here");
	return conf_error(ctx, s->file, s->line,
			  "%s=%s is not an IP address (oakley does not resolve names)", s->key,
			  s->value);
}

static int parse_subnet(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	return conf_subnets_parse(ctx, s, field); /* subnets.c */
}

int conf_ids_add(struct conf_ctx *ctx, const struct conf_id *id, uint32_t *at)
{
	uint8_t *ids;

	if (ctx->idcap - ctx->idlen < 2u + id->len) {
		size_t cap = ctx->idcap ? 2 * ctx->idcap : 4096;

		if (cap > UINT32_MAX || !(ids = realloc(ctx->ids, cap)))
			return -ENOMEM;
		ctx->ids = ids;
		ctx->idcap = cap;
	}
	*at = (uint32_t)ctx->idlen;
	ctx->ids[ctx->idlen++] = id->type;
	ctx->ids[ctx->idlen++] = id->len;
	memcpy(ctx->ids + ctx->idlen, id->data, id->len);
	ctx->idlen += id->len;
	return 0;
}

/* The ID goes to ctx->ids as type, length and its bytes; the section
 * keeps where. */
static int parse_id(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	struct conf_id id;
	const char *why;

	if (conf_id_parse(s->value, &id, &why))
		return conf_error(ctx, s->file, s->line, "%s=%s %s", s->key, s->value, why);
	return conf_ids_add(ctx, &id, field);
}

void opts_id(const struct conf_ctx *ctx, uint32_t at, struct conf_id *id)
{
	const uint8_t *p = ctx->ids + at;

	id->type = p[0];
	id->len = p[1];
	memcpy(id->data, p + 2, p[1]);
	memset(id->data + p[1], 0, sizeof(id->data) - p[1]);
}

static int parse_protoport(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	const char *why;

	if (conf_protoport_parse(s->value, field, &why))
		return conf_error(ctx, s->file, s->line, "%s=%s %s", s->key, s->value, why);
	return 0;
}

static int parse_authby(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const psk[] = {"secret", "psk", NULL};
	static const char *const rsa[] = {"rsasig", "rsa", NULL};
	static const char *const ecdsa[] = {"ecdsasig", "ecdsa", NULL};
	static const char *const later[] = {
		"rsa-sha1", "rsa-sha2", "hybridrsasig", "never", "null", NULL,
	};

	if (one_of(s->value, psk)) {
		*(uint8_t *)field = IKE_AUTH_PSK;
		return 0;
	}
	if (!strcmp(s->value, "pubkey") || one_of(s->value, rsa) || one_of(s->value, ecdsa)) {
		/* the exact method follows from the key (certs.c) */
		*(uint8_t *)field = !strcmp(s->value, "pubkey") ? CONF_AUTHBY_PUBKEY
				    : one_of(s->value, rsa)	? CONF_AUTHBY_RSA
								: CONF_AUTHBY_ECDSA;
		return 0;
	}
	/* XAUTH after phase 1 (issue 11): ra.c makes them PSK and RSA */
	if (!strcmp(s->value, "xauthpsk") || !strcmp(s->value, "xauthrsasig")) {
		*(uint8_t *)field =
			s->value[5] == 'p' ? CONF_AUTHBY_XAUTHPSK : CONF_AUTHBY_XAUTHRSA;
		return 0;
	}
	if (one_of(s->value, later))
		return refuse(ctx, s,
			      "oakley authenticates IKEv1 with secret, rsasig, ecdsasig and "
			      "XAUTH on top of them");
	return bad(ctx, s, "secret, psk, pubkey, rsasig, ecdsasig, xauthpsk or xauthrsasig");
}

/* The list goes to ctx->lists, which owns it; the section points to it. */
static int parse_proposals(struct conf_ctx *ctx, const struct setting *s, void *field, bool phase1)
{
	struct proposal_list *l, **lists;
	char why[256];

	if (ctx->nlists == ctx->caplists) {
		unsigned cap = ctx->caplists ? 2 * ctx->caplists : 16;

		lists = realloc(ctx->lists, cap * sizeof(*lists));
		if (!lists)
			return -ENOMEM;
		ctx->lists = lists;
		ctx->caplists = cap;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	ctx->lists[ctx->nlists++] = l;
	if (conf_proposals_parse(s->key, s->value, phase1, l, why, sizeof(why)))
		return conf_error(ctx, s->file, s->line, "%s", why);
	*(struct proposal_list **)field = l;
	return 0;
}

static int parse_ike(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	return parse_proposals(ctx, s, field, true);
}

static int parse_esp(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	return parse_proposals(ctx, s, field, false);
}

static int parse_type(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const later[] = {"passthrough", "pass", "drop", "reject", NULL};

	if (!strcmp(s->value, "tunnel")) {
		*(enum conn_mode *)field = MODE_TUNNEL;
		return 0;
	}
	if (!strcmp(s->value, "transport")) {
		*(enum conn_mode *)field = MODE_TRANSPORT;
		return 0;
	}
	if (one_of(s->value, later))
		return refuse(ctx, s,
			      "oakley installs only IPsec policies; this conn would leave its "
			      "traffic unprotected or dropped");
	return bad(ctx, s, "tunnel or transport");
}

/* strongSwan's time values: a number with s, m, h or d; seconds without. */
static int parse_duration(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const struct {
		char unit;
		unsigned long long mult;
	} units[] = {{0, 1}, {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	unsigned long long v;
	char *end;
	unsigned i;

	if (s->value[0] < '0' || s->value[0] > '9')
		return bad(ctx, s, "a time such as 3600, 60m, 3h or 1d");
	errno = 0;
	v = strtoull(s->value, &end, 10);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].unit && (!end[0] || !end[1]))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return bad(ctx, s, "a time such as 3600, 60m, 3h or 1d");
	if (errno || v > UINT32_MAX / units[i].mult)
		return conf_error(ctx, s->file, s->line, "%s=%s is too long", s->key, s->value);
	if (!v)
		return conf_error(ctx, s->file, s->line, "%s=%s: must be at least 1s", s->key,
				  s->value);
	*(uint32_t *)field = (uint32_t)(v * units[i].mult);
	return 0;
}

static int parse_bytes(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	unsigned long long v;
	char *end;

	if (s->value[0] < '0' || s->value[0] > '9')
		return bad(ctx, s, "a number of bytes");
	errno = 0;
	v = strtoull(s->value, &end, 10);
	if (*end)
		return bad(ctx, s, "a number of bytes");
	if (errno)
		return conf_error(ctx, s->file, s->line, "%s=%s is too large", s->key, s->value);
	*(uint64_t *)field = v;
	return 0;
}

static int parse_yesno(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	if (!strcmp(s->value, "yes") || !strcmp(s->value, "no")) {
		*(bool *)field = s->value[0] == 'y';
		return 0;
	}
	return bad(ctx, s, "yes or no");
}

static int parse_auto(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"ignore", "add", "start", NULL};
	static const char *const route[] = {"route", "ondemand", NULL};
	unsigned i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(s->value, names[i])) {
			*(enum conn_auto *)field = (enum conn_auto)i;
			return 0;
		}
	}
	if (one_of(s->value, route)) { /* no trap policies yet */
		log_warn("%s:%u: %s=%s taken as auto=add: oakley installs no trap policy; "
			 "bring the conn up with oakleyctl up or auto=start",
			 s->file, s->line, s->key, s->value);
		*(enum conn_auto *)field = AUTO_ADD;
		return 0;
	}
	return bad(ctx, s, "add, start, route or ignore");
}

/* Libreswan: auto is what no key means, NAT-T when a NAT is seen. */
static int parse_encapsulation(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	if (!strcmp(s->value, "auto")) {
		*(bool *)field = false;
		return 0;
	}
	if (!strcmp(s->value, "yes") || !strcmp(s->value, "no")) {
		*(bool *)field = s->value[0] == 'y';
		return 0;
	}
	return bad(ctx, s, "yes, no or auto");
}

static int parse_dpdaction(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"none", "clear", "hold", "restart", NULL};
	unsigned i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(s->value, names[i])) {
			*(enum conn_dpd_action *)field = (enum conn_dpd_action)i;
			return 0;
		}
	}
	return bad(ctx, s, "none, clear, hold or restart");
}

/* fragmentation=: strongSwan's yes, accept, force, no; Libreswan's yes,
 * no, force. */
static int parse_fragmentation(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const char *const names[] = {"yes", "accept", "no", "force", NULL};
	unsigned i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(s->value, names[i])) {
			*(uint8_t *)field = (uint8_t)i; /* enum conn_frag */
			return 0;
		}
	}
	return bad(ctx, s, "yes, accept, no or force");
}

/* strongSwan's rekeyfuzz=: a percentage, above 100 allowed. */
static int parse_percent(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	unsigned long v;
	char *end;

	if (s->value[0] < '0' || s->value[0] > '9')
		return bad(ctx, s, "a percentage such as 100%");
	errno = 0;
	v = strtoul(s->value, &end, 10);
	if (strcmp(end, "%") && *end)
		return bad(ctx, s, "a percentage such as 100%");
	if (errno || v > 10000)
		return conf_error(ctx, s->file, s->line, "%s=%s: at most 10000%%", s->key,
				  s->value);
	*(uint32_t *)field = (uint32_t)v;
	return 0;
}

#define F(field) offsetof(struct conn_opts, field), sizeof(((struct conn_opts *)0)->field)

static const struct conn_key_def {
	const char *name;
	enum conn_key key;
	parse_fn parse;
	size_t off, size;
} conn_keys[] = {
	{"keyexchange", CK_KEYEXCHANGE, parse_keyexchange, F(ikev2)},
	{"ikev2", CK_KEYEXCHANGE, parse_ikev2, F(ikev2)},
	{"left", CK_LEFT, parse_host, F(side[0].addr)},
	{"right", CK_RIGHT, parse_host, F(side[1].addr)},
	{"leftsubnet", CK_LEFTSUBNET, parse_subnet, F(side[0].subnet)},
	{"rightsubnet", CK_RIGHTSUBNET, parse_subnet, F(side[1].subnet)},
	{"leftid", CK_LEFTID, parse_id, F(side[0].id)},
	{"rightid", CK_RIGHTID, parse_id, F(side[1].id)},
	{"leftprotoport", CK_LEFTPROTOPORT, parse_protoport, F(side[0].pp)},
	{"rightprotoport", CK_RIGHTPROTOPORT, parse_protoport, F(side[1].pp)},
	{"authby", CK_AUTHBY, parse_authby, F(authby)},
	{"ike", CK_IKE, parse_ike, F(ike)},
	{"esp", CK_ESP, parse_esp, F(esp)},
	{"phase2alg", CK_ESP, parse_esp, F(esp)},
	{"type", CK_TYPE, parse_type, F(mode)},
	{"ikelifetime", CK_IKELIFETIME, parse_duration, F(ikelifetime_s)},
	{"ike_lifetime", CK_IKELIFETIME, parse_duration, F(ikelifetime_s)},
	{"lifetime", CK_LIFETIME, parse_duration, F(lifetime_s)},
	{"keylife", CK_LIFETIME, parse_duration, F(lifetime_s)},
	{"salifetime", CK_LIFETIME, parse_duration, F(lifetime_s)},
	{"lifebytes", CK_LIFEBYTES, parse_bytes, F(lifebytes)},
	{"ipsec-max-bytes", CK_LIFEBYTES, parse_bytes, F(lifebytes)},
	{"aggressive", CK_AGGRESSIVE, parse_yesno, F(aggressive)},
	{"aggrmode", CK_AGGRESSIVE, parse_yesno, F(aggressive)},
	{"auto", CK_AUTO, parse_auto, F(auto_)},
	{"forceencaps", CK_FORCEENCAPS, parse_yesno, F(forceencaps)},
	{"encapsulation", CK_FORCEENCAPS, parse_encapsulation, F(forceencaps)},
	{"dpdaction", CK_DPDACTION, parse_dpdaction, F(dpd_action)},
	{"dpddelay", CK_DPDDELAY, parse_duration, F(dpd_delay_s)},
	{"dpdtimeout", CK_DPDTIMEOUT, parse_duration, F(dpd_timeout_s)},
	{"rekey", CK_REKEY, parse_yesno, F(rekey)},
	{"margintime", CK_MARGINTIME, parse_duration, F(margin_s)},
	{"rekeymargin", CK_MARGINTIME, parse_duration, F(margin_s)},
	{"rekeyfuzz", CK_REKEYFUZZ, parse_percent, F(fuzz_pct)},
	{"fragmentation", CK_FRAGMENTATION, parse_fragmentation, F(fragmentation)},
	{"ike-frag", CK_FRAGMENTATION, parse_fragmentation, F(fragmentation)}, /* Libreswan 3 */
	{"ike_frag", CK_FRAGMENTATION, parse_fragmentation, F(fragmentation)},
	{"leftcert", CK_LEFTCERT, conf_parse_cert, F(side[0].cert)},
	{"rightcert", CK_RIGHTCERT, conf_parse_cert, F(side[1].cert)},
	{"leftca", CK_LEFTCA, conf_parse_ca, F(side[0].ca)},
	{"rightca", CK_RIGHTCA, conf_parse_ca, F(side[1].ca)},
	{"leftsendcert", CK_LEFTSENDCERT, conf_parse_sendcert, F(side[0].sendcert)},
	{"rightsendcert", CK_RIGHTSENDCERT, conf_parse_sendcert, F(side[1].sendcert)},
	{"pfs", CK_PFS, conf_parse_pfs, F(pfs)},
};

#define NKEYS (sizeof(conn_keys) / sizeof(conn_keys[0]))

static const struct conn_key_def *key_def(enum conn_key k)
{
	unsigned i;

	for (i = 0; i < NKEYS; i++)
		if (conn_keys[i].key == k)
			return &conn_keys[i];
	return NULL;
}

void conn_key_field(enum conn_key k, size_t *off, size_t *size)
{
	const struct conn_key_def *d = key_def(k);

	*off = d ? d->off : 0;
	*size = d ? d->size : 0;
}

const char *conn_key_name(enum conn_key k)
{
	const struct conn_key_def *d = key_def(k);

	return d ? d->name : "?";
}

const char *conn_row_name(unsigned row)
{
	return row < NKEYS ? conn_keys[row].name : "?";
}

const char *origin_file(const struct conf_ctx *ctx, const struct origin *at)
{
	return at->file < ctx->nfiles ? ctx->files[at->file] : NULL;
}

const char *origin_key(const struct origin *at)
{
	return conn_row_name(at->row);
}

static int add_also(struct conf_ctx *ctx, struct section *sec, const struct setting *s)
{
	struct also *also;

	/* As strongSwan: every section inherits %default anyway. */
	if (!s->value || !strcmp(s->value, "%default"))
		return 0;
	if (!strcmp(sec->name, "%default"))
		return conf_error(ctx, s->file, s->line, "also= cannot stand in conn %%default");
	if (strlen(s->value) >= sizeof(also->name))
		return conf_error(ctx, s->file, s->line,
				  "also=%.20s...: no conn has so long a name", s->value);
	also = realloc(sec->also, (sec->nalso + 1) * sizeof(*also));
	if (!also)
		return -ENOMEM;
	sec->also = also;
	also = &also[sec->nalso++];
	strcpy(also->name, s->value);
	also->file = s->file;
	also->line = s->line;
	return 0;
}

int conn_setting(struct conf_ctx *ctx, struct section *sec, const struct setting *s)
{
	struct conn_opts *o = &sec->opts;
	const struct conn_key_def *d = NULL;
	struct setting none;
	unsigned i;
	int ret;

	if (conf_dialect_none(s)) { /* dialect.c */
		none = *s;
		none.value = NULL;
		s = &none;
	}
	if (s->key[0] == 'a' && !strcmp(s->key, "also"))
		return add_also(ctx, sec, s);
	for (i = 0; i < NKEYS && !d; i++)
		if (s->key[0] == conn_keys[i].name[0] && !strcmp(s->key, conn_keys[i].name))
			d = &conn_keys[i];
	if (!d && (ret = conf_ra_setting(ctx, sec, s)) <= 0) /* XAUTH, Mode Config */
		return ret;
	if (!d && (ret = conf_ls_setting(ctx, s)) <= 0) /* libreswan.c */
		return ret;
	if (!d && (ret = conf_dialect_setting(ctx, s)) <= 0) /* dialect.c */
		return ret;
	if (!d)
		return conf_error(ctx, s->file, s->line, "unknown key '%s' in conn '%s'", s->key,
				  sec->name);
	if (o->state[d->key] != OPT_UNSET)
		log_warn("%s:%u: %s= in conn '%s' was already set at line %u (%s=); this one wins",
			 s->file, s->line, s->key, sec->name, o->at[d->key].line,
			 origin_key(&o->at[d->key]));
	memset((char *)o + d->off, 0, d->size);
	if (s->value) {
		ret = d->parse(ctx, s, (char *)o + d->off);
		if (ret)
			return ret;
	}
	o->state[d->key] = s->value ? OPT_SET : OPT_CLEARED;
	o->at[d->key] = (struct origin){s->line, s->file_idx, (uint32_t)(d - conn_keys)};
	return 0;
}
