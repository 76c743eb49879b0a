/* The conn keys of strongSwan's and Libreswan's ipsec.conf(5) that set
 * nothing in oakley: one table row per key, which says what oakley does
 * with it.  A value listed in "taken" is what oakley does anyway and is
 * taken silently; any other value is
 *   NOTICE: ignored with a one-line notice (ignoring it cannot change
 *           what is protected or how: a hook, a firewall rule, an IKEv2
 *           feature, a tuning knob);
 *   REFUSE: refused as "FILE:LINE: KEY=VALUE is not supported by oakley:
 *           why" (ignoring it would change which traffic is protected,
 *           or how, or who may authenticate).
 * tests/man/t_man.sh reads the rows as the parser's keys.  Keys refused
 * whatever their value are in refused_keys; Libreswan's x-KEY comments
 * are taken.
 *
 * IKEv2 conns (keyexchange=ikev2|ike, ikev2=yes|insist|propose, also
 * through also= or %default) are skipped with a notice.  So that nothing
 * an IKEv2 conn holds refuses the file, a conn section keeps its first
 * refusal until resolve.c knows which conns are IKEv1: it is raised for
 * an IKEv1 conn that has it as its own, an also= section's or
 * %default's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/internal.h"
#include "util/log.h"

enum how { NOTICE, REFUSE };

static const char v2[] = "an IKEv2 feature; oakley speaks IKEv1";
static const char hook[] = "oakley runs no updown script; the SAs and policies are installed all "
			   "the same";
static const char fw[] = "oakley installs no firewall rules; the IPsec policies protect the "
			 "traffic all the same";
static const char mark[] = "oakley installs no XFRM marks, so the SAs would match other traffic "
			   "than the mark selects";
static const char vti[] = "oakley installs policies, not VTI or XFRM interfaces, which would "
			  "route other traffic into the SAs";
static const char rawkey[] =
	"oakley takes raw keys only as leftcert= / ipsec.secrets (': RSA FILE'), "
	"so the peer would be authenticated against another key";
static const char tune[] = "oakley keeps its own value, which does not change what is protected";

static const struct dialect_key {
	const char *name;
	enum how how;
	const char *taken; /* values taken silently: "v1|v2|", or NULL */
	const char *why;
} dialect_keys[] = {
	/* strongSwan */
	{"leftupdown", NOTICE, "%disabled|%none|", hook},
	{"rightupdown", NOTICE, "%disabled|%none|", hook},
	{"leftfirewall", NOTICE, "no|", fw},
	{"rightfirewall", NOTICE, "no|", fw},
	{"lefthostaccess", NOTICE, "no|", fw},
	{"righthostaccess", NOTICE, "no|", fw},
	{"reauth", NOTICE, "yes|",
	 "in IKEv1 every new ISAKMP SA is a whole Main or Aggressive Mode, an authentication"},
	{"closeaction", NOTICE, "none|",
	 "oakley starts a conn again only by auto=start, dpdaction=restart or oakleyctl up"},
	{"mobike", NOTICE, "no|", v2},
	{"eap_identity", NOTICE, NULL, v2},
	{"aaa_identity", NOTICE, NULL, v2},
	{"leftid2", NOTICE, NULL, v2},
	{"rightid2", NOTICE, NULL, v2},
	{"leftcert2", NOTICE, NULL, v2},
	{"rightcert2", NOTICE, NULL, v2},
	{"leftca2", NOTICE, NULL, v2},
	{"rightca2", NOTICE, NULL, v2},
	{"mediation", NOTICE, "no|", v2},
	{"mediated_by", NOTICE, NULL, v2},
	{"me_peerid", NOTICE, NULL, v2},
	{"ikedscp", NOTICE, "000000|", tune},
	{"inactivity", NOTICE, NULL,
	 "oakley keeps an idle CHILD_SA until it expires, protected all the while"},
	{"reqid", NOTICE, NULL, "oakley numbers its SAs' reqids itself"},
	{"marginbytes", NOTICE, NULL, "oakley rekeys at margintime= only"},
	{"marginpackets", NOTICE, NULL, "oakley rekeys at margintime= only"},
	{"leftikeport", NOTICE, "500|", "oakleyd's -p port is every conn's IKE port"},
	{"rightikeport", NOTICE, "500|", "oakleyd's -p port is every conn's IKE port"},
	{"leftallowany", NOTICE, "no|",
	 "oakley answers a peer only at right= (or any address with right=%any)"},
	{"rightallowany", NOTICE, "no|",
	 "oakley answers a peer only at right= (or any address with right=%any)"},
	{"installpolicy", REFUSE, "yes|",
	 "oakley always installs the policies, which would protect traffic another daemon "
	 "handles"},
	{"compress", REFUSE, "no|", "oakley does not negotiate IPComp"},
	{"sha256_96", REFUSE, "no|",
	 "oakley truncates HMAC-SHA2-256 to 128 bits (RFC 4868) and cannot speak the 96-bit "
	 "bug"},
	{"leftsigkey", REFUSE, "%cert|", rawkey},
	{"rightsigkey", REFUSE, "%cert|", rawkey},
	/* both */
	{"leftrsasigkey", REFUSE, "%cert|", rawkey},
	{"rightrsasigkey", REFUSE, "%cert|", rawkey},
	/* Libreswan */
	{"leftrsasigkey2", REFUSE, "%cert|", rawkey},
	{"rightrsasigkey2", REFUSE, "%cert|", rawkey},
	{"ipsec-interface", REFUSE, "no|", vti},
	{"labeled-ipsec", REFUSE, "no|", "oakley does no labeled IPsec"},
	{"failureshunt", REFUSE, "none|drop|reject|",
	 "oakley never lets a conn's traffic pass in clear"},
	{"negotiationshunt", REFUSE, "drop|hold|",
	 "oakley never lets a conn's traffic pass in clear"},
	{"esn", REFUSE, "no|", "oakley negotiates 32-bit sequence numbers only"},
	{"require-id-on-certificate", REFUSE, "yes|",
	 "oakley always checks the peer's ID against its certificate"},
	{"leftcat", NOTICE, "no|", v2},
	{"rightcat", NOTICE, "no|", v2},
	{"narrowing", NOTICE, "no|", v2},
	{"ms-dh-downgrade", NOTICE, "no|", v2},
	{"accept-redirect", NOTICE, "no|", v2},
	{"accept-redirect-to", NOTICE, NULL, v2},
	{"send-redirect", NOTICE, "no|", v2},
	{"redirect-to", NOTICE, NULL, v2},
	{"intermediate", NOTICE, "no|", v2},
	{"ppk", NOTICE, "no|", v2},
	{"session-resumption", NOTICE, "no|", v2},
	{"nat-keepalive", NOTICE, "yes|",
	 "oakley's keep_alive= (config setup) sets the NAT-T keepalives"},
	{"nat-ikev1-method", NOTICE, "rfc|both|",
	 "oakley sends the RFC 3947 NAT-T payloads and takes both forms"},
	{"ikepad", NOTICE, "yes|", tune},
	{"retransmit-timeout", NOTICE, NULL,
	 "config setup's retransmit_timeout= and retransmit_tries= set it for all conns"},
	{"retransmit-interval", NOTICE, NULL,
	 "config setup's retransmit_timeout= sets it for all conns"},
	{"connaddrfamily", NOTICE, NULL, "the addresses say the family"},
	{"hostaddrfamily", NOTICE, NULL, "the addresses say the family"},
	{"clientaddrfamily", NOTICE, NULL, "the subnets say the family"},
	{"sareftrack", NOTICE, NULL, "oakley numbers its SAs' reqids itself"},
	{"nm-configured", NOTICE, "no|", "oakley has no NetworkManager link"},
	{"nic-offload", NOTICE, "no|",
	 "oakley installs SAs without hardware offload; what is protected is the same"},
	{"mtu", NOTICE, NULL, "oakley adds no routes; the kernel's routes keep their MTU"},
	{"metric", NOTICE, NULL, "oakley adds no routes"},
	{"nopmtudisc", NOTICE, "no|", tune},
	{"send-no-esp-tfc", NOTICE, "no|", tune},
	{"send-vendorid", NOTICE, NULL, "oakley sends its own vendor IDs"},
	{"fake-strongswan", NOTICE, "no|", "oakley sends its own vendor IDs"},
	{"initial-contact", NOTICE, NULL, "oakley sends INITIAL-CONTACT by itself"},
	{"decap-dscp", NOTICE, "no|", tune},
	{"encap-dscp", NOTICE, "yes|", tune},
	{"dns-match-id", NOTICE, "no|", "oakley does not resolve names"},
	{"overlapip", NOTICE, "no|", tune},
	{"debug", NOTICE, NULL, "oakleyd -v sets the log level"},
	{"leftsubnetwithin", NOTICE, NULL,
	 "it bounds rightsubnet=vhost:/vnet:, which oakley does not take"},
	{"rightsubnetwithin", NOTICE, NULL,
	 "it bounds rightsubnet=vhost:/vnet:, which oakley does not take"},
	{"sendca", NOTICE, NULL, "oakley sends the end certificate only"},
	{"nflog", NOTICE, NULL, "oakley installs no nflog rules"},
	{"nflog-group", NOTICE, NULL, "oakley installs no nflog rules"},
	{"connalias", NOTICE, NULL, "oakleyctl names a conn by its section name"},
	{"pam-authorize", NOTICE, "no|", v2},
	{"disablearrivalcheck", NOTICE, "no|",
	 "the kernel's inbound policy check stays on, which only refuses more"},
	{"modecfgwins1", NOTICE, NULL, "obsolete in Libreswan; WINS servers are not sent"},
	{"modecfgwins2", NOTICE, NULL, "obsolete in Libreswan; WINS servers are not sent"},
	{"nat_keepalive", NOTICE, "yes|",
	 "oakley's keep_alive= (config setup) sets the NAT-T keepalives"},
	{"initial_contact", NOTICE, NULL, "oakley sends INITIAL-CONTACT by itself"},
	{"send_vendorid", NOTICE, NULL, "oakley sends its own vendor IDs"},
	{"nm_configured", NOTICE, "no|", "oakley has no NetworkManager link"},
	{"labeled_ipsec", REFUSE, "no|", "oakley does no labeled IPsec"},
	{"auth", REFUSE, "esp|", "oakley negotiates ESP only"},
	{"enable-tcp", NOTICE, "no|", v2},
	{"tcp-remoteport", NOTICE, NULL, v2},
	{"tcponly", NOTICE, "no|", v2},
	{"ppk-ids", NOTICE, NULL, v2},
	{"reject-simultaneous-ike-auth", NOTICE, NULL, v2},
	{"ignore-peer-dns", NOTICE, NULL,
	 "oakley hands the Mode Config DNS servers to no resolver"},
	{"hw_offload", NOTICE, "no|",
	 "oakley installs SAs without hardware offload; what is protected is the same"},
	{"copy_df", NOTICE, "yes|", tune},
	{"copy_ecn", NOTICE, "yes|", tune},
	{"copy_dscp", NOTICE, "out|", tune},
	{"leftnatip", NOTICE, NULL, "obsolete; NAT-T finds the address"},
	{"rightnatip", NOTICE, NULL, "obsolete; NAT-T finds the address"},
};

