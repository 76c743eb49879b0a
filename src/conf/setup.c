/* The keys of "config setup".  Several config setup sections are one
 * section, as in strongSwan; a key given again wins, with a warning. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/internal.h"
#include "util/log.h"

static int yes_no(struct conf_ctx *ctx, const struct setting *s, bool *out)
{
	if (!strcmp(s->value, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s->value, "no")) {
		*out = false;
		return 0;
	}
	return conf_error(ctx, s->file, s->line, "%s= takes yes or no, not '%s'", s->key, s->value);
}

static int set_dataplane(struct conf_ctx *ctx, const struct setting *s)
{
	if (!s->value || !strcmp(s->value, "kernel")) {
		ctx->setup.dataplane = DATAPLANE_KERNEL;
		return 0;
	}
	if (!strcmp(s->value, "none")) {
		ctx->setup.dataplane = DATAPLANE_NONE;
		return 0;
	}
	return conf_error(ctx, s->file, s->line, "dataplane= takes kernel or none, not '%s'",
			  s->value);
}

static int set_capture(struct conf_ctx *ctx, const struct setting *s)
{
	if (!s->value) {
		ctx->setup.capture = false;
		return 0;
	}
	return yes_no(ctx, s, &ctx->setup.capture);
}

static int set_path(struct conf_ctx *ctx, const struct setting *s, char *out, size_t size)
{
	if (!s->value) {
		out[0] = 0;
		return 0;
	}
	if (s->value[0] != '/')
		return conf_error(ctx, s->file, s->line, "%s= needs an absolute path, not '%s'",
				  s->key, s->value);
	if (strlen(s->value) >= size)
		return conf_error(ctx, s->file, s->line, "%s= is longer than %zu bytes", s->key,
				  size - 1);
	strcpy(out, s->value);
	return 0;
}

static int set_capturefile(struct conf_ctx *ctx, const struct setting *s)
{
	return set_path(ctx, s, ctx->setup.capture_file, sizeof(ctx->setup.capture_file));
}

static int set_keysdir(struct conf_ctx *ctx, const struct setting *s)
{
	return set_path(ctx, s, ctx->setup.keys_dir, sizeof(ctx->setup.keys_dir));
}

/* strongSwan: yes, no, never, replace, keep; only "no" and "never" let
 * several IKE SAs with one peer ID stand. */
static int set_uniqueids(struct conf_ctx *ctx, const struct setting *s)
{
	static const char *const yes[] = {"yes", "replace", "keep"};
	unsigned i;

	ctx->setup.uniqueids = true;
	if (!s->value)
		return 0;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcmp(s->value, yes[i]))
			return 0;
	if (!strcmp(s->value, "no") || !strcmp(s->value, "never")) {
		ctx->setup.uniqueids = false;
		return 0;
	}
	return conf_error(ctx, s->file, s->line,
			  "uniqueids= takes yes, no, never, replace or keep, not '%s'", s->value);
}

/* Seconds, fractions allowed, from 0.05 to 600, into *ms; 0 when empty. */
static int set_retransmit_ms(struct conf_ctx *ctx, const struct setting *s, unsigned *ms)
{
	char *end;
	double secs;

	*ms = 0;
	if (!s->value)
		return 0;
	secs = strtod(s->value, &end);
	if (end == s->value || *end || secs < 0.05 || secs > 600)
		return conf_error(ctx, s->file, s->line,
				  "%s= takes seconds from 0.05 to 600, not '%s'", s->key, s->value);
	*ms = (unsigned)(secs * 1000 + 0.5);
	return 0;
}

/* As strongSwan's charon.retransmit_timeout. */
static int set_retransmit_timeout(struct conf_ctx *ctx, const struct setting *s)
{
	return set_retransmit_ms(ctx, s, &ctx->setup.retransmit_timeout_ms);
}

/* As strongSwan's charon.retransmit_limit: the doubling stops at it, so a
 * lossy link gets many tries without minutes between them. */
static int set_retransmit_limit(struct conf_ctx *ctx, const struct setting *s)
{
	return set_retransmit_ms(ctx, s, &ctx->setup.retransmit_limit_ms);
}

