/* ipsec.conf and ipsec.secrets, read once into an immutable struct conf.
 *
 * The syntax is strongSwan's (stroke ipsec.conf) with Libreswan's spellings
 * where they differ: sections start in column 0 ("config setup",
 * "conn NAME", "include PATTERN"), their settings are indented
 * "key=value" lines, '#' starts a comment outside quotes, values may be
 * quoted ("..." with \" \\ \n \t escapes), "key=" with no value resets a key
 * inherited from %default or also=.  "conn %default" applies to every conn
 * wherever it stands; also= includes another conn section (the section's
 * own keys win, then its also= sections, the last also= line first, then
 * %default), as strongSwan's starter does.  A key given twice in one
 * section: the later line wins, with a warning.  Unknown keys, sections
 * and values are errors that name FILE:LINE. */
#ifndef OAKLEY_CONF_CONF_H
#define OAKLEY_CONF_CONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/names.h"
#include "wire/alg.h"

enum dataplane { DATAPLANE_KERNEL, DATAPLANE_NONE };
enum conn_auto { AUTO_IGNORE, AUTO_ADD, AUTO_START };
enum conn_mode { MODE_TUNNEL, MODE_TRANSPORT };
/* dpdaction=: what is done when a peer stops answering R-U-THERE.  NONE:
 * no probes of ours (a peer's are answered all the same). */
enum conn_dpd_action { DPD_NONE, DPD_CLEAR, DPD_HOLD, DPD_RESTART };

/* fragmentation= (strongSwan's and Libreswan's ipsec.conf): IKEv1
 * fragments (ike/frag.h).  YES (the default): announce support, accept
 * fragments, send them when the peer announced support and a message is
 * larger than fragment_size=; ACCEPT (strongSwan): announce and accept,
 * never send; NO: none of it; FORCE: also before the peer's vendor ID. */
enum conn_frag { CONN_FRAG_YES, CONN_FRAG_ACCEPT, CONN_FRAG_NO, CONN_FRAG_FORCE };
#define CONF_FRAGMENT_SIZE_DEFAULT 1280 /* fragment_size=, strongSwan's default */

struct conf_addr {
	int family; /* AF_INET, AF_INET6; AF_UNSPEC: %any */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	} a;
};

/* Traffic selector: subnet + protoport (proto 0 / port 0 = any). */
struct conf_ts {
	struct conf_addr addr;
	uint8_t prefixlen;
	uint8_t proto;
	uint16_t port;
};

/* conf_id.type of %any: a remote ID that accepts every ID. */
#define CONF_ID_ANY 0

struct conf_id {
	uint8_t type; /* ID_IPV4_ADDR, ID_FQDN, ID_USER_FQDN, ID_IPV6_ADDR, ID_KEY_ID,
			 ID_DER_ASN1_DN (data: the DER, '*' values are wildcards); CONF_ID_ANY */
	uint8_t len;
	uint8_t data[255];
};

/* 24: setup-ipsec-vpn's ike= line, four proposals without a group (four
 * default groups each) and two with one, makes 18 */
#define CONF_MAX_PROPOSALS 24
#define CONF_MAX_SUBNETS   16 /* per side in leftsubnet=, rightsubnet= */

/* One phase-1 or ESP proposal: rows of the algorithm table. */
struct proposal {
	const struct alg *encr, *integ,
		*dh; /* integ NULL for AEAD ESP ciphers; dh NULL: no PFS (esp) */
};

struct proposal_list {
	unsigned n;
	struct proposal p[CONF_MAX_PROPOSALS];
	bool strict;	     /* trailing '!' */
	unsigned configured; /* p[0..configured) were configured, the rest are the
				defaults a list without '!' accepts too */
};