/* Keys refused whatever their value: the parser knows them only to say
 * why. */
static const struct {
	const char *name, *why;
} refused_keys[] = {
	{"mark", mark},
	{"mark_in", mark},
	{"mark_out", mark},
	{"tfc", "oakley sends no traffic flow confidentiality padding"},
	{"lifepackets", "oakley limits an SA by time and bytes only, so it would live longer"},
	{"replay_window",
	 "oakley installs its own replay window, which would change the replay check"},
	{"ah", "oakley negotiates ESP only"},
	{"leftgroups", "oakley checks no group membership, so more peers would authenticate"},
	{"rightgroups", "oakley checks no group membership, so more peers would authenticate"},
	{"leftgroups2", "oakley checks no group membership, so more peers would authenticate"},
	{"rightgroups2", "oakley checks no group membership, so more peers would authenticate"},
	{"leftcertpolicy",
	 "oakley checks no certificate policy OIDs, so more certificates would be accepted"},
	{"rightcertpolicy",
	 "oakley checks no certificate policy OIDs, so more certificates would be accepted"},
	{"leftckaid", rawkey},
	{"rightckaid", rawkey},
	{"leftsubnets", "write the list as leftsubnet=a,b (oakley's form)"},
	{"rightsubnets", "write the list as rightsubnet=a,b (oakley's form)"},
	{"leftvti", vti},
	{"rightvti", vti},
	{"vti-interface", vti},
	{"vti-routing", vti},
	{"vti-shared", vti},
	{"mark-in", mark},
	{"mark-out", mark},
	{"replay-window",
	 "oakley installs its own replay window, which would change the replay check"},
	{"priority",
	 "oakley sets the policies' priority itself, which decides which policy protects a "
	 "packet"},
	{"policy-label", "oakley does no labeled IPsec"},
	{"leftinterface-ip", vti},
	{"rightinterface-ip", vti},
	{"if_id_in", vti},
	{"if_id_out", vti},
	{"leftpubkey", rawkey},
	{"rightpubkey", rawkey},
	{"policy_label", "oakley does no labeled IPsec"},
	{"sec-label", "oakley does no labeled IPsec"},
	{"iptfs", "oakley does no IP-TFS (RFC 9347)"},
	{"pfsgroup", "write the PFS group in esp= (for example aes128-sha1-modp2048)"},
	{"alsoflip", "write also= with left and right as this host sees them"},
	{"leftxauthname", "spell it leftxauthusername= (or leftusername=)"},
	{"rightxauthname", "spell it rightxauthusername= (or rightusername=)"},
};