/* Up to 20: at 30% loss each way a round trip fails half the time; with 20
 * tries (and retransmit_limit) one of 100 round trips failing is a
 * 1-in-10,000 event (README, Reliability). */
static int set_retransmit_tries(struct conf_ctx *ctx, const struct setting *s)
{
	char *end;
	unsigned long n;

	ctx->setup.retransmit_tries = 0;
	if (!s->value)
		return 0;
	n = strtoul(s->value, &end, 10);
	if (end == s->value || *end || n < 1 || n > 20)
		return conf_error(ctx, s->file, s->line,
				  "retransmit_tries= takes 1 to 20, not '%s'", s->value);
	ctx->setup.retransmit_tries = (unsigned)n;
	return 0;
}

/* Crypto worker threads: 0 runs the crypto inline on the loop's thread. */
static int set_threads(struct conf_ctx *ctx, const struct setting *s)
{
	char *end;
	unsigned long n;

	ctx->setup.threads = 0;
	ctx->setup.threads_set = false;
	if (!s->value)
		return 0;
	n = strtoul(s->value, &end, 10);
	if (end == s->value || *end || s->value[0] == '-' || n > CONF_MAX_THREADS)
		return conf_error(ctx, s->file, s->line, "threads= takes 0 to %u, not '%s'",
				  CONF_MAX_THREADS, s->value);
	ctx->setup.threads = (unsigned)n;
	ctx->setup.threads_set = true;
	return 0;
}

/* Up to 100,000: a bound on our own burst, not a tuning knob to turn off. */
static int set_max_inflight(struct conf_ctx *ctx, const struct setting *s)
{
	char *end;
	unsigned long n;

	ctx->setup.max_inflight = 0;
	if (!s->value)
		return 0;
	n = strtoul(s->value, &end, 10);
	if (end == s->value || *end || n < 1 || n > 100000)
		return conf_error(ctx, s->file, s->line,
				  "max_inflight= takes 1 to 100000, not '%s'", s->value);
	ctx->setup.max_inflight = (unsigned)n;
	return 0;
}

/* "L/R" with both prefix lengths at most max: 0 or -EINVAL. */
static int prefix_pair(const char *s, const char *end, unsigned max, uint8_t *l, uint8_t *r)
{
	unsigned long v[2];
	unsigned i;
	char *e;

	for (i = 0; i < 2; i++) {
		if (s >= end || *s < '0' || *s > '9')
			return -EINVAL;
		v[i] = strtoul(s, &e, 10);
		if (v[i] > max || e > end || (i == 0 && (e == end || *e != '/')))
			return -EINVAL;
		s = e + 1;
	}
	if (e != end)
		return -EINVAL;
	*l = (uint8_t)v[0];
	*r = (uint8_t)v[1];
	return 0;
}

/* As strongSwan's charon.plugins.kernel-netlink.spdh_thresh: the kernel
 * hashes only policies whose prefixes reach these (default /32 and /128),
 * and keeps the others in a list that slows every change once it holds
 * thousands (src/kernel/xfrm.h). */
static int set_policy_hash_thresholds(struct conf_ctx *ctx, const struct setting *s)
{
	struct conf_setup *u = &ctx->setup;
	const char *v = s->value, *comma, *end;

	u->hthresh_v4 = u->hthresh_v6 = false;
	u->hthresh_v4_local = u->hthresh_v4_remote = 0;
	u->hthresh_v6_local = u->hthresh_v6_remote = 0;
	if (!v)
		return 0;
	end = v + strlen(v);
	comma = strchr(v, ',');
	if (prefix_pair(v, comma ? comma : end, 32, &u->hthresh_v4_local, &u->hthresh_v4_remote) ||
	    (comma &&
	     prefix_pair(comma + 1, end, 128, &u->hthresh_v6_local, &u->hthresh_v6_remote))) {
		u->hthresh_v4_local = u->hthresh_v4_remote = 0;
		u->hthresh_v6_local = u->hthresh_v6_remote = 0;
		return conf_error(ctx, s->file, s->line,
				  "policy_hash_thresholds= takes LOCAL/REMOTE prefix lengths for "
				  "IPv4 (0 to 32), optionally followed by ,LOCAL/REMOTE for IPv6 "
				  "(0 to 128), e.g. 24/24 or 24/24,64/64; not '%s'",
				  v);
	}
	u->hthresh_v4 = true;
	u->hthresh_v6 = comma != NULL;
	return 0;
}

