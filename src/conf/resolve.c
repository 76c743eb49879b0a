/* From sections to conns: also= and %default fill in what a section does
 * not say, left and right become local and remote, defaults apply, and
 * the checks that need the whole conn run.
 *
 * Precedence is strongSwan's (starter/parser/conf_parser.c): a section's
 * own keys, then its also= sections, the last also= line first, each
 * followed by its own also= sections, every section kept at its last
 * place in that list, then %default. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/internal.h"
#include "conf/ra.h"
#include "util/log.h"
#include "wire/isakmp.h"

enum { NEW, BUSY, DONE };

struct resolver {
	struct conf_ctx *ctx;
	unsigned **parents; /* per section: its also= sections, most important first */
	unsigned *nparents;
	uint8_t *state;
	int def; /* %default's index, or -1 */
};

static bool listed_after(const unsigned *list, unsigned n, unsigned from, unsigned v)
{
	for (; from < n; from++)
		if (list[from] == v)
			return true;
	return false;
}

/* Room for n more entries in *list (of *cap). */
static int list_room(unsigned **list, unsigned *cap, unsigned used, unsigned n)
{
	unsigned *l;

	if (used + n <= *cap)
		return 0;
	l = realloc(*list, (used + n) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	*list = l;
	*cap = used + n;
	return 0;
}

/* Sized by what the also= chains hold, not by the number of sections:
 * 100,000 conns that each say also=base must not cost 100,000 squared. */
static int linearize(struct resolver *r, unsigned s)
{
	const struct section *sec = &r->ctx->secs[s];
	unsigned *list = NULL, cap = 0, n = 0, k = 0, i, j;
	int ret = 0;

	if (r->state[s] == DONE)
		return 0;
	r->state[s] = BUSY;
	for (i = sec->nalso; i-- > 0 && !ret;) {
		const struct also *a = &sec->also[i];
		int p = conf_find_section(r->ctx, a->name);

		if (p < 0) {
			ret = conf_error(r->ctx, a->file, a->line,
					 "also=%s in conn '%s': there is no conn '%s'", a->name,
					 sec->name, a->name);
		} else if (r->state[p] == BUSY) {
			ret = conf_error(r->ctx, a->file, a->line,
					 "also=%s in conn '%s' makes a loop", a->name, sec->name);
		} else {
			ret = linearize(r, (unsigned)p);
			if (!ret)
				ret = list_room(&list, &cap, n, 1 + r->nparents[p]);
			if (ret)
				break;
			list[n++] = (unsigned)p;
			for (j = 0; !ret && j < r->nparents[p]; j++)
				list[n++] = r->parents[p][j];
		}
	}
	for (i = 0; i < n; i++)
		if (!listed_after(list, n, i + 1, list[i]))
			list[k++] = list[i];
	r->parents[s] = list;
	r->nparents[s] = k;
	r->state[s] = DONE;
	return ret;
}

static void merge(struct conn_opts *dst, const struct conn_opts *src)
{
	size_t off, size;
	unsigned k;

	for (k = 0; k < CK_COUNT; k++) {
		if (dst->state[k] != OPT_UNSET || src->state[k] == OPT_UNSET)
			continue;
		conn_key_field(k, &off, &size);
		memcpy((char *)dst + off, (const char *)src + off, size);
		dst->state[k] = src->state[k];
		dst->at[k] = src->at[k];
	}
}

static bool is_set(const struct conn_opts *o, enum conn_key k)
{
	return o->state[k] == OPT_SET;
}

static struct conf_addr side_addr(const struct conn_opts *o, unsigned side)
{
	struct conf_addr any = {.family = AF_UNSPEC};

	return is_set(o, CK_LEFT + side) ? o->side[side].addr : any;
}

static int build_end(struct conf_ctx *ctx, const struct conn *c, const struct conn_opts *o,
		     unsigned side, bool local, struct conf_end *e)
{
	const struct origin *at = &o->at[CK_LEFTID + side];

	e->addr = side_addr(o, side);
	e->has_subnet = is_set(o, CK_LEFTSUBNET + side);
	if (e->has_subnet)
		e->subnet = o->side[side].subnet.first;
	else
		conf_host_ts(&e->addr, &e->subnet);
	if (is_set(o, CK_LEFTPROTOPORT + side)) {
		e->subnet.proto = o->side[side].pp.proto;
		e->subnet.port = o->side[side].pp.port;
	}
	if (is_set(o, CK_LEFTCERT + side))
		e->cert = o->side[side].cert;
	if (is_set(o, CK_LEFTCA + side))
		opts_id(ctx, o->side[side].ca, &e->ca);
	e->sendcert = is_set(o, CK_LEFTSENDCERT + side) ? (enum conf_sendcert)o->side[side].sendcert
							: SENDCERT_IFASKED;
	if (is_set(o, CK_LEFTID + side)) {
		opts_id(ctx, o->side[side].id, &e->id);
		if (local && e->id.type == CONF_ID_ANY)
			return conf_error(ctx, origin_file(ctx, at), at->line,
					  "%s=%%any in conn '%s': the local ID must be one ID",
					  origin_key(at), c->name);
	} else if (is_set(o, CK_LEFTCERT + side)) { /* the certificate's subject */
		if (conf_cert_subject(ctx, o->side[side].cert, &e->id))
			return conf_error(ctx, c->file, c->line,
					  "conn '%s': the certificate's subject is no ID", c->name);
	} else if (e->addr.family != AF_UNSPEC) {
		e->id.type = e->addr.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		e->id.len = e->addr.family == AF_INET ? 4 : 16;
		memcpy(e->id.data, e->addr.a.b, e->id.len);
	}
	return 0;
}

/* The two addresses for a message: only messages need them as text
 * (100,000 conns would be 200,000 inet_ntop calls). */
struct ends_text {
	char left[CONF_ADDR_STRLEN], right[CONF_ADDR_STRLEN];
};

static const struct ends_text *ends_text(struct ends_text *t, const struct conf_addr *left,
					 const struct conf_addr *right)
{
	conf_addr_str(left, t->left, sizeof(t->left));
	conf_addr_str(right, t->right, sizeof(t->right));
	return t;
}

/* Returns 1 when the conn is left out: auto=ignore and not on this host. */
static int resolve_ends(struct conf_ctx *ctx, struct conn *c, const struct conn_opts *o,
			conf_is_local_fn is_local, void *arg)
{
	struct conf_addr left = side_addr(o, 0), right = side_addr(o, 1);
	const struct ends_text *t;
	struct ends_text text;
	bool left_local, right_local;
	int ret;

	left_local = left.family != AF_UNSPEC && is_local(&left, arg);
	right_local = right.family != AF_UNSPEC && is_local(&right, arg);
	if (!left_local && !right_local) {
		if (c->auto_ == AUTO_IGNORE) {
			log_debug(
				"%s:%u: conn '%s' (auto=ignore) has no end on this host; left out",
				c->file, c->line, c->name);
			return 1;
		}
		t = ends_text(&text, &left, &right);
		return conf_error(
			ctx, c->file, c->line,
			"conn '%s': neither left=%s nor right=%s is an address of this host",
			c->name, t->left, t->right);
	}
	if (left_local && right_local) {
		t = ends_text(&text, &left, &right);
		log_debug("conn '%s': left=%s and right=%s are both on this host; left is local",
			  c->name, t->left, t->right);
	}
	if (left.family != AF_UNSPEC && right.family != AF_UNSPEC && left.family != right.family) {
		t = ends_text(&text, &left, &right);
		return conf_error(
			ctx, c->file, c->line,
			"conn '%s': left=%s and right=%s are of different address families",
			c->name, t->left, t->right);
	}
	c->local_is_left = left_local;
	ret = build_end(ctx, c, o, left_local ? 0 : 1, true, &c->local);
	if (!ret)
		ret = build_end(ctx, c, o, left_local ? 1 : 0, false, &c->remote);
	return ret;
}

static bool subnet_is_host(const struct conf_end *e)
{
	return !e->has_subnet || (conf_addr_equal(&e->subnet.addr, &e->addr) &&
				  e->subnet.prefixlen == (e->addr.family == AF_INET ? 32 : 128));
}

static int check_selectors(struct conf_ctx *ctx, const struct conn *c)
{
	int lf = c->local.subnet.addr.family, rf = c->remote.subnet.addr.family;

	if (lf != AF_UNSPEC && rf != AF_UNSPEC && lf != rf)
		return conf_error(
			ctx, c->file, c->line,
			"conn '%s': the local and remote subnets are of different address "
			"families",
			c->name);
	if (c->mode == MODE_TRANSPORT &&
	    (!subnet_is_host(&c->local) || !subnet_is_host(&c->remote)))
		return conf_error(
			ctx, c->file, c->line,
			"conn '%s': type=transport protects the hosts' own traffic; leave "
			"leftsubnet= and rightsubnet= out",
			c->name);
	return 0;
}

/* The default lists, parsed once for all conns: parsing them for each of
 * 100,000 conns (for those without ike= or esp=, and for the defaults a
 * list without '!' accepts) was most of conf_resolve. */
struct defaults {
	struct proposal_list ike, esp;
	int ike_err, esp_err;
	char ike_why[256], esp_why[256];
};

static void defaults_parse(struct defaults *d)
{
	d->ike_err = conf_proposals_parse("ike", CONF_IKE_DEFAULT, true, &d->ike, d->ike_why,
					  sizeof(d->ike_why));
	d->esp_err = conf_proposals_parse("esp", CONF_ESP_DEFAULT, false, &d->esp, d->esp_why,
					  sizeof(d->esp_why));
}

/* strongSwan's rule: a list without a trailing '!' accepts (and offers)
 * the default proposals too, after the configured ones.  They take the
 * configured group where one group is a must (Aggressive Mode's KE, the
 * PFS group of Quick Mode). */
static void add_defaults(struct proposal_list *l, const struct proposal_list *d, int d_err,
			 bool same_group)
{
	unsigned i, j;

	l->configured = l->n;
	if (l->strict || !l->n || d_err)
		return;
	for (i = 0; i < d->n && l->n < CONF_MAX_PROPOSALS; i++) {
		struct proposal dp = d->p[i];

		if (same_group)
			dp.dh = l->p[0].dh;
		for (j = 0; j < l->n; j++)
			if (!memcmp(&l->p[j], &dp, sizeof(dp)))
				break;
		if (j == l->n)
			l->p[l->n++] = dp;
	}
}

static int proposals(struct conf_ctx *ctx, const struct defaults *d, const struct conn_opts *o,
		     enum conn_key k, struct proposal_list *out)
{
	if (is_set(o, k)) {
		*out = *(k == CK_IKE ? o->ike : o->esp);
		return 0;
	}
	if (k == CK_IKE ? d->ike_err : d->esp_err)
		return conf_error(ctx, NULL, 0, "default proposals: %s",
				  k == CK_IKE ? d->ike_why : d->esp_why);
	*out = k == CK_IKE ? d->ike : d->esp;
	return 0;
}

/* Aggressive Mode carries one KE in its first message, and Quick Mode one
 * PFS KE: every proposal must name the same group. */
static int one_group(struct conf_ctx *ctx, const struct conn *c, const struct conn_opts *o,
		     enum conn_key k, const struct proposal_list *l, const char *why)
{
	const struct origin *at = &o->at[k];
	unsigned i;

	for (i = 1; i < l->n; i++) {
		const struct alg *a = l->p[0].dh, *b = l->p[i].dh;

		if (a == b)
			continue;
		return conf_error(ctx, is_set(o, k) ? origin_file(ctx, at) : c->file,
				  is_set(o, k) ? at->line : c->line,
				  "conn '%s': %s, but %s= offers %s and %s", c->name, why,
				  is_set(o, k) ? origin_key(at) : conn_key_name(k),
				  a ? a->name : "no PFS", b ? b->name : "no PFS");
	}
	return 0;
}

static void warn_weak(const struct conn *c, const char *key, const struct proposal_list *l)
{
	const struct alg *seen[3 * CONF_MAX_PROPOSALS];
	unsigned n = 0, i, j, k;

	for (i = 0; i < l->n; i++) {
		const struct alg *algs[3] = {l->p[i].encr, l->p[i].integ, l->p[i].dh};

		for (j = 0; j < 3; j++) {
			if (!algs[j] || !algs[j]->weak)
				continue;
			for (k = 0; k < n && seen[k] != algs[j]; k++)
				;
			if (k < n)
				continue;
			seen[n++] = algs[j];
			log_warn("conn '%s': %s= uses weak algorithm %s (RFC 9395: avoid it)",
				 c->name, key, algs[j]->name);
		}
	}
}

/* NAT-T, DPD and rekeying: the keys' defaults, as strongSwan's. */
static void resolve_timers(struct conn *c, const struct conn_opts *o)
{
	c->forceencaps = is_set(o, CK_FORCEENCAPS) && o->forceencaps;
	if (is_set(o, CK_DPDACTION))
		c->dpd_action = o->dpd_action;
	else
		c->dpd_action = is_set(o, CK_DPDDELAY) ? DPD_HOLD : DPD_NONE;
	c->dpd_delay_s = is_set(o, CK_DPDDELAY) ? o->dpd_delay_s : CONF_DPDDELAY_DEFAULT;
	c->dpd_timeout_s = is_set(o, CK_DPDTIMEOUT) ? o->dpd_timeout_s : CONF_DPDTIMEOUT_DEFAULT;
	c->rekey = !is_set(o, CK_REKEY) || o->rekey;
	c->margin_s = is_set(o, CK_MARGINTIME) ? o->margin_s : CONF_MARGIN_DEFAULT;
	c->fuzz_pct = is_set(o, CK_REKEYFUZZ) ? o->fuzz_pct : CONF_REKEYFUZZ_DEFAULT;
	c->fragmentation = is_set(o, CK_FRAGMENTATION) ? o->fragmentation : CONN_FRAG_YES;
}

static int build_conn(struct conf_ctx *ctx, const struct defaults *d, const struct section *sec,
		      const struct conn_opts *o, conf_is_local_fn is_local, void *arg,
		      struct conn *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	strcpy(c->name, sec->name);
	c->file = sec->file;
	c->line = sec->line;
	c->auto_ = is_set(o, CK_AUTO) ? o->auto_ : AUTO_IGNORE;
	c->mode = is_set(o, CK_TYPE) ? o->mode : MODE_TUNNEL;
	ret = resolve_ends(ctx, c, o, is_local, arg);
	if (ret)
		return ret;
	/* Only PSK is there yet: it is the default rather than strongSwan's
	 * pubkey, which would make every conn without authby= an error. */
	c->authby = is_set(o, CK_AUTHBY) ? o->authby : IKE_AUTH_PSK;
	/* with leftcert= and no authby=: strongSwan's pubkey (certs.c makes it exact) */
	if (!is_set(o, CK_AUTHBY) && c->local.cert)
		c->authby = CONF_AUTHBY_PUBKEY;
	c->ikelifetime_s = is_set(o, CK_IKELIFETIME) ? o->ikelifetime_s : CONF_IKELIFETIME_DEFAULT;
	c->lifetime_s = is_set(o, CK_LIFETIME) ? o->lifetime_s : CONF_LIFETIME_DEFAULT;
	c->lifebytes = is_set(o, CK_LIFEBYTES) ? o->lifebytes : 0;
	c->aggressive = is_set(o, CK_AGGRESSIVE) && o->aggressive;
	resolve_timers(c, o);
	ret = proposals(ctx, d, o, CK_IKE, &c->ike);
	if (!ret)
		ret = proposals(ctx, d, o, CK_ESP, &c->esp);
	if (!ret)
		ret = conf_pfs_resolve(ctx, c, o); /* pfs=, libreswan.c */
	if (!ret)
		ret = check_selectors(ctx, c);
	if (!ret && c->aggressive)
		ret = one_group(ctx, c, o, CK_IKE, &c->ike, "aggressive mode sends one DH group");
	if (!ret)
		ret = one_group(ctx, c, o, CK_ESP, &c->esp, "quick mode sends one PFS group");
	if (ret)
		return ret;
	warn_weak(c, is_set(o, CK_IKE) ? origin_key(&o->at[CK_IKE]) : "ike", &c->ike);
	warn_weak(c, is_set(o, CK_ESP) ? origin_key(&o->at[CK_ESP]) : "esp", &c->esp);
	add_defaults(&c->ike, &d->ike, d->ike_err, c->aggressive);
	add_defaults(&c->esp, &d->esp, d->esp_err, true);
	return 0;
}

int conf_resolve(struct conf_ctx *ctx, conf_is_local_fn is_local, void *arg, struct conn **out,
		 unsigned *nout)
{
	struct resolver r = {.ctx = ctx};
	struct conn *conns = NULL;
	struct defaults defaults;
	unsigned i, j, n = 0, cap = ctx->nsecs + 1;
	int ret = -ENOMEM;

	defaults_parse(&defaults);

	r.parents = calloc(ctx->nsecs + 1, sizeof(*r.parents));
	r.nparents = calloc(ctx->nsecs + 1, sizeof(*r.nparents));
	r.state = calloc(ctx->nsecs + 1, 1);
	conns = calloc(ctx->nsecs + 1, sizeof(*conns));
	if (!r.parents || !r.nparents || !r.state || !conns)
		goto out;
	r.def = conf_find_section(ctx, "%default");
	ret = 0;
	for (i = 0; i < ctx->nsecs && !ret; i++)
		ret = linearize(&r, i);
	for (i = 0; i < ctx->nsecs && !ret; i++) {
		struct conn_opts o = ctx->secs[i].opts;
		struct ra_opts ra = {0};

		if ((int)i == r.def)
			continue;
		conf_ra_merge(ctx, &ra, o.ra);
		for (j = 0; j < r.nparents[i]; j++) {
			merge(&o, &ctx->secs[r.parents[i][j]].opts);
			conf_ra_merge(ctx, &ra, ctx->secs[r.parents[i][j]].opts.ra);
		}
		if (r.def >= 0) {
			merge(&o, &ctx->secs[r.def].opts);
			conf_ra_merge(ctx, &ra, ctx->secs[r.def].opts.ra);
		}
		if (conf_dialect_skip(ctx, &ctx->secs[i], &o)) /* IKEv2: dialect.c */
			continue;
		ret = conf_dialect_raise(ctx, &ctx->secs[i], r.parents[i], r.nparents[i], r.def);
		if (ret)
			break;
		ret = build_conn(ctx, &defaults, &ctx->secs[i], &o, is_local, arg, &conns[n]);
		if (!ret) /* XAUTH and Mode Config (ra.c) */
			ret = conf_ra_resolve(ctx, &ra, &o, &conns[n]);
		if (!ret)
			ret = conf_subnets_expand(ctx, &o, &conns, &cap, &n); /* n++, or a group */
		else if (ret == 1)
			ret = 0;
	}
out:
	for (i = 0; r.parents && i < ctx->nsecs; i++)
		free(r.parents[i]);
	free(r.parents);
	free(r.nparents);
	free(r.state);
	if (ret) {
		free(conns);
		return ret;
	}
	*out = conns;
	*nout = n;
	return 0;
}
