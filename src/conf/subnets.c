/* Several subnets per conn: leftsubnet=10.1.0.0/24,10.11.0.0/24 and
 * rightsubnet=10.2.0.0/24,10.12.0.0/24 negotiate one Quick Mode per pair
 * of subnets, as Libreswan does (and as Cisco and FortiGate peers expect:
 * one IPsec SA per pair).  As in Libreswan, the conn NAME becomes one conn
 * per pair, NAME/1x1, NAME/1x2, NAME/2x1, NAME/2x2 (left index x right
 * index), next to one another in conf.conns; the rest of oakley sees
 * ordinary conns, each with its own SAs, policies and reqid, and
 * `oakleyctl up NAME` / `down NAME` take the whole group. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/internal.h"
#include "util/log.h"

#define SUBNETS_VALUE_MAX 4096

static int parse_one(struct conf_ctx *ctx, const struct setting *s, const char *tok,
		     struct conf_ts *ts)
{
	char addr[CONF_ADDR_STRLEN];
	bool host_bits;

	bool one = !strcmp(tok, s->value); /* the value is this subnet alone */

	if (conf_subnet_parse(tok, ts, &host_bits) && one)
		return conf_error(ctx, s->file, s->line,
				  "%s=%s is not a subnet (ADDRESS/PREFIXLEN, or an address)",
				  s->key, s->value);
	if (conf_subnet_parse(tok, ts, &host_bits))
		return conf_error(ctx, s->file, s->line,
				  "%s=%s: '%s' is not a subnet (ADDRESS/PREFIXLEN, or an address)",
				  s->key, s->value, tok);
	if (host_bits) {
		conf_addr_str(&ts->addr, addr, sizeof(addr));
		if (one)
			log_warn("%s:%u: %s=%s has host bits set; it means %s/%u", s->file, s->line,
				 s->key, s->value, addr, ts->prefixlen);
		else
			log_warn("%s:%u: %s=%s: %s has host bits set; it means %s/%u", s->file,
				 s->line, s->key, s->value, tok, addr, ts->prefixlen);
	}
	return 0;
}

static bool ts_same(const struct conf_ts *a, const struct conf_ts *b)
{
	return conf_addr_equal(&a->addr, &b->addr) && a->prefixlen == b->prefixlen;
}

static int keep_list(struct conf_ctx *ctx, const struct conf_subnet_list *l, uint32_t *idx)
{
	struct conf_subnet_list **grown, *copy;

	if (ctx->nsubnet_lists == ctx->capsubnet_lists) {
		unsigned cap = ctx->capsubnet_lists ? 2 * ctx->capsubnet_lists : 16;

		grown = realloc(ctx->subnet_lists, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		ctx->subnet_lists = grown;
		ctx->capsubnet_lists = cap;
	}
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *l;
	ctx->subnet_lists[ctx->nsubnet_lists++] = copy;
	*idx = ctx->nsubnet_lists; /* index + 1 */
	return 0;
}

int conf_subnets_parse(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	struct subnet_opt *so = field;
	struct conf_subnet_list l = {0};
	char buf[SUBNETS_VALUE_MAX], *tok, *save = NULL;
	unsigned i;
	int err;

	if (strlen(s->value) >= sizeof(buf))
		return conf_error(ctx, s->file, s->line, "%s= is too long", s->key);
	strcpy(buf, s->value);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (l.n == CONF_MAX_SUBNETS)
			return conf_error(ctx, s->file, s->line,
					  "%s=%s lists more than %d subnets, the most a side may "
					  "have",
					  s->key, s->value, CONF_MAX_SUBNETS);
		err = parse_one(ctx, s, tok, &l.ts[l.n]);
		if (err)
			return err;
		for (i = 0; i < l.n; i++)
			if (ts_same(&l.ts[i], &l.ts[l.n]))
				return conf_error(ctx, s->file, s->line, "%s=%s lists '%s' twice",
						  s->key, s->value, tok);
		l.n++;
	}
	if (!l.n)
		return conf_error(ctx, s->file, s->line,
				  "%s=%s is not a subnet (ADDRESS/PREFIXLEN, or an address)",
				  s->key, s->value);
	so->first = l.ts[0];
	so->list = 0;
	return l.n > 1 ? keep_list(ctx, &l, &so->list) : 0;
}

void conf_subnets_free(struct conf_ctx *ctx)
{
	unsigned i;

	for (i = 0; i < ctx->nsubnet_lists; i++)
		free(ctx->subnet_lists[i]);
	free(ctx->subnet_lists);
	ctx->subnet_lists = NULL;
	ctx->nsubnet_lists = ctx->capsubnet_lists = 0;
}

/* A side's subnets (left 0, right 1), the protoport applied; NULL when
 * the side has no leftsubnet= (host-to-host on that side). */
static const struct conf_subnet_list *side_list(const struct conf_ctx *ctx,
						const struct conn_opts *o, unsigned side,
						struct conf_subnet_list *out)
{
	const struct subnet_opt *so = &o->side[side].subnet;
	unsigned i;

