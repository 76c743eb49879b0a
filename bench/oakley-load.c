/* oakley-load: brings up N tunnels (Main Mode PSK + Quick Mode) against
 * one responder, at most C at a time, from one process on oakley's own
 * engine (ike_daemon_new, ike_up), and reports tunnels/s, failures and
 * setup times.  Each tunnel is a connection of its own (its own ID
 * @tN.load and its own selector 10.x.y.z/32 === 172.16.0.0/16), so each
 * is a full exchange; dataplane=none, nothing goes to the kernel.
 *
 * The configuration is one conn parsed by the conf parser (so it gets the
 * parser's defaults and checks), cloned N times in memory.  A bench tool,
 * not a test: it asserts nothing about the figures. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "crypto/dh.h"
#include "ike/dh_job.h"
#include "ike/ike.h"
#include "util/job.h"
#include "util/log.h"
#include "util/loop.h"

#define MAX_TUNNELS (1u << 24) /* selectors are 10.0.0.0/8 host addresses */
#define MAX_WHYS    8	       /* distinct failure reasons kept */

struct tunnel {
	struct load *l;
	uint64_t started_ms;
	uint32_t took_ms;
	bool ok;
};

struct why_count {
	char why[200];
	unsigned n;
};

struct load {
	struct loop *loop;
	struct conf *conf;
	struct ike_daemon *d;
	struct tunnel *t;
	unsigned n, conc, next, inflight, done, ok, failed;
	uint64_t start_ms, end_ms;
	struct timer pump, progress;
	struct why_count whys[MAX_WHYS];
	unsigned nwhys, whys_other;
	bool hold, quiet, finished;
	const char *group, *cipher;
	char setup[512]; /* extra "config setup" lines (-s), each "\tKEY=VALUE\n" */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: oakley-load [-n N] [-c C] [-g GROUP] [-e CIPHER-INTEG] [-k PSK]\n"
		   "                   [-l LOCALADDR] [-s KEY=VALUE]... [-H] [-q] [-v] PEER\n"
		   "  -n  tunnels to bring up (default 1000)\n"
		   "  -c  at most C exchanges in flight (default 32)\n"
		   "  -g  DH group for Main Mode: ecp256, modp2048, ... (default ecp256)\n"
		   "  -e  phase-1 and ESP cipher-integrity (default aes128-sha1)\n"
		   "  -k  pre-shared key (default \"oakley-load\")\n"
		   "  -l  local address (default: the one the route to PEER uses)\n"
		   "  -s  one more line for config setup (threads=2, ...); repeatable\n"
		   "  -H  after the report, hold the tunnels until SIGTERM or SIGINT\n"
		   "  -q  no progress lines\n"
		   "  -v  the engine's log at info level (-vv: debug)\n"
		   "The responder must accept IDs @tN.load with PSK authentication and\n"
		   "Quick Mode selectors 10.0.0.0/8 (one host each) === 172.16.0.0/16.\n");
}

/* The address this host sends to PEER from: a connected UDP socket's name. */
static int route_source(const struct conf_addr *peer, struct conf_addr *out)
{
	struct sockaddr_storage ss = {0};
	socklen_t len = sizeof(ss);
	int fd, err = 0;

	if (peer->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(500);
		s4->sin_addr = peer->a.v4;
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(500);
		s6->sin6_addr = peer->a.v6;
		len = sizeof(*s6);
	}
	fd = socket(peer->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->family = peer->family;
	if (peer->family == AF_INET)
		out->a.v4 = ((struct sockaddr_in *)&ss)->sin_addr;
	else
		out->a.v6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	return 0;
}

static bool is_local(const struct conf_addr *a, void *arg)
{
	return conf_addr_equal(a, arg);
}

/* A file in memory holding text, for conf_load: 0600 so the secrets check
 * accepts it.  Returns its descriptor or -errno. */
static int memfile(const char *name, const char *text)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t len = strlen(text), off = 0;
	ssize_t w;

	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600))
		goto fail;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	return fd;