/* One side of a conn, after left/right were resolved to local/remote. */
struct conf_end {
	struct conf_addr addr; /* IP literal; %any (AF_UNSPEC) only on the remote side */
	bool has_subnet;       /* leftsubnet given; else host-to-host (the address /32 or /128) */
	struct conf_ts
		subnet;	   /* with protoport applied; AF_UNSPEC/0 for a %any host without subnet */
	struct conf_id id; /* leftid; default: the address as ID_IPV4_ADDR/ID_IPV6_ADDR;
			      CONF_ID_ANY for a remote %any without rightid; with a
			      certificate and no leftid: its subject DN */
	/* Certificates (issue 10).  cert: leftcert= / rightcert= (on the remote
	 * side: the peer's pinned certificate): 1 + its index in conf.certs,
	 * 0: none.  key: the local side's private key (the ipsec.secrets
	 * ": RSA|ECDSA FILE" whose key is the certificate's): 1 + its index in
	 * conf.keys, 0: none.  ca: rightca= / leftca= as DER (a DN, '*' wildcards), len 0:
	 * any anchor.  sendcert: leftsendcert= (local side). */
	unsigned cert, key;
	struct conf_id ca;
	enum conf_sendcert { SENDCERT_IFASKED, SENDCERT_ALWAYS, SENDCERT_NEVER } sendcert;
};

/* The bytes of one file (a certificate, key or CRL; PEM or DER) as read by
 * conf_load, for the X.509 layer (crypto/x509.h) to parse; conf_load has
 * checked that they parse.  file: its path, one of conf.files. */
struct conf_blob {
	uint8_t *data;
	size_t len;
	const char *file;
};

#define CONF_IKELIFETIME_DEFAULT (3 * 3600) /* strongSwan: ikelifetime=3h */
#define CONF_LIFETIME_DEFAULT	 (1 * 3600) /* strongSwan: lifetime=1h */
#define CONF_IKE_DEFAULT	 "aes128-sha256-modp2048,aes128-sha1-modp2048"
#define CONF_ESP_DEFAULT	 "aes128-sha256,aes128-sha1"
#define CONF_DPDDELAY_DEFAULT	 30	  /* strongSwan and Libreswan: 30 s */
#define CONF_DPDTIMEOUT_DEFAULT	 150	  /* strongSwan: 150 s */
#define CONF_MARGIN_DEFAULT	 (9 * 60) /* margintime=, rekeymargin=: 9m */
#define CONF_REKEYFUZZ_DEFAULT	 100	  /* rekeyfuzz=100% */
#define CONF_KEEP_ALIVE_DEFAULT	 20	  /* keep_alive=, keep-alive=: 20 s */

/* Remote access (issue 11): XAUTH (draft-ietf-ipsec-isakmp-xauth-06) and
 * Mode Config (draft-ietf-ipsec-isakmp-mode-cfg-05), both dialects.
 *
 * xauth: SERVER asks the peer for a user and password after phase 1 and
 * before any Quick Mode: strongSwan's authby=xauthpsk|xauthrsasig with
 * xauth=server, or rightauth2=xauth; Libreswan's leftxauthserver=yes (or
 * rightxauthclient=yes).  CLIENT answers: authby=xauthpsk with
 * xauth=client (strongSwan's default), leftauth2=xauth, Libreswan's
 * leftxauthclient=yes (or rightxauthserver=yes).  With XAUTH, phase 1
 * proposes and accepts the XAUTH auth methods (IKE_AUTH_XAUTH_INIT_PSK
 * when the client initiates, as every client does; the RSA ones for
 * xauthrsasig).
 *
 * modecfg: SERVER hands out addresses and attributes: strongSwan's
 * rightsourceip=CIDR|FIRST-LAST (pool), Libreswan's leftmodecfgserver=yes
 * with rightaddresspool=FIRST-LAST (or rightmodecfgclient=yes).  CLIENT
 * takes an address: leftsourceip=%config (%cfg, %modecfg), Libreswan's
 * leftmodecfgclient=yes.  pull: the client asks (REQUEST/REPLY), else the
 * server sets (SET/ACK): strongSwan's modeconfig=pull|push (default pull),
 * Libreswan's modecfgpull=yes|no.  A server answers either way.
 *
 * Strings (user, banner, domain) point into conf.strings (NULL: none),
 * as conn.file points into conf.files. */