#define NDKEYS	 (sizeof(dialect_keys) / sizeof(dialect_keys[0]))
#define NREFUSED (sizeof(refused_keys) / sizeof(refused_keys[0]))

static bool listed(const char *list, const char *v)
{
	size_t n = strlen(v);
	const char *p;

	for (p = list; p && *p; p = strchr(p, '|') + 1)
		if (!strncmp(p, v, n) && p[n] == '|')
			return true;
	return false;
}

int conf_dialect_setting(struct conf_ctx *ctx, const struct setting *s)
{
	const struct dialect_key *d = NULL;
	unsigned i;

	/* Libreswan's x-KEY (and x_KEY): a comment, kept by the parser */
	if ((s->key[0] == 'x' || s->key[0] == 'X') && (s->key[1] == '-' || s->key[1] == '_'))
		return 0;
	for (i = 0; i < NREFUSED; i++) {
		if (strcmp(s->key, refused_keys[i].name))
			continue;
		if (!s->value) /* "key=": nothing set */
			return 0;
		return conf_error(ctx, s->file, s->line, "%s=%s is not supported by oakley: %s",
				  s->key, s->value, refused_keys[i].why);
	}
	for (i = 0; i < NDKEYS && !d; i++)
		if (s->key[0] == dialect_keys[i].name[0] && !strcmp(s->key, dialect_keys[i].name))
			d = &dialect_keys[i];
	if (!d)
		return 1;
	if (!s->value || listed(d->taken, s->value))
		return 0;
	if (d->how == REFUSE)
		return conf_error(ctx, s->file, s->line, "%s=%s is not supported by oakley: %s",
				  s->key, s->value, d->why);
	log_info("%s:%u: %s=%s ignored: %s", s->file, s->line, s->key, s->value, d->why);
	return 0;
}