fail:
	w = -errno;
	close(fd);
	return (int)w;
}

/* One conn "t" through the parser, with every default it applies. */
static int load_template(struct load *l, const char *local, const char *peer, const char *psk,
			 struct conf_addr *local_addr, struct conf **out)
{
	char conf_text[2048], secrets_text[600], cpath[64], spath[64], err[512];
	int cfd = -1, sfd = -1, ret, i;
	size_t k;

	ret = snprintf(conf_text, sizeof(conf_text),
		       "config setup\n\tdataplane=none\n\tuniqueids=no\n%s\n"
		       "conn t\n\tleft=%s\n\tleftid=@t0.load\n\tleftsubnet=10.0.0.1/32\n"
		       "\tright=%s\n\trightsubnet=172.16.0.0/16\n\tike=%s-%s!\n\tesp=%s!\n"
		       "\tauto=add\n",
		       l->setup, local, peer, l->cipher, l->group, l->cipher);
	if (ret < 0 || (size_t)ret >= sizeof(conf_text)) {
		fprintf(stderr, "oakley-load: -g, -e or -s is too long\n");
		return -EINVAL;
	}
	i = snprintf(secrets_text, sizeof(secrets_text), ": PSK 0x");
	for (k = 0; psk[k] && i + 4 < (int)sizeof(secrets_text); k++)
		i += snprintf(secrets_text + i, sizeof(secrets_text) - (size_t)i, "%02x",
			      (unsigned char)psk[k]);
	if (psk[k]) {
		fprintf(stderr, "oakley-load: the PSK is too long\n");
		return -EINVAL;
	}
	snprintf(secrets_text + i, sizeof(secrets_text) - (size_t)i, "\n");
	cfd = memfile("oakley-load.conf", conf_text);
	sfd = memfile("oakley-load.secrets", secrets_text);
	explicit_bzero(secrets_text, sizeof(secrets_text));
	if (cfd < 0 || sfd < 0) {
		ret = cfd < 0 ? cfd : sfd;
		goto out;
	}
	snprintf(cpath, sizeof(cpath), "/proc/self/fd/%d", cfd);
	snprintf(spath, sizeof(spath), "/proc/self/fd/%d", sfd);
	ret = conf_load(cpath, spath, is_local, local_addr, out, err, sizeof(err));
	if (ret)
		fprintf(stderr, "oakley-load: configuration: %s\n", err);
out:
	if (cfd >= 0)
		close(cfd);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

/* N copies of the template, each with its own name, ID and selector. */
static int clone_conns(struct conf *c, unsigned n)
{
	struct conn *conns, tmpl = c->conns[0];
	char id[32];
	unsigned i;

	conns = realloc(c->conns, (size_t)n * sizeof(*conns));
	if (!conns)
		return -ENOMEM;
	c->conns = conns;
	c->nconns = n;
	for (i = 0; i < n; i++) {
		conns[i] = tmpl;
		snprintf(conns[i].name, sizeof(conns[i].name), "t%u", i);
		snprintf(id, sizeof(id), "@t%u.load", i);
		if (conf_id_parse(id, &conns[i].local.id, NULL))
			return -EINVAL;
		conns[i].local.subnet.addr.a.v4.s_addr = htonl(0x0a000001u + i);
	}
	/* The names changed: the lookup by name (ike_up) must see them. */
	return conf_index(c);
}

static void note_failure(struct load *l, const char *why)
{
	unsigned i;

	for (i = 0; i < l->nwhys; i++) {
		if (!strncmp(l->whys[i].why, why, sizeof(l->whys[i].why) - 1)) {
			l->whys[i].n++;
			return;
		}
	}
	if (l->nwhys == MAX_WHYS) {
		l->whys_other++;
		return;
	}
	snprintf(l->whys[l->nwhys].why, sizeof(l->whys[0].why), "%s", why);
	l->whys[l->nwhys++].n = 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void report(struct load *l)
{
	uint64_t end = l->finished ? l->end_ms : loop_now_ms();
	double secs = (double)(end - l->start_ms) / 1000.0, sum = 0;
	uint32_t *took = calloc(l->ok ? l->ok : 1, sizeof(*took));
	unsigned i, k = 0;

	for (i = 0; took && i < l->n; i++)
		if (l->t[i].ok)
			took[k++] = l->t[i].took_ms, sum += l->t[i].took_ms;
	if (secs <= 0)
		secs = 0.001;
	printf("oakley-load: %s-%s, %u at a time: %u of %u tunnels up, %u failed, %u not "
	       "started, in %.2f s = %.0f tunnels/s\n",
	       l->cipher, l->group, l->conc, l->ok, l->n, l->failed, l->n - l->next, secs,
	       l->ok / secs);
	if (took && k) {
		qsort(took, k, sizeof(*took), cmp_u32);
		printf("setup time per tunnel (ms): min %u, mean %.0f, median %u, p99 %u, max %u\n",
		       took[0], sum / k, took[k / 2], took[(size_t)k * 99 / 100], took[k - 1]);
	}
	for (i = 0; i < l->nwhys; i++)
		printf("failed %u times: %s\n", l->whys[i].n, l->whys[i].why);
	if (l->whys_other)
		printf("failed %u times for other reasons\n", l->whys_other);
	fflush(stdout);
	free(took);
}

static void finish(struct load *l)
{
	l->finished = true;
	l->end_ms = loop_now_ms();
	timer_cancel(l->loop, &l->progress);
	report(l);
	if (!l->hold)
		loop_stop(l->loop);
}

static void tunnel_done(void *arg, bool ok, const char *why)
{
	struct tunnel *t = arg;
	struct load *l = t->l;

	t->took_ms = (uint32_t)(loop_now_ms() - t->started_ms);
	t->ok = ok;
	if (ok)
		l->ok++;
	else {
		l->failed++;
		note_failure(l, why ? why : "(no reason given)");
	}
	l->inflight--;
	l->done++;
	if (l->finished) /* the report is out: tunnels failed by the teardown */
		return;
	if (l->done == l->n)
		finish(l);
	else if (l->next < l->n)
		timer_arm(l->loop, &l->pump, 0);
}

/* Starts tunnels until C are in flight.  From a timer, not from inside the
 * engine's callback: ike_up then never runs nested in an exchange. */
static void pump(void *arg)
{
	struct load *l = arg;
	struct tunnel *t;
	char name[16];

	while (l->inflight < l->conc && l->next < l->n) {
		t = &l->t[l->next];
		snprintf(name, sizeof(name), "t%u", l->next);
		l->next++;
		l->inflight++;
		t->l = l;
		t->started_ms = loop_now_ms();
		ike_up(l->d, name, tunnel_done, t); /* calls tunnel_done once, maybe now */
	}
}

static void progress(void *arg)
{
	struct load *l = arg;
	double secs = (double)(loop_now_ms() - l->start_ms) / 1000.0;

	fprintf(stderr, "oakley-load: %.0f s: %u up, %u failed, %u in flight (%.0f tunnels/s)\n",
		secs, l->ok, l->failed, l->inflight, secs > 0 ? l->ok / secs : 0);
	timer_arm(l->loop, &l->progress, 5000);
}

static void on_signal(int signo, void *arg)
{
	struct load *l = arg;

	if (!l->finished) {
		fprintf(stderr, "oakley-load: signal %d: stopping before the end\n", signo);
		report(l);
		l->finished = true;
	}
	loop_stop(l->loop);
}

/* -s KEY=VALUE: one line for config setup, no newline of its own. */
static int add_setup(struct load *l, const char *kv)
{
	size_t used = strlen(l->setup);
	int n;

	if (!strchr(kv, '=') || strchr(kv, '\n'))
		return -EINVAL;
	n = snprintf(l->setup + used, sizeof(l->setup) - used, "\t%s\n", kv);
	return n < 0 || (size_t)n >= sizeof(l->setup) - used ? -ENOSPC : 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int run(struct load *l)
{
	int err;

	err = loop_new(&l->loop);
	if (err)
		return err;
	err = ike_daemon_new(l->loop, l->conf, 500, &l->d);
	if (err) {
		fprintf(stderr, "oakley-load: cannot start the engine: %s\n", strerror(-err));
		goto out;
	}
	loop_add_signal(l->loop, SIGINT, on_signal, l);
	loop_add_signal(l->loop, SIGTERM, on_signal, l);
	/* Crypto workers as oakleyd starts them: threads= (-s), else one per core. */
	job_pool_set_idle(dh_job_idle);
	err = job_pool_start(l->loop, l->conf->setup.threads_set ? l->conf->setup.threads
								 : job_pool_default_threads());
	if (err)
		fprintf(stderr,
			"oakley-load: no crypto worker threads (%s): the crypto runs inline\n",
			strerror(-err));
	err = 0;
	timer_init(&l->pump, pump, l);
	timer_init(&l->progress, progress, l);
	if (!l->quiet)
		timer_arm(l->loop, &l->progress, 5000);
	l->start_ms = loop_now_ms();
	pump(l);
	if (!l->finished || l->hold)
		err = loop_run(l->loop);
	/* Sends a Delete for each ISAKMP SA: the responder is left clean. */
	ike_daemon_free(l->d);
	job_pool_stop();
	dh_stock_flush();
out:
	loop_free(l->loop);
	return err;
}

int main(int argc, char **argv)
{
	struct load l = {.n = 1000, .conc = 32, .group = "ecp256", .cipher = "aes128-sha1"};
	const char *psk = "oakley-load", *local = NULL;
	char local_buf[CONF_ADDR_STRLEN];
	struct conf_addr peer, local_addr;
	int opt, verbose = 0, err;

	while ((opt = getopt(argc, argv, "n:c:g:e:k:l:s:Hqvh")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_uint(optarg, MAX_TUNNELS - 2, &l.n))
				goto bad;
			break;
		case 'c':
			if (parse_uint(optarg, 1u << 20, &l.conc))
				goto bad;
			break;
		case 'g':
			l.group = optarg;
			break;
		case 'e':
			l.cipher = optarg;
			break;
		case 'k':
			psk = optarg;
			break;
		case 'l':
			local = optarg;
			break;
		case 's':
			if (add_setup(&l, optarg))
				goto bad;
			break;
		case 'H':
			l.hold = true;
			break;
		case 'q':
			l.quiet = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind + 1 != argc)
		goto bad;
	log_setup(true, verbose > 1 ? LOG_LVL_DEBUG : verbose ? LOG_LVL_INFO : LOG_LVL_WARN);
	if (conf_addr_parse(argv[optind], &peer) || peer.family != AF_INET) {
		fprintf(stderr, "oakley-load: PEER must be an IPv4 address: %s\n", argv[optind]);
		return 2;
	}
	if (local ? conf_addr_parse(local, &local_addr) : route_source(&peer, &local_addr)) {
		fprintf(stderr, "oakley-load: no local address to reach %s\n", argv[optind]);
		return 2;
	}
	conf_addr_str(&local_addr, local_buf, sizeof(local_buf));
	err = load_template(&l, local_buf, argv[optind], psk, &local_addr, &l.conf);
	if (!err)
		err = clone_conns(l.conf, l.n);
	l.t = calloc(l.n, sizeof(*l.t));
	if (!err && !l.t)
		err = -ENOMEM;
	if (!err)
		err = run(&l);
	if (err && err != -EINVAL)
		fprintf(stderr, "oakley-load: %s\n", strerror(-err));
	free(l.t);
	conf_free(l.conf);
	return err ? 1 : l.failed || l.ok < l.n ? 3 : 0;
bad:
	usage(stderr);
	return 2;
}