enum conn_xauth { CONN_XAUTH_NONE, CONN_XAUTH_SERVER, CONN_XAUTH_CLIENT };
/* xauthby= (Libreswan): FILE checks ipsec.secrets "USER : XAUTH pw"
 * entries and the passwd file (conf.xauth_users); PAM asks libpam's
 * service "oakley" through the privileged helper; ALWAYSOK takes any
 * password (logged as a warning). */
enum conn_xauthby { XAUTHBY_FILE, XAUTHBY_PAM, XAUTHBY_ALWAYSOK };
#define CONF_MAX_DNS 4

struct conn_ra {
	uint8_t xauth;	     /* enum conn_xauth */
	uint8_t xauthby;     /* enum conn_xauthby, default FILE */
	bool modecfg_server; /* we hand out (rightsourceip=, leftmodecfgserver=yes) */
	bool modecfg_client; /* we take (leftsourceip=%config, leftmodecfgclient=yes) */
	bool modecfg_pull;   /* modeconfig=pull (default), modecfgpull=yes */
	bool unity;	     /* cisco-unity=yes (Libreswan): Unity vendor ID and attributes */
	unsigned pool;	     /* server: 1 + index in conf.pools; 0: none (with a pool,
				remote.subnet is %any /0: the leased address stands there) */
	uint8_t ndns;	     /* modecfgdns=, rightdns= (server: what it hands out) */
	struct conf_addr dns[CONF_MAX_DNS];
	const char *user;   /* client: xauth_identity=, leftusername=, leftxauthusername= */
	const char *banner; /* server: modecfgbanner= */
	const char *domain; /* server: modecfgdomains= (the first; UNITY_DEF_DOMAIN) */
	struct conf_addr pool_range[2]; /* a copy detached at a reload: its pool's first..last */
};

/* An address pool (rightsourceip=, rightaddresspool=): first..last, both
 * given; a CIDR leaves out its network and broadcast addresses, as
 * strongSwan does.  Conns that name the same range share one pool
 * (name: the range as the user wrote it, e.g. "10.3.0.0/24"). */
struct conf_pool {
	char name[96];
	struct conf_addr first, last;
};

/* An XAUTH user: ipsec.secrets "USER : XAUTH "password"" (strongSwan; the
 * password as given) or a line "user:crypt-hash:conn" of the passwd file
 * beside ipsec.conf (Libreswan; crypted, conn "" for any).  Wiped by
 * conf_free. */
struct conf_xauth_user {
	char user[128];
	char secret[256];
	bool crypted;
	char conn[64];
	const char *file; /* one of conf.files */
	unsigned line;
};

struct conn {
	char name[64];
	const char *file; /* where the conn section starts */
	unsigned line;
	struct conf_end local, remote;
	bool local_is_left; /* for status output in the user's terms */
	uint8_t authby;	    /* IKE_AUTH_PSK (authby=secret|psk, also the default) */
	struct proposal_list ike, esp;
	enum conn_mode mode;	/* type=tunnel|transport */
	uint32_t ikelifetime_s; /* ikelifetime, ike_lifetime */
	uint32_t lifetime_s;	/* lifetime, keylife, salifetime */
	uint64_t lifebytes;	/* lifebytes, ipsec-max-bytes; 0 = none */
	bool aggressive;	/* aggressive=yes, aggrmode=yes */
	enum conn_auto auto_;	/* default AUTO_IGNORE, as in strongSwan and Libreswan */
	/* forceencaps=yes (strongSwan), encapsulation=yes (Libreswan): ESP in
	 * UDP with no NAT seen */
	bool forceencaps;
	/* Dead Peer Detection: dpdaction= (strongSwan's and Libreswan's keys);
	 * a dpddelay= without dpdaction= means hold, as in Libreswan */
	enum conn_dpd_action dpd_action;
	uint32_t dpd_delay_s, dpd_timeout_s; /* dpddelay=, dpdtimeout= */
	/* Rekeying, strongSwan's ipsec.conf: rekey=no leaves it to the peer;
	 * a rekey starts margin_s before the end, less up to fuzz_pct % of
	 * margin_s at random */
	bool rekey;
	uint32_t margin_s; /* margintime=, rekeymargin= */
	uint32_t fuzz_pct; /* rekeyfuzz= */
	/* Several subnets (leftsubnet=A,B rightsubnet=C,D, as Libreswan): the
	 * conn NAME becomes one conn per pair of subnets, NAME/1x1, NAME/1x2,
	 * ... (left index x right index), one after another in conf.conns;
	 * this one is pair group_i of group_n.  group_n 0: not in a group. */
	uint16_t group_n, group_i;
	uint8_t subnet_left, subnet_right; /* 1-based, in the user's lists */
	uint8_t fragmentation; /* fragmentation=: enum conn_frag, default CONN_FRAG_YES */
	struct conn_ra ra;     /* remote access (issue 11): XAUTH and Mode Config */
};