	if (o->state[CK_LEFTSUBNET + side] != OPT_SET)
		return NULL;
	if (so->list && so->list <= ctx->nsubnet_lists) {
		*out = *ctx->subnet_lists[so->list - 1];
	} else {
		out->n = 1;
		out->ts[0] = so->first;
	}
	if (o->state[CK_LEFTPROTOPORT + side] == OPT_SET)
		for (i = 0; i < out->n; i++) {
			out->ts[i].proto = o->side[side].pp.proto;
			out->ts[i].port = o->side[side].pp.port;
		}
	return out;
}

static int grow(struct conn **conns, unsigned *cap, unsigned more)
{
	struct conn *g = realloc(*conns, (size_t)(*cap + more) * sizeof(**conns));

	if (!g)
		return -ENOMEM;
	*conns = g;
	*cap += more;
	return 0;
}

/* Pair (i, j) of the lists into c, a copy of the conn as built. */
static int make_pair(struct conf_ctx *ctx, const struct conf_subnet_list *const l[2], unsigned i,
		     unsigned j, struct conn *c)
{
	struct conf_end *left = c->local_is_left ? &c->local : &c->remote;
	struct conf_end *right = c->local_is_left ? &c->remote : &c->local;
	char base[sizeof(c->name) - sizeof("/16x16") + 1], a[CONF_ADDR_STRLEN], b[CONF_ADDR_STRLEN];

	if (l[0])
		left->subnet = l[0]->ts[i];
	if (l[1])
		right->subnet = l[1]->ts[j];
	/* a Mode Config server's peer side is the address it leases: any family yet */
	if (left->subnet.addr.family != right->subnet.addr.family &&
	    !(c->ra.modecfg_server && c->remote.subnet.addr.family == AF_UNSPEC)) {
		conf_addr_str(&left->subnet.addr, a, sizeof(a));
		conf_addr_str(&right->subnet.addr, b, sizeof(b));
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': pair %ux%u mixes IPv4 and IPv6 (leftsubnet %s/%u, "
				  "rightsubnet %s/%u); a pair is of one address family",
				  c->name, i + 1, j + 1, a, left->subnet.prefixlen, b,
				  right->subnet.prefixlen);
	}
	memcpy(base, c->name, sizeof(base) - 1); /* fits: conf_subnets_expand checked */
	base[sizeof(base) - 1] = 0;
	snprintf(c->name, sizeof(c->name), "%s/%ux%u", base, (i + 1) % 100, (j + 1) % 100);
	if (conf_find_section(ctx, c->name) >= 0)
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': its pair %ux%u would be named '%s', the name of "
				  "another conn",
				  base, i + 1, j + 1, c->name);
	c->subnet_left = (uint8_t)(i + 1);
	c->subnet_right = (uint8_t)(j + 1);
	return 0;
}

int conf_subnets_expand(struct conf_ctx *ctx, const struct conn_opts *o, struct conn **conns,
			unsigned *cap, unsigned *n)
{
	struct conf_subnet_list one[2];
	const struct conf_subnet_list *l[2] = {side_list(ctx, o, 0, &one[0]),
					       side_list(ctx, o, 1, &one[1])};
	unsigned nl = l[0] ? l[0]->n : 1, nr = l[1] ? l[1]->n : 1, i, j, k = 0;
	struct conn base = (*conns)[*n];
	int err;

	if (nl * nr == 1) {
		(*n)++;
		return 0;
	}
	if (base.mode == MODE_TRANSPORT)
		return conf_error(ctx, base.file, base.line,
				  "conn '%s': type=transport protects the hosts' own traffic; "
				  "several subnets need type=tunnel",
				  base.name);
	if (strlen(base.name) + sizeof("/16x16") > sizeof(base.name))
		return conf_error(ctx, base.file, base.line,
				  "conn '%s': the name is too long for several subnets (its pairs "
				  "are named NAME/1x1 ...)",
				  base.name);
	/* conns[*n] is this section's slot; the rest of the sections keep
	 * theirs after the pairs. */
	err = grow(conns, cap, nl * nr - 1);
	if (err)
		return err;
	for (i = 0; i < nl; i++)
		for (j = 0; j < nr; j++, k++) {
			struct conn *c = &(*conns)[*n + k];

			*c = base;
			c->group_n = (uint16_t)(nl * nr);
			c->group_i = (uint16_t)k;
			err = make_pair(ctx, l, i, j, c);
			if (err)
				return err;
		}
	*n += k;
	return 0;
}

const struct conn *conf_group(const struct conf *c, const char *name, unsigned *n)
{
	char first[sizeof(((struct conn *)0)->name) + 8];
	const struct conn *g;

	if (snprintf(first, sizeof(first), "%s/1x1", name) >= (int)sizeof(first))
		return NULL;
	g = conf_conn(c, first);
	if (!g || !g->group_n || g->group_i || g + g->group_n > c->conns + c->nconns)
		return NULL;
	*n = g->group_n;
	return g;
}

int conf_group_name(const struct conn *c, char *out, size_t len)
{
	const char *slash = strrchr(c->name, '/');
	size_t n;

	if (!c->group_n || !slash)
		return -ENOENT;
	n = (size_t)(slash - c->name);
	if (n >= len)
		return -ENOSPC;
	memcpy(out, c->name, n);
	out[n] = 0;
	return 0;
}