/* Libreswan's and strongSwan's "%none": no ID of its own (the address is
 * the ID), no certificate, no CA constraint, no virtual address. */
bool conf_dialect_none(const struct setting *s)
{
	static const char *const keys[] = {
		"leftid",  "rightid",	   "leftcert",	    "rightcert", "leftca",
		"rightca", "leftsourceip", "rightsourceip", NULL,
	};
	unsigned i;

	if (!s->value || strcmp(s->value, "%none"))
		return false;
	for (i = 0; keys[i]; i++)
		if (!strcmp(s->key, keys[i]))
			return true;
	return false;
}

int conf_dialect_skip(const struct conf_ctx *ctx, const struct section *sec,
		      const struct conn_opts *o)
{
	const struct origin *at = &o->at[CK_KEYEXCHANGE];

	if (o->state[CK_KEYEXCHANGE] != OPT_SET || !o->ikev2)
		return 0;
	log_info("%s:%u: conn '%s' skipped: %s= at %s:%u makes it an IKEv2 conn, and oakley "
		 "speaks IKEv1 only",
		 sec->file, sec->line, sec->name, origin_key(at), origin_file(ctx, at), at->line);
	return 1;
}

int conf_dialect_setting_in(struct conf_ctx *ctx, struct section *sec, const struct setting *s)
{
	int ret = conn_setting(ctx, sec, s);

	if (ret != -EINVAL || !ctx->failed)
		return ret;
	if (!sec->err) {
		sec->err = strdup(ctx->err && ctx->errlen ? ctx->err : "refused");
		if (!sec->err)
			return -ENOMEM;
	}
	ctx->failed = false;
	if (ctx->err && ctx->errlen)
		ctx->err[0] = 0;
	return 0;
}

int conf_dialect_raise(struct conf_ctx *ctx, const struct section *sec, const unsigned *parents,
		       unsigned nparents, int def)
{
	unsigned j;

	if (sec->err)
		return conf_error(ctx, NULL, 0, "%s", sec->err);
	for (j = 0; j < nparents; j++)
		if (ctx->secs[parents[j]].err)
			return conf_error(ctx, NULL, 0, "%s", ctx->secs[parents[j]].err);
	if (def >= 0 && ctx->secs[def].err)
		return conf_error(ctx, NULL, 0, "%s", ctx->secs[def].err);
	return 0;
}