/* NAT keepalives: seconds (or with s or m), 0 for none; "keep_alive=" with
 * no value is the default. */
static int set_keep_alive(struct conf_ctx *ctx, const struct setting *s)
{
	unsigned long v;
	char *end;

	ctx->setup.keep_alive_s = CONF_KEEP_ALIVE_DEFAULT;
	if (!s->value)
		return 0;
	errno = 0;
	v = strtoul(s->value, &end, 10);
	if (end != s->value && !strcmp(end, "m") && v <= 60)
		v *= 60, end++;
	else if (end != s->value && !strcmp(end, "s"))
		end++;
	if (end == s->value || *end || s->value[0] == '-' || errno || v > 3600)
		return conf_error(ctx, s->file, s->line,
				  "%s= takes seconds from 0 (none) to 3600, not '%s'", s->key,
				  s->value);
	ctx->setup.keep_alive_s = (unsigned)v;
	return 0;
}

/* The largest IP datagram of a fragment we send (ike/frag.h): bytes,
 * 128 to 65535; empty: the default. */
static int set_fragment_size(struct conf_ctx *ctx, const struct setting *s)
{
	unsigned long v;
	char *end;

	ctx->setup.fragment_size = 0;
	if (!s->value)
		return 0;
	errno = 0;
	v = strtoul(s->value, &end, 10);
	if (end == s->value || *end || s->value[0] == '-' || errno || v < 128 || v > 65535)
		return conf_error(ctx, s->file, s->line,
				  "fragment_size= takes bytes from 128 to 65535, not '%s'",
				  s->value);
	ctx->setup.fragment_size = (unsigned)v;
	return 0;
}

static int set_ignored(struct conf_ctx *ctx, const struct setting *s)
{
	log_debug("%s:%u: %s= is for strongSwan/Libreswan logging; ignored (use oakleyd -v)",
		  s->file, s->line, s->key);
	return 0;
}

static const struct {
	const char *name;
	int (*set)(struct conf_ctx *ctx, const struct setting *s);
} setup_keys[] = {
	{"dataplane", set_dataplane},
	{"capture", set_capture},
	{"capturefile", set_capturefile},
	{"keysdir", set_keysdir},
	{"uniqueids", set_uniqueids},
	{"charondebug", set_ignored},
	{"plutodebug", set_ignored},
	{"retransmit_timeout", set_retransmit_timeout},
	{"retransmit_tries", set_retransmit_tries},
	{"retransmit_limit", set_retransmit_limit},
	{"threads", set_threads},
	{"max_inflight", set_max_inflight},
	{"policy_hash_thresholds", set_policy_hash_thresholds},
	{"keep_alive", set_keep_alive},
	{"keep-alive", set_keep_alive},
	{"fragment_size", set_fragment_size},
	{"ikev1-policy", conf_set_ikev1_policy},       /* libreswan.c */
	{"virtual-private", conf_set_virtual_private}, /* libreswan.c */
	{"virtual_private", conf_set_virtual_private},
	{"protostack", conf_set_protostack}, /* libreswan.c */
	{"interfaces", conf_set_interfaces},
	{"nat_traversal", conf_set_obsolete},
	{"oe", conf_set_oe},
	{"logfile", set_ignored},
};

/* The other config setup keys of both dialects: a value in taken is
 * what oakley does anyway; any other is ignored with a notice
 * (set_notice) or refused with why (set_refuse).  Keys refused whatever
 * their value are in setup_refused. */
struct setup_other {
	const char *name;
	int (*set)(struct conf_ctx *ctx, const struct setting *s, const struct setup_other *k);
	const char *taken; /* "v1|v2|" or NULL */
	const char *why;
};

