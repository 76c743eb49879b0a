/* xfrm-bulk: installs N tunnels in the kernel (two ESP SAs and in, out
 * and fwd policies each) through oakley's kernel layer, or removes them,
 * and prints the time taken.  For tests/vm/t_xfrm_bulk.sh and as a bench;
 * run it in a network namespace of its own.
 *
 *   xfrm-bulk [-n N] [-s] [-P] [-H BITS] install|remove
 *
 * -s sends one request at a time and waits for its ack (the synchronous
 * calls); the default is batched.  -P: policies only (for a kernel with
 * no ESP).  -H 24 first sets the kernel's IPv4 policy hash thresholds to
 * /24, so that these tunnels' policies are hashed (see xfrm.h).
 *
 * Tunnel i joins 192.0.2.1 and a peer in 198.18.0.0/15, between
 * 10.H.L.0/24 and 10.(128+H).L.0/24 (i = 256 H + L), with SPIs
 * 0x10000000 + 2i (in) and + 2i + 1 (out).  Prints one line per run:
 *
 *   xfrm-bulk: install 10000 tunnels (20000 SAs, 30000 policies) batched: 1.234 s ...
 *
 * and exits 1 if any request failed (with the first failure and the
 * count). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel/xfrm.h"

#define MAX_TUNNELS 32768 /* 10.0-127.x.0/24: 128 * 256 */
#define SPI_BASE    0x10000000u
#define REQID_BASE  1000u

static const uint8_t enc_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t auth_key[32] = {0xa5};

struct opts {
	unsigned n;
	int hthresh; /* -1: leave the kernel's */
	bool sync, policies_only, install;
};

/* Requests of one run; a sync run counts its failures here too. */
struct run {
	struct xfrm *x;
	const struct opts *o;
	unsigned failures;
	int first_err;
	const char *first_what;
	char first_kmsg[160];
};

static struct xfrm_addr v4(uint32_t host_order)
{
	struct xfrm_addr a = {.family = AF_INET};

	a.b[0] = host_order >> 24;
	a.b[1] = host_order >> 16;
	a.b[2] = host_order >> 8;
	a.b[3] = host_order;
	return a;
}

static struct xfrm_addr local_gw(void)
{
	return v4(0xc0000201); /* 192.0.2.1 */
}

/* Spread (i * odd mod 2^15 is a bijection): the kernel hashes an SA's
 * addresses with its reqid, which counts up with i, and peer i + 1 with
 * reqid i + 1000 would fall into few buckets. */
static struct xfrm_addr peer_gw(unsigned i)
{
	return v4(0xc6120000 + 1 + ((i * 40503u) & (MAX_TUNNELS - 1)));
}

static struct xfrm_sel sel(unsigned i, bool out)
{
	struct xfrm_sel s = {.src_plen = 24, .dst_plen = 24};
	struct xfrm_addr local = v4(0x0a000000 | (i << 8));
	struct xfrm_addr remote = v4(0x0a800000 | (i << 8));

	s.src = out ? local : remote;
	s.dst = out ? remote : local;
	return s;
}

static void tunnel_sa(unsigned i, bool in, struct xfrm_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->src = in ? peer_gw(i) : local_gw();
	sa->dst = in ? local_gw() : peer_gw(i);
	sa->spi = SPI_BASE + 2 * i + (in ? 0 : 1);
	sa->proto = IPPROTO_ESP;
	sa->tunnel = true;
	sa->reqid = REQID_BASE + i;
	sa->enc = (struct xfrm_alg_key){"cbc(aes)", enc_key, sizeof(enc_key), 0};
	sa->auth = (struct xfrm_alg_key){"hmac(sha256)", auth_key, sizeof(auth_key), 128};
	sa->soft_secs = 3240;
	sa->hard_secs = 3600;
}

static void tunnel_policy(unsigned i, uint8_t dir, struct xfrm_pol *p)
{
	bool out = dir == XFRM_POLICY_OUT;

	memset(p, 0, sizeof(*p));
	p->sel = sel(i, out);
	p->dir = dir;
	p->priority = 1952;
	p->proto = IPPROTO_ESP;
	p->tunnel = true;
	p->reqid = REQID_BASE + i;
	p->tmpl_src = out ? local_gw() : peer_gw(i);
	p->tmpl_dst = out ? peer_gw(i) : local_gw();
}

/* A synchronous call's result, counted like a batch's. */
static void sync_result(struct run *r, int err, const char *what)
{
	if (!err)
		return;
	if (!r->failures++) {
		r->first_err = err;
		r->first_what = what;
		snprintf(r->first_kmsg, sizeof(r->first_kmsg), "%s", xfrm_kernel_msg(r->x));
	}
}

static const uint8_t dirs[] = {XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD};

