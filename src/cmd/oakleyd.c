/* oakleyd: the IKEv1 keying daemon.  Argument parsing and wiring only. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ctl/ctl.h"
#include "ike/dh_job.h"
#include "ike/ike.h"
#include "ike/tap.h"
#include "kernel/xfrm.h"
#include "priv/priv.h"
#include "util/job.h"
#include "util/log.h"
#include "util/sdnotify.h"
#include "wire/isakmp.h"

struct oakleyd {
	const char *conf_path, *secrets_path, *ctl_path;
	const char *capture_path, *keys_dir; /* -L / -l FILE, -K DIR */
	struct loop *loop;
	struct conf *conf;
	struct ike_daemon *ike;
	struct ctl *ctl;
	struct priv *priv; /* the privileged helper, once root is dropped */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: oakleyd [-d] [-v] [-L | -l FILE] [-K DIR] [-f CONFIG] [-s SECRETS]\n"
		   "               [-c SOCKET] [-p PORT]\n"
		   "  -d  stay in the foreground and log to stderr\n"
		   "  -L  write every ISAKMP message, decrypted, to " IKE_CAPTURE_DEFAULT "\n"
		   "  -l  the same, to FILE\n"
		   "  -K  append the keys to Wireshark's key tables in DIR\n"
		   "  -v  log debug messages too\n"
		   "  -f  configuration, default /etc/oakley/ipsec.conf\n"
		   "  -s  secrets, default /etc/oakley/ipsec.secrets\n"
		   "  -c  control socket, default /run/oakley/oakleyd.sock\n"
		   "  -p  IKE port, default 500\n");
}

/* daemon() moves to /, and reloads and `capture on` come later: a relative
 * path given on the command line is made absolute while it still means
 * what the operator meant.  The strings live as long as the process. */
static int make_absolute(const char **path)
{
	char cwd[4096], *abs;

	if (!*path || (*path)[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, *path) < 0)
		return -errno;
	*path = abs;
	return 0;
}

static int load_conf(struct oakleyd *o, struct conf **out, char *err, size_t errlen)
{
	return conf_load(o->conf_path, o->secrets_path, NULL, NULL, out, err, errlen);
}

static bool hthresh_same(const struct conf_setup *a, const struct conf_setup *b)
{
	return a->hthresh_v4 == b->hthresh_v4 && a->hthresh_v6 == b->hthresh_v6 &&
	       a->hthresh_v4_local == b->hthresh_v4_local &&
	       a->hthresh_v4_remote == b->hthresh_v4_remote &&
	       a->hthresh_v6_local == b->hthresh_v6_local &&
	       a->hthresh_v6_remote == b->hthresh_v6_remote;
}

static int reload_conf(void *arg, char *why, size_t whylen)
{
	struct oakleyd *o = arg;
	struct conf *c;
	int err;

	err = o->priv ? priv_reload(o->priv, &c, why, whylen) : load_conf(o, &c, why, whylen);
	if (!err && (err = ike_daemon_reload_check(o->ike, c, why, whylen)))
		conf_free(c);
	if (err) {
		log_err("reload refused, the running configuration stays: %s", why);
		return err;
	}
	if (c->setup.threads_set != o->conf->setup.threads_set ||
	    c->setup.threads != o->conf->setup.threads)
		log_warn("threads= takes effect when oakleyd restarts; %u crypto worker threads "
			 "keep running",
			 job_pool_threads());
	if (!hthresh_same(&c->setup, &o->conf->setup))
		log_warn("policy_hash_thresholds= takes effect when oakleyd restarts; the "
			 "kernel's stay as they are");
	ike_daemon_reload(o->ike, c);
	conf_free(o->conf);
	o->conf = c;
	log_info("configuration reloaded: %u connections", c->nconns);
	return 0;
}

/* Under systemd (Type=notify): the unit is "reloading" until READY=1 comes
 * back, whether the reload came from oakleyctl or from SIGHUP. */