static int set_notice(struct conf_ctx *ctx, const struct setting *s, const struct setup_other *k)
{
	log_info("%s:%u: %s=%s ignored: %s", s->file, s->line, s->key, s->value, k->why);
	return 0;
}

static int set_refuse(struct conf_ctx *ctx, const struct setting *s, const struct setup_other *k)
{
	return conf_error(ctx, s->file, s->line, "%s=%s is not supported by oakley: %s", s->key,
			  s->value, k->why);
}

static const char logging[] = "oakleyd logs to syslog or the journal; oakleyd -v sets the level";
static const char crls[] = "oakley checks the CRLs in crls/ only, so a certificate without a "
			   "fresh CRL would be accepted";
static const char no_effect[] = "it changes nothing that oakley does";

static const struct setup_other setup_others[] = {
	{"klipsdebug", set_notice, NULL, logging},
	{"plutostderrlog", set_notice, NULL, logging},
	{"plutostderrlogtime", set_notice, NULL, logging},
	{"logtime", set_notice, NULL, logging},
	{"logappend", set_notice, NULL, logging},
	{"logip", set_notice, NULL, logging},
	{"logstderr", set_notice, NULL, logging},
	{"syslog", set_notice, NULL, logging},
	{"perpeerlog", set_notice, "no|", logging},
	{"perpeerlogdir", set_notice, NULL, logging},
	{"audit-log", set_notice, NULL, logging},
	{"charonstart", set_notice, NULL, no_effect},
	{"plutostart", set_notice, NULL, no_effect},
	{"prepluto", set_notice, NULL, no_effect},
	{"postpluto", set_notice, NULL, no_effect},
	{"plutorestartoncrash", set_notice, NULL, "systemd restarts oakleyd (Restart=)"},
	{"dumpdir", set_notice, NULL, no_effect},
	{"statsbin", set_notice, NULL, no_effect},
	{"nhelpers", set_notice, NULL, "threads= sets oakley's crypto threads"},
	{"seedbits", set_notice, NULL, "oakley seeds from the kernel's random source"},
	{"fragicmp", set_notice, NULL, no_effect},
	{"hidetos", set_notice, NULL, no_effect},
	{"overridemtu", set_notice, NULL, "oakley adds no routes; the kernel's MTU stands"},
	{"force_keepalive", set_notice, NULL, "keep_alive= sets the NAT-T keepalives"},
	{"nocrsend", set_notice, NULL, "oakley sends a certificate request with certificates"},
	{"cachecrls", set_notice, "no|", "oakley reads CRLs from crls/ and caches none"},
	{"crlcheckinterval", set_notice, NULL, "oakleyctl reload reads crls/ again"},
	{"strictcrlpolicy", set_refuse, "no|", crls},
	{"crl-strict", set_refuse, "no|", crls},
	{"crl_strict", set_refuse, "no|", crls},
	{"ocsp-enable", set_refuse, "no|",
	 "oakley does no OCSP, so revoked certificates would "
	 "be accepted"},
	{"ocsp_enable", set_refuse, "no|",
	 "oakley does no OCSP, so revoked certificates would "
	 "be accepted"},
	{"ocsp-strict", set_refuse, "no|", "oakley does no OCSP"},
	{"ocsp-uri", set_notice, NULL, "oakley does no OCSP (ocsp-enable=no)"},
	{"ocsp-timeout", set_notice, NULL, "oakley does no OCSP (ocsp-enable=no)"},
	{"ocsp-trustname", set_notice, NULL, "oakley does no OCSP (ocsp-enable=no)"},
	{"ocsp-method", set_notice, NULL, "oakley does no OCSP (ocsp-enable=no)"},
	{"curl-iface", set_notice, NULL, "oakley fetches no CRLs"},
	{"curl-timeout", set_notice, NULL, "oakley fetches no CRLs"},
	{"listen", set_notice, NULL, "oakleyd listens on every address of the host"},
	{"listen-udp", set_notice, "yes|", "oakleyd listens on UDP"},
	{"listen-tcp", set_notice, "no|", "IKE over TCP is an IKEv2 feature"},
	{"ikeport", set_notice, "500|", "oakleyd -p sets the IKE port"},
	{"nat-ikeport", set_notice, "4500|", "oakley's NAT-T port is 4500"},
	{"myvendorid", set_notice, NULL, "oakley sends its own vendor IDs"},
	{"ddos-mode", set_notice, NULL, "max_inflight= bounds the negotiations"},
	{"ddos-ike-threshold", set_notice, NULL, "max_inflight= bounds the negotiations"},
	{"max-halfopen-ike", set_notice, NULL, "max_inflight= bounds the negotiations"},
	{"shuntlifetime", set_notice, NULL, "oakley installs no shunts"},
	{"xfrmlifetime", set_notice, NULL, "oakley installs no acquire states"},
	{"nflog-all", set_notice, NULL, "oakley installs no nflog rules"},
	{"global-redirect", set_notice, "no|", "IKEv2 redirect; oakley speaks IKEv1"},
	{"global-redirect-to", set_notice, NULL, "IKEv2 redirect; oakley speaks IKEv1"},
	{"dnssec-enable", set_notice, NULL, "oakley does not resolve names"},
	{"dnssec-rootkey-file", set_notice, NULL, "oakley does not resolve names"},
	{"dnssec-anchors", set_notice, NULL, "oakley does not resolve names"},
	{"ipsecdir", set_notice, NULL, "oakley reads cacerts/, crls/ next to its ipsec.conf"},
	{"nssdir", set_notice, NULL, "oakley reads certificates and keys from files"},
};

