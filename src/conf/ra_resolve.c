/* The conn_ra of a conn from its remote-access keys (issue 11): which end
 * is ours decides what each key means (ra.c reads them; conf.h says what
 * the fields mean).  The checks that need the whole conn run here and name
 * the key as written and its line:
 * - one XAUTH role and one Mode Config role, whichever keys name them,
 *   and the same end the server of both;
 * - a Mode Config server needs a pool on the peer's end, and a peer that
 *   is a host there (no rightsubnet=: its side is the leased address);
 * - leftauth=/rightauth= agree with each other and with authby=;
 * - the DNS servers given once (rightdns= or modecfgdns*), at most 4;
 * - an XAUTH client's user name: xauth_identity=, leftusername=, else the
 *   text of its ID (strongSwan's xauth_generic sends its own identity). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/ra.h"
#include "wire/isakmp.h"

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
	return conf_ra_row_name(x->o->at[k].row);
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
			    "%s=%s is not supported by oakley: a fixed source address; %%config "
			    "takes one from the Mode Config server",
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
	/* the peer's side of the tunnel is the address it leases, not its own */
	memset(&x->c->remote.subnet.addr, 0, sizeof(x->c->remote.subnet.addr));
	x->c->remote.subnet.addr.family = AF_UNSPEC;
	x->c->remote.subnet.prefixlen = 0;
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