struct conf_secret {
	struct conf_id ids[2];
	unsigned nids; /* 0: any; %any allowed as an entry */
	bool any[2];   /* ids[i] was %any */
	uint8_t psk[256];
	size_t psklen;
	const char *file; /* where the entry starts, for logs */
	unsigned line;
};

#define CONF_MAX_THREADS 256

struct conf_setup {
	enum dataplane dataplane;	/* dataplane=kernel|none; default kernel */
	char capture_file[256];		/* capturefile=, absolute; "" unless given */
	bool capture;			/* capture=yes|no; default no */
	char keys_dir[256];		/* keysdir=, absolute; "" unless given */
	bool uniqueids;			/* uniqueids=yes|no|never|replace|keep; default yes */
	unsigned retransmit_timeout_ms; /* retransmit_timeout=SECONDS (fractions too); 0: default */
	unsigned retransmit_tries;	/* retransmit_tries=N; 0: default */
	unsigned retransmit_limit_ms;	/* retransmit_limit=SECONDS: the doubling's cap; 0: none */
	unsigned threads;		/* threads=N crypto workers, 0: inline; read at start */
	bool threads_set;		/* threads= given; else one per core */
	unsigned max_inflight;		/* max_inflight=N Main/Aggressive Modes we initiate at
					   once, the rest queued; 0: default */
	/* policy_hash_thresholds=V4L/V4R[,V6L/V6R]: the prefix lengths from which
	 * the kernel hashes policies, set at start; a family not given keeps
	 * the kernel's. */
	bool hthresh_v4, hthresh_v6;		     /* given */
	uint8_t hthresh_v4_local, hthresh_v4_remote; /* 0..32 */
	uint8_t hthresh_v6_local, hthresh_v6_remote; /* 0..128 */
	/* keep_alive= (strongSwan), keep-alive= (Libreswan): NAT keepalives
	 * from a NATed side every keep_alive_s seconds, 0: none */
	unsigned keep_alive_s;
	unsigned fragment_size; /* fragment_size=: IP datagram bytes per fragment; 0: default */
};

struct conf {
	struct conf_setup setup;
	struct conn *conns; /* in file order */
	unsigned nconns;
	struct conf_secret *secrets; /* in file order */
	unsigned nsecrets;
	char **files; /* every file read; conn.file and secret.file point here */
	unsigned nfiles;
	struct name_index by_name;   /* conns by name (conf_index); empty: searched in turn */
	struct psk_index *psk_index; /* secrets by ID (conf_index); NULL: scanned */
	/* X.509 (issue 10), from the directories beside ipsec.conf, as
	 * strongSwan's ipsec.d: certs (leftcert=, rightcert=; relative paths
	 * from certs/), keys (ipsec.secrets ": RSA|ECDSA FILE"; relative from
	 * private/; wiped by conf_free), cacerts (every file in cacerts/), crls
	 * (every file in crls/). */
	struct conf_blob *certs, *keys, *cacerts, *crls;
	unsigned ncerts, nkeys, ncacerts, ncrls;
	/* Remote access (issue 11). */
	struct conf_pool *pools;
	unsigned npools;
	struct conf_xauth_user *xauth_users; /* ipsec.secrets XAUTH entries, then passwd */
	unsigned nxauth_users;
	char **strings; /* conn_ra's strings (interned) */
	unsigned nstrings;
};