static const struct {
	const char *name, *why;
} setup_refused[] = {
	{"myid", "write leftid= in the conns"},
	{"secretsfile", "oakleyd -s names the secrets file, so other secrets would be used"},
	{"pkcs11module", "oakley reads keys from files only (leftcert=, ': RSA FILE')"},
	{"pkcs11initargs", "oakley reads keys from files only (leftcert=, ': RSA FILE')"},
	{"pkcs11keepstate", "oakley reads keys from files only (leftcert=, ': RSA FILE')"},
	{"pkcs11proxy", "oakley reads keys from files only (leftcert=, ': RSA FILE')"},
	{"secctx-attr-type", "oakley does no labeled IPsec"},
};

static int setup_other(struct conf_ctx *ctx, const struct setting *s)
{
	const struct setup_other *k;
	size_t n;
	unsigned i;

	for (i = 0; i < sizeof(setup_refused) / sizeof(setup_refused[0]); i++)
		if (!strcmp(s->key, setup_refused[i].name))
			return s->value ? conf_error(ctx, s->file, s->line,
						     "%s=%s is not supported by oakley: %s", s->key,
						     s->value, setup_refused[i].why)
					: 0;
	for (i = 0; i < sizeof(setup_others) / sizeof(setup_others[0]); i++) {
		k = &setup_others[i];
		if (strcmp(s->key, k->name))
			continue;
		if (!s->value)
			return 0;
		n = strlen(s->value);
		for (const char *p = k->taken; p && *p; p = strchr(p, '|') + 1)
			if (!strncmp(p, s->value, n) && p[n] == '|')
				return 0;
		return k->set(ctx, s, k);
	}
	return 1;
}

int setup_setting(struct conf_ctx *ctx, const struct setting *s)
{
	unsigned i;
	int ret;

	_Static_assert(sizeof(setup_keys) / sizeof(setup_keys[0]) <=
			       sizeof(ctx->setup_line) / sizeof(ctx->setup_line[0]),
		       "setup_line has a slot for each key");
	for (i = 0; i < sizeof(setup_keys) / sizeof(setup_keys[0]); i++) {
		if (strcmp(s->key, setup_keys[i].name))
			continue;
		if (ctx->setup_line[i])
			log_warn("%s:%u: %s= was already set (line %u); this one wins", s->file,
				 s->line, s->key, ctx->setup_line[i]);
		ctx->setup_line[i] = s->line;
		return setup_keys[i].set(ctx, s);
	}
	ret = setup_other(ctx, s);
	if (ret <= 0)
		return ret;
	return conf_error(ctx, s->file, s->line, "unknown key '%s' in config setup", s->key);
}
