/* Address pools of Mode Config servers (rightsourceip=, rightaddresspool=)
 * and the DNS lists they hand out.
 *
 * A pool is FIRST-LAST (both given), one address, or a CIDR that leaves
 * out what strongSwan's mem_pool leaves out: with the network's own
 * address (10.3.0.0/24) the first address handed out is the next one
 * (.1) and the broadcast address (.255) is not handed out; with an
 * address inside the network (10.3.0.100/24) the pool starts there and
 * still ends before the broadcast address.  A /31 or /32 (IPv6: /127,
 * /128) hands out its addresses as they are.  Conns that name the same
 * range share one pool; ranges that overlap otherwise are an error, since
 * two pools would hand out one address twice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/ra.h"
#include "ike/lease.h"

static unsigned addr_len(const struct conf_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

/* a += v (v < 2^31), big-endian over the family's bytes. */
static void addr_add(struct conf_addr *a, uint32_t v)
{
	unsigned i = addr_len(a);
	uint64_t carry = v;

	while (i-- > 0 && carry) {
		carry += a->a.b[i];
		a->a.b[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

/* b - a when b >= a and they differ in their last 8 bytes only (every
 * pool is far smaller); else UINT64_MAX. */
static uint64_t addr_diff(const struct conf_addr *a, const struct conf_addr *b)
{
	unsigned n = addr_len(a), low = n < 8 ? n : 8, i;
	uint64_t x = 0, y = 0;

	if (memcmp(a->a.b, b->a.b, n - low))
		return UINT64_MAX;
	for (i = n - low; i < n; i++) {
		x = (x << 8) | a->a.b[i];
		y = (y << 8) | b->a.b[i];
	}
	return y >= x ? y - x : UINT64_MAX;
}

static int pool_range(const char *s, const char *dash, struct conf_addr *first,
		      struct conf_addr *last, const char **why)
{
	char left[64];
	uint64_t d;

	if ((size_t)(dash - s) >= sizeof(left) || conf_addr_parse(dash + 1, last)) {
		*why = "is not a range FIRST-LAST of two addresses";
		return -EINVAL;
	}
	memcpy(left, s, (size_t)(dash - s));
	left[dash - s] = 0;
	if (conf_addr_parse(left, first)) {
		*why = "is not a range FIRST-LAST of two addresses";
		return -EINVAL;
	}
	if (first->family != last->family) {
		*why = "mixes IPv4 and IPv6";
		return -EINVAL;
	}
	d = addr_diff(first, last);
	if (d == UINT64_MAX && memcmp(first->a.b, last->a.b, addr_len(first)) > 0) {
		*why = "ends before it starts";
		return -EINVAL;
	}
	if (d >= LEASE_POOL_MAX) {
		*why = "holds more than 65536 addresses (oakley's largest pool)";
		return -EINVAL;
	}
	return 0;
}

static int pool_cidr(const char *s, const char *slash, struct conf_addr *first,
		     struct conf_addr *last, const char **why)
{
	struct conf_addr base, net;
	unsigned long prefix;
	unsigned bits, hostbits, i;
	uint64_t size, diff;
	char addr[64], *end;

	if ((size_t)(slash - s) >= sizeof(addr) || slash[1] < '0' || slash[1] > '9')
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (*end || conf_addr_parse(addr, &base))
		goto bad;
	bits = 8 * addr_len(&base);
	if (prefix > bits)
		goto bad;
	hostbits = bits - (unsigned)prefix;
	if (hostbits > 16) {
		*why = "holds more than 65536 addresses (oakley's largest pool)";
		return -EINVAL;
	}
	net = base;
	for (i = 0; i < bits; i++)
		if (i >= prefix)
			net.a.b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	diff = addr_diff(&net, &base);
	size = 1ull << hostbits;
	*first = base;
	if (size > 2) {
		if (!diff) { /* the network's address: from the next one */
			addr_add(first, 1);
			size--;
		} else {
			size -= diff;
		}
		size--; /* not the broadcast address */
	} else if (diff) {
		size--; /* /31 from its second address: that one alone */
	}
	if (!size) {
		*why = "holds no address to hand out (it is the broadcast address)";
		return -EINVAL;
	}
	*last = *first;
	addr_add(last, (uint32_t)(size - 1));
	return 0;
bad:
	*why = "is not a subnet ADDRESS/PREFIXLEN";
	return -EINVAL;
}

int conf_pool_parse(const char *s, struct conf_addr *first, struct conf_addr *last,
		    const char **why)
{
	const char *dash = strchr(s, '-'), *slash = strchr(s, '/');

	if (strpbrk(s, ", \t")) {
		*why = "names several pools; oakley takes one per conn";
		return -EINVAL;
	}
	if (dash)
		return pool_range(s, dash, first, last, why);
	if (slash)
		return pool_cidr(s, slash, first, last, why);
	if (conf_addr_parse(s, first)) {
		*why = "is not a pool (CIDR such as 10.3.0.0/24, or FIRST-LAST)";
		return -EINVAL;
	}
	*last = *first;
	return 0;
}

static bool same_range(const struct conf_pool *p, const struct conf_addr *first,
		       const struct conf_addr *last)
{
	return conf_addr_equal(&p->first, first) && conf_addr_equal(&p->last, last);
}

static bool overlaps(const struct conf_pool *p, const struct conf_addr *first,
		     const struct conf_addr *last)
{
	unsigned n = addr_len(first);

	return p->first.family == first->family && memcmp(p->first.a.b, last->a.b, n) <= 0 &&
	       memcmp(first->a.b, p->last.a.b, n) <= 0;
}

int conf_pool_add(struct conf_ctx *ctx, const struct setting *s, uint32_t *idx)
{
	struct conf_addr first, last;
	struct conf_pool *p;
	const char *why;
	unsigned i;

	if (conf_pool_parse(s->value, &first, &last, &why))
		return conf_error(ctx, s->file, s->line, "%s=%s %s", s->key, s->value, why);
	for (i = 0; i < ctx->npools; i++) {
		if (same_range(&ctx->pools[i], &first, &last)) {
			*idx = i;
			return 0;
		}
		if (overlaps(&ctx->pools[i], &first, &last))
			return conf_error(ctx, s->file, s->line,
					  "%s=%s overlaps the pool %s of another conn (conns share "
					  "a pool when they name the same range)",
					  s->key, s->value, ctx->pools[i].name);
	}
	if (ctx->npools == ctx->cappools) {
		unsigned cap = ctx->cappools ? 2 * ctx->cappools : 4;

		p = realloc(ctx->pools, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ctx->pools = p;
		ctx->cappools = cap;
	}
	p = &ctx->pools[ctx->npools];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", s->value);
	p->first = first;
	p->last = last;
	*idx = ctx->npools++;
	return 0;
}

static bool is_config_token(const char *w)
{
	return !strcmp(w, "%config") || !strcmp(w, "%config4") || !strcmp(w, "%config6");
}

int conf_dns_parse(const char *s, struct conf_addr *out, uint8_t *n, unsigned *nconfig,
		   const char **why)
{
	char word[64];
	size_t len;

	*n = 0;
	if (nconfig)
		*nconfig = 0;
	while (*s) {
		len = strcspn(s, ", \t");
		if (!len) {
			s++;
			continue;
		}
		if (len >= sizeof(word)) {
			*why = "holds a word that is no address";
			return -EINVAL;
		}
		memcpy(word, s, len);
		word[len] = 0;
		s += len;
		if (nconfig && is_config_token(word)) {
			(*nconfig)++;
			continue;
		}
		if (*n == CONF_MAX_DNS) {
			*why = "names more than 4 DNS servers";
			return -EINVAL;
		}
		if (conf_addr_parse(word, &out[*n])) {
			*why = nconfig ? "is not a list of addresses (or %config4, %config6)"
				       : "is not a list of addresses";
			return -EINVAL;
		}
		(*n)++;
	}
	if (!*n && (!nconfig || !*nconfig)) {
		*why = "names no address";
		return -EINVAL;
	}
	return 0;
}