/* is_local(addr, arg) says whether an address is on this host (decides
 * left/right); NULL: use getifaddrs(). */
typedef bool (*conf_is_local_fn)(const struct conf_addr *a, void *arg);

/* 0, or -EINVAL with err = "FILE:LINE: what is wrong" (the first error
 * found); -errno for I/O with err saying which file.  secrets_path may be
 * NULL (no secrets).  A secrets file (or one it includes) that group or
 * others may read or write, or that neither root nor our euid owns, is
 * refused (-EACCES, err naming it and the fix); so is Libreswan's passwd
 * file beside conf_path (XAUTH users, read when there is one; ipsec.d/passwd
 * when that is /etc/passwd).  Warns for weak algorithms.  A conn with
 * auto=ignore whose ends are not on this host is left out (it is usually a template for also=);
 * every other conn must have one end on this host. */
int conf_load(const char *conf_path, const char *secrets_path, conf_is_local_fn is_local, void *arg,
	      struct conf **out, char *err, size_t errlen);
void conf_free(struct conf *c); /* wipes PSKs */
/* Builds the lookups of conns by name and of secrets by ID of a conf made
 * otherwise than by conf_load (which does it), e.g. received from the
 * privileged helper.  0 or -ENOMEM (conf_load and conf_unpack then fail:
 * a conf without its lookups is not used). */
int conf_index(struct conf *c);
const struct conn *conf_conn(const struct conf *c, const char *name);
/* The conns a several-subnet conn NAME became (subnets.c): the first, its
 * pairs following it (*n of them), or NULL when name is no such group. */
const struct conn *conf_group(const struct conf *c, const char *name, unsigned *n);
/* The group's name of a conn in a group ("NAME" of "NAME/1x2"): 0, or
 * -ENOENT when c is in no group. */
int conf_group_name(const struct conn *c, char *out, size_t len);

/* The PSK for local id + remote id, chosen as strongSwan's stroke plugin
 * chooses (credential_manager get_shared): an entry scores, for each side,
 * 20 when it lists that side's ID, 1 when it lists no specific ID (only
 * %any, or nothing), else 0; entries that score 0 on both sides are out;
 * the remote score ranks first, then the local one; on a tie the later
 * line wins.  So both ids > the remote id alone (with or without %any) >
 * no ids > the local id alone.  Either id may be NULL (not known yet).
 * NULL if no entry matches.  By the index conf_index builds (psk.c). */
const struct conf_secret *conf_psk(const struct conf *c, const struct conf_id *local,
				   const struct conf_id *remote);
/* The same answer by a scan of every entry: what the index must give. */
const struct conf_secret *conf_psk_scan(const struct conf *c, const struct conf_id *local,
					const struct conf_id *remote);
struct psk_index;
int conf_psk_index_build(const struct conf *c, struct psk_index **out);
void conf_psk_index_free(struct psk_index *ix);

/* XAUTH with xauthby=file (or alwaysok): is PASSWORD user USER's for
 * conn?  A user's ipsec.secrets entry is compared in constant time; a
 * passwd entry (for this conn or any) with crypt(3).  0: yes; -ENOENT: no
 * such user; -EACCES: not the password; -EOPNOTSUPP: the conn says
 * xauthby=pam (the caller asks the privileged helper).  why (never NULL)
 * says which in words for the log ("no XAUTH user 'bob' in ipsec.secrets
 * or passwd", "wrong password for XAUTH user 'bob'"); never the password. */