/* One tunnel's requests: synchronously, or queued on the open batch. */
static void install_tunnel(struct run *r, unsigned i)
{
	struct xfrm_sa sa;
	struct xfrm_pol p;
	unsigned d;

	if (!r->o->policies_only) {
		tunnel_sa(i, true, &sa);
		if (r->o->sync)
			sync_result(r, xfrm_add_sa(r->x, &sa), "inbound SA");
		else
			xfrm_batch_add_sa(r->x, &sa);
		tunnel_sa(i, false, &sa);
		if (r->o->sync)
			sync_result(r, xfrm_add_sa(r->x, &sa), "outbound SA");
		else
			xfrm_batch_add_sa(r->x, &sa);
	}
	for (d = 0; d < sizeof(dirs); d++) {
		tunnel_policy(i, dirs[d], &p);
		if (r->o->sync)
			sync_result(r, xfrm_add_policy(r->x, &p), "policy");
		else
			xfrm_batch_add_policy(r->x, &p);
	}
}

static void remove_tunnel(struct run *r, unsigned i)
{
	struct xfrm_addr dst;
	struct xfrm_sel s;
	unsigned d;

	for (d = 0; d < sizeof(dirs); d++) {
		s = sel(i, dirs[d] == XFRM_POLICY_OUT);
		if (r->o->sync)
			sync_result(r, xfrm_del_policy(r->x, &s, dirs[d]), "policy");
		else
			xfrm_batch_del_policy(r->x, &s, dirs[d]);
	}
	if (r->o->policies_only)
		return;
	dst = local_gw();
	if (r->o->sync)
		sync_result(r, xfrm_del_sa(r->x, &dst, SPI_BASE + 2 * i, IPPROTO_ESP),
			    "inbound SA");
	else
		xfrm_batch_del_sa(r->x, &dst, SPI_BASE + 2 * i, IPPROTO_ESP);
	dst = peer_gw(i);
	if (r->o->sync)
		sync_result(r, xfrm_del_sa(r->x, &dst, SPI_BASE + 2 * i + 1, IPPROTO_ESP),
			    "outbound SA");
	else
		xfrm_batch_del_sa(r->x, &dst, SPI_BASE + 2 * i + 1, IPPROTO_ESP);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Which request a batch index is: the per-tunnel order above. */
static const char *batch_what(const struct opts *o, unsigned index)
{
	unsigned per = o->policies_only ? 3 : 5, k = index % per;

	if (o->policies_only || (o->install ? k >= 2 : k < 3))
		return "policy";
	return (o->install ? k : k - 3) == 0 ? "inbound SA" : "outbound SA";
}

static int run_all(struct run *r)
{
	const struct opts *o = r->o;
	unsigned i, failed = 0;
	int err;

	if (!o->sync)
		xfrm_batch_begin(r->x);
	for (i = 0; i < o->n; i++)
		(o->install ? install_tunnel : remove_tunnel)(r, i);
	if (o->sync)
		return r->failures ? r->first_err : 0;
	err = xfrm_batch_end(r->x, &failed);
	r->failures = xfrm_batch_failures(r->x);
	if (err) {
		r->first_err = err;
		r->first_what = batch_what(o, failed);
		snprintf(r->first_kmsg, sizeof(r->first_kmsg), "%s", xfrm_kernel_msg(r->x));
		if (!r->failures)
			r->failures = 1; /* the batch itself failed */
	}
	return err;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	o->n = 1000;
	o->hthresh = -1;
	while ((c = getopt(argc, argv, "n:sPH:")) != -1) {
		switch (c) {
		case 'n':
			o->n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->sync = true;
			break;
		case 'P':
			o->policies_only = true;
			break;
		case 'H':
			o->hthresh = atoi(optarg);
			if (o->hthresh < 0 || o->hthresh > 32)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || !o->n || o->n > MAX_TUNNELS)
		return -1;
	if (!strcmp(argv[optind], "install"))
		o->install = true;
	else if (strcmp(argv[optind], "remove"))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct run r = {.o = &o};
	double t0, secs;
	int err;

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr,
			"usage: xfrm-bulk [-n N (1..%u)] [-s] [-P] [-H BITS] install|remove\n",
			MAX_TUNNELS);
		return 2;
	}
	err = xfrm_open(&r.x);
	if (err) {
		fprintf(stderr, "xfrm-bulk: %s\n", xfrm_strerror(err));
		return 1;
	}
	if (o.hthresh >= 0) {
		struct xfrm_hthresh h = {
			.v4_local = o.hthresh, .v4_remote = o.hthresh, .keep_v6 = true};

		err = xfrm_set_policy_hthresh(r.x, &h);
		if (err) {
			fprintf(stderr, "xfrm-bulk: hash thresholds: %s\n", xfrm_strerror(err));
			xfrm_close(r.x);
			return 1;
		}
	}
	t0 = now_s();
	err = run_all(&r);
	secs = now_s() - t0;
	printf("xfrm-bulk: %s %u tunnels (%u SAs, %u policies) %s: %.3f s, %.0f tunnels/s, "
	       "%u failed",
	       o.install ? "install" : "remove", o.n, o.policies_only ? 0 : 2 * o.n, 3 * o.n,
	       o.sync ? "one ack at a time" : "batched", secs, o.n / secs, r.failures);
	if (!o.sync)
		printf(", window %u", xfrm_batch_window(r.x));
	printf(" ms=%.0f\n", secs * 1000);
	if (err)
		printf("xfrm-bulk: first failure: %s: %s%s%s\n", r.first_what, xfrm_strerror(err),
		       r.first_kmsg[0] ? ": " : "", r.first_kmsg);
	xfrm_close(r.x);
	return err ? 1 : 0;
}