static int reload(void *arg, char *why, size_t whylen)
{
	struct oakleyd *o = arg;
	struct timespec now;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &now);
	sd_notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu",
			(unsigned long long)now.tv_sec * 1000000 +
				(unsigned long long)now.tv_nsec / 1000);
	err = reload_conf(arg, why, whylen);
	if (err)
		sd_notify_sendf(
			"READY=1\nSTATUS=reload refused, running the previous configuration "
			"(%u connections): %s",
			o->conf->nconns, why);
	else
		sd_notify_sendf("READY=1\nSTATUS=%u connections", o->conf->nconns);
	return err;
}

static int capture_on(void *arg, const char *path, char *why, size_t whylen)
{
	struct oakleyd *o = arg;
	struct capture *c;
	int err;

	if (!o->priv)
		return ike_capture_on(o->ike, path, why, whylen);
	err = priv_capture_open(o->priv, path, &c, why, whylen);
	if (!err)
		ike_capture_use(o->ike, c);
	return err;
}

static void on_signal(int signo, void *arg)
{
	struct oakleyd *o = arg;
	char why[512];

	if (signo == SIGHUP) {
		reload(o, why, sizeof(why));
		return;
	}
	log_info("signal %d: shutting down", signo);
	sd_notify_send("STOPPING=1");
	loop_stop(o->loop);
}

/* ARG is the bring-up's own copy of the name: a reload may free the
 * configuration the name came from before the bring-up ends. */
static void auto_start_done(void *arg, bool ok, const char *why)
{
	char *name = arg;

	log_msg(ok ? LOG_LVL_INFO : LOG_LVL_WARN, "%s: auto=start %s: %s", name,
		ok ? "succeeded" : "failed", why);
	free(name);
}

static void auto_start(struct oakleyd *o)
{
	const struct conn *c;
	char *name, group[64];
	unsigned i;

	for (i = 0; i < o->conf->nconns; i++) {
		c = &o->conf->conns[i];
		if (c->auto_ != AUTO_START || c->group_i)
			continue;
		/* several subnets: the group, once (its first pair's phase 1
		 * carries all of its Quick Modes) */
		if (c->group_n && !conf_group_name(c, group, sizeof(group)))
			name = strdup(group);
		else
			name = strdup(c->name);
		if (!name) {
			log_err("%s: auto=start skipped: out of memory", c->name);
			continue;
		}
		ike_up(o->ike, name, auto_start_done, name); /* calls back once */
	}
}

/* The command line wins over config setup. */
static int start_taps(struct oakleyd *o)
{
	const struct conf_setup *s = &o->conf->setup;
	const char *capture = o->capture_path, *keys = o->keys_dir;
	char why[512];
	int err;

	if (!capture && s->capture)
		capture = s->capture_file[0] ? s->capture_file : IKE_CAPTURE_DEFAULT;
	if (!keys && s->keys_dir[0])
		keys = s->keys_dir;
	if (capture && (err = ike_capture_on(o->ike, capture, why, sizeof(why)))) {
		log_err("%s", why);
		return err;
	}
	if (keys && (err = ike_keys_on(o->ike, keys, why, sizeof(why)))) {
		log_err("%s", why);
		return err;
	}
	return 0;
}

/* "IPv4 local /24 remote /24" or "IPv4 left at /32 /32" */
static void hthresh_str(char *out, size_t len, const char *family, bool set, unsigned l, unsigned r)
{
	snprintf(out, len, "%s %s /%u /%u", family, set ? "now" : "left at", l, r);
}

/* policy_hash_thresholds=: once at start, as root, before any policy goes
 * in (the kernel rehashes what it holds).  A failure costs speed, not
 * correctness (lookups answer the same either way): a warning. */