int conf_xauth_check(const struct conf *c, const struct conn *conn, const char *user,
		     const char *password, char *why, size_t whylen);
/* conf_xauth_check in two halves, for a job off the event loop
 * (ike/xauth.c): conf_xauth_plan, on the loop's thread, copies what the
 * configuration says of user for conn (its entries' secrets, a decoy
 * hash), so that a reload may free the configuration meanwhile;
 * conf_xauth_run, on any thread, compares password with them (crypt(3),
 * ~25 ms for yescrypt).  The same answers as conf_xauth_check (plan:
 * -EOPNOTSUPP for xauthby=pam, -ENOMEM).  conf_xauth_plan_free wipes the
 * copies (also after a failed plan). */
struct conf_xauth_plan {
	char name[300]; /* the user as the log shows it */
	char conn[64];
	bool always_ok;
	unsigned n, other;
	struct conf_xauth_cand {
		char secret[256];
		bool crypted;
	} * cand;
	char decoy[256]; /* a passwd hash, for an unknown user ("": none) */
};
int conf_xauth_plan(const struct conf *c, const struct conn *conn, const char *user,
		    struct conf_xauth_plan *p, char *why, size_t whylen);
int conf_xauth_run(const struct conf_xauth_plan *p, const char *password, char *why, size_t whylen);
void conf_xauth_plan_free(struct conf_xauth_plan *p);
/* An XAUTH client's password: the ipsec.secrets "USER : XAUTH secret"
 * entry of user (conn_ra.user), NULL when there is none (the passwd
 * file's hashes are a server's). */
const char *conf_xauth_password(const struct conf *c, const char *user);

/* An XAUTH user name (it comes from the wire) for a log line: printable
 * ASCII as it is, the rest as \xHH, at most 64 bytes of it, "..." after. */
void conf_user_text(const char *user, char *out, size_t len);

/* Helpers other layers may use. */
#define CONF_ADDR_STRLEN 46		/* INET6_ADDRSTRLEN */
#define CONF_ID_STRLEN	 (4 * 255 + 16) /* every byte escaped, plus a prefix */

/* An IPv4 or IPv6 literal (not %any, not names): 0 or -EINVAL. */
int conf_addr_parse(const char *s, struct conf_addr *a);
/* "%any" for AF_UNSPEC; 0 or -ENOSPC. */
int conf_addr_str(const struct conf_addr *a, char *out, size_t len);
bool conf_addr_equal(const struct conf_addr *a, const struct conf_addr *b);
/* An ID as ipsec.conf writes it: "@fqdn" or "fqdn" (ID_FQDN), "user@dom"
 * or "@@user@dom" (ID_USER_FQDN), an IP literal (ID_IPV4/IPV6_ADDR),
 * "@#hex" (ID_KEY_ID), Libreswan's "@[text]" (ID_KEY_ID of the text's
 * bytes: a vpnc/Cisco group name), strongSwan's "fqdn:", "email:", "userfqdn:",
 * "rfc822:", "keyid:" prefixes, "%any" (CONF_ID_ANY).  0 or -EINVAL with
 * *why (may be NULL) saying what is wrong. */
int conf_id_parse(const char *s, struct conf_id *id, const char **why);
/* The ID as conf_id_parse reads it back; bytes outside printable ASCII as
 * \xHH (IDs from the wire end up in logs).  0 or -ENOSPC. */
int conf_id_str(const struct conf_id *id, char *out, size_t len);
/* Same type and data; FQDN and USER_FQDN compare without case. */
bool conf_id_equal(const struct conf_id *a, const struct conf_id *b);

/* Parses an ike= (phase1) or esp= proposal string, see proposal.c.  key
 * names the setting in messages ("ike", "esp", "phase2alg").  0 or
 * -EINVAL with err saying what is wrong. */
int conf_proposals_parse(const char *key, const char *s, bool phase1, struct proposal_list *out,
			 char *err, size_t errlen);

#endif