static void set_policy_hash_thresholds(const struct conf_setup *s)
{
	struct xfrm_hthresh h = {s->hthresh_v4_local,  s->hthresh_v4_remote, s->hthresh_v6_local,
				 s->hthresh_v6_remote, !s->hthresh_v4,	     !s->hthresh_v6};
	struct xfrm_hthresh was = {0}, now = {0};
	char v4[64], v6[64];
	struct xfrm *x;
	int err;

	if (s->dataplane == DATAPLANE_NONE || (!s->hthresh_v4 && !s->hthresh_v6))
		return;
	err = xfrm_open(&x);
	if (!err) {
		xfrm_get_policy_hthresh(x, &was);
		err = xfrm_set_policy_hthresh(x, &h);
		if (!err)
			err = xfrm_get_policy_hthresh(x, &now);
		xfrm_close(x);
	}
	if (err) {
		log_warn("policy_hash_thresholds=: setting the kernel's policy hash thresholds "
			 "failed (%s): policies with shorter prefixes than the kernel's stay "
			 "unhashed, slower to install by the thousand",
			 xfrm_strerror(err));
		return;
	}
	hthresh_str(v4, sizeof(v4), "IPv4", s->hthresh_v4, now.v4_local, now.v4_remote);
	hthresh_str(v6, sizeof(v6), "IPv6", s->hthresh_v6, now.v6_local, now.v6_remote);
	log_info("kernel policy hash thresholds (local/remote prefix lengths): %s (were /%u /%u), "
		 "%s (were /%u /%u)",
		 v4, was.v4_local, was.v4_remote, v6, was.v6_local, was.v6_remote);
}

/* Everything that needs root is open: from here on a helper keeps root for
 * reloads and captures, and this process parses packets without it. */
static int drop_root(struct oakleyd *o)
{
	const struct priv_paths paths = {o->conf_path, o->secrets_path, o->ctl_path};
	char why[512];
	int err;

	if (geteuid() != 0) {
		log_info("not started as root: running with the privileges given (uid %u)",
			 (unsigned)geteuid());
		return 0;
	}
	err = priv_helper_start(&paths, &o->priv);
	if (err) {
		log_err("cannot start the privileged helper: %s", strerror(-err));
		return err;
	}
	err = priv_drop(PRIV_USER, why, sizeof(why));
	if (!err)
		err = priv_seccomp(why, sizeof(why));
	if (err) {
		log_err("%s", why);
		return err;
	}
	log_info("running as %s (uid %u, gid %u) with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE "
		 "under a seccomp filter; privileged helper pid %d",
		 priv_state()->user, (unsigned)getuid(), (unsigned)getgid(),
		 (int)priv_helper_pid(o->priv));
	return 0;
}

/* The crypto workers start after the drop and the seccomp filter, so they
 * run with the dropped privileges and under the filter as the loop does.
 * cores is counted before the filter (it may read /sys).  Without workers
 * (a thread limit, say) the crypto runs inline: slower, not wrong. */
static void start_workers(struct oakleyd *o, unsigned cores)
{
	const struct conf_setup *s = &o->conf->setup;
	unsigned n = s->threads_set ? s->threads : cores;
	int err;

	job_pool_set_idle(dh_job_idle);
	/* Workers woken for a job do not preempt the loop (job.h). */
	job_pool_set_batch(true);
	err = job_pool_start(o->loop, n);
	if (err)
		log_warn("cannot start %u crypto worker threads (%s): the crypto runs inline", n,
			 strerror(-err));
	else if (n)
		log_info("%u crypto worker threads", n);
	else
		log_info("crypto runs inline (threads=0)");
}

static int run(struct oakleyd *o, uint16_t port)
{
	unsigned cores = job_pool_default_threads();
	struct ctl_hooks hooks = {reload, capture_on, o};
	char why[512];
	int err;

	err = loop_new(&o->loop);
	if (err)
		return err;
	/* The control socket first: it tells whether an oakleyd runs already,
	 * before this one binds UDP 500 too. */
	err = ctl_open(o->loop, NULL, o->ctl_path, &hooks, &o->ctl);
	if (err == -EADDRINUSE) {
		log_err("another oakleyd is running (it answers on %s); not starting a second one",
			o->ctl_path);
		goto out;
	}
	if (err) {
		log_err("cannot open the control socket %s: %s", o->ctl_path, strerror(-err));
		goto out;
	}
	err = ike_daemon_new(o->loop, o->conf, port, &o->ike);
	if (err)
		goto out;
	set_policy_hash_thresholds(&o->conf->setup);
	ctl_set_daemon(o->ctl, o->ike);
	err = start_taps(o);
	if (err)
		goto out;
	loop_add_signal(o->loop, SIGTERM, on_signal, o);
	loop_add_signal(o->loop, SIGINT, on_signal, o);
	loop_add_signal(o->loop, SIGHUP, on_signal, o);
	err = drop_root(o);
	if (err)
		goto out;
	o->ike->priv = o->priv; /* XAUTH with xauthby=pam (NULL when not started as root) */
	start_workers(o, cores);
	log_info("oakleyd started: %u connections, IKE on UDP port %u, dataplane %s",
		 o->conf->nconns, port,
		 o->conf->setup.dataplane == DATAPLANE_NONE ? "none" : "kernel");
	sd_notify_sendf("READY=1\nSTATUS=%u connections, IKE on UDP port %u", o->conf->nconns,
			port);
	auto_start(o);
	err = loop_run(o->loop);
out:
	/* The daemon first: it answers pending "up" clients and sends Deletes. */
	if (o->ike)
		ike_daemon_free(o->ike);
	job_pool_stop();
	dh_stock_flush();
	ctl_close(o->ctl);
	loop_free(o->loop);
	if (priv_helper_stop(o->priv, why, sizeof(why))) {
		log_err("%s", why);
		err = err ? err : -ECHILD;
	}
	log_info("oakleyd stopped");
	return err;
}

int main(int argc, char **argv)
{
	/* static: what make_absolute() allocates stays reachable to the end */
	static struct oakleyd o = {
		.conf_path = "/etc/oakley/ipsec.conf",
		.secrets_path = "/etc/oakley/ipsec.secrets",
		.ctl_path = "/run/oakley/oakleyd.sock",
	};
	bool foreground = false, verbose = false;
	unsigned long port = ISAKMP_PORT;
	char err[512];
	int c, rc;

	while ((c = getopt(argc, argv, "dvLl:K:f:s:c:p:h")) != -1) {
		switch (c) {
		case 'L':
			o.capture_path = IKE_CAPTURE_DEFAULT;
			break;
		case 'l':
			o.capture_path = optarg;
			break;
		case 'K':
			o.keys_dir = optarg;
			break;
		case 'd':
			foreground = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'f':
			o.conf_path = optarg;
			break;
		case 's':
			o.secrets_path = optarg;
			break;
		case 'c':
			o.ctl_path = optarg;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			if (!port || port > 65535) {
				fprintf(stderr, "oakleyd: bad port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_setup(true, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (make_absolute(&o.conf_path) || make_absolute(&o.secrets_path) ||
	    make_absolute(&o.ctl_path) || make_absolute(&o.capture_path) ||
	    make_absolute(&o.keys_dir)) {
		fprintf(stderr, "oakleyd: cannot resolve a relative path: %s\n", strerror(errno));
		return 1;
	}
	if (load_conf(&o, &o.conf, err, sizeof(err))) {
		fprintf(stderr, "oakleyd: %s\n", err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!foreground) {
		if (daemon(0, 0) < 0) {
			fprintf(stderr, "oakleyd: cannot daemonize: %s\n", strerror(errno));
			return 1;
		}
		log_setup(false, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	}
	rc = run(&o, (uint16_t)port);
	conf_free(o.conf);
	return rc ? 1 : 0;
}
