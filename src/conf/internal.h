/* What the files of src/conf share while a configuration is being read.
 * Nothing here leaves the layer: other layers see only conf.h. */
#ifndef OAKLEY_CONF_INTERNAL_H
#define OAKLEY_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define CONF_MAX_INCLUDE_DEPTH 10
#define CONF_MAX_FILE_BYTES    (64u << 20) /* 100,000 conns take about 15 MB */

/* Where a conn key was written, in 8 bytes (a section carries one per
 * key): the file as its index in conf_ctx.files, the spelling used (an
 * alias too) as its row of conn.c's key table. */
struct origin {
	uint32_t line;
	uint32_t file : 24;
	uint32_t row : 8;
};

/* One "key=value" line; value NULL for "key=" (reset to the default). */
struct setting {
	const char *key;
	const char *value;
	const char *file;
	unsigned line;
	unsigned file_idx; /* file's index in conf_ctx.files */
};

enum conn_key {
	CK_KEYEXCHANGE,
	CK_LEFT,
	CK_RIGHT,
	CK_LEFTSUBNET,
	CK_RIGHTSUBNET,
	CK_LEFTID,
	CK_RIGHTID,
	CK_LEFTPROTOPORT,
	CK_RIGHTPROTOPORT,
	CK_AUTHBY,
	CK_IKE,
	CK_ESP,
	CK_TYPE,
	CK_IKELIFETIME,
	CK_LIFETIME,
	CK_LIFEBYTES,
	CK_AGGRESSIVE,
	CK_AUTO,
	CK_FORCEENCAPS,
	CK_DPDACTION,
	CK_DPDDELAY,
	CK_DPDTIMEOUT,
	CK_REKEY,
	CK_MARGINTIME,
	CK_REKEYFUZZ,
	CK_FRAGMENTATION,
	CK_LEFTCERT, /* issue 10: certs.c */
	CK_RIGHTCERT,
	CK_LEFTCA,
	CK_RIGHTCA,
	CK_LEFTSENDCERT,
	CK_RIGHTSENDCERT,
	CK_PFS, /* libreswan.c */
	CK_COUNT
};

enum opt_state { OPT_UNSET, OPT_SET, OPT_CLEARED };

struct protoport {
	uint8_t proto;
	uint16_t port;
};

/* leftsubnet=: the first subnet, and the whole list when there are
 * several (index + 1 in conf_ctx.subnet_lists; 0: just the one). */
struct subnet_opt {
	struct conf_ts first;
	uint32_t list;
};

struct conf_subnet_list {
	unsigned n;
	struct conf_ts ts[CONF_MAX_SUBNETS];
};

struct side_opts {
	struct conf_addr addr; /* AF_UNSPEC: %any */
	struct subnet_opt subnet;
	uint32_t id; /* where the ID is in conf_ctx.ids (opts_id reads it): a
			struct conf_id is 257 bytes, most IDs a dozen */
	struct protoport pp;
	uint32_t cert;	  /* leftcert=: 1 + its index in conf_ctx.certs */
	uint32_t ca;	  /* leftca=: where the DN is in conf_ctx.ids */
	uint8_t sendcert; /* enum conf_sendcert */
};

/* The typed keys of one conn section, before %default and also= fill in. */
struct conn_opts {
	uint8_t state[CK_COUNT]; /* enum opt_state */
	struct origin at[CK_COUNT];
	struct side_opts side[2]; /* 0: left, 1: right */
	uint8_t authby;
	/* Set in few sections (%default, a base for also=): kept apart, in
	 * conf_ctx.lists, so that 100,000 sections do not carry 800 bytes
	 * of empty lists each. */
	struct proposal_list *ike, *esp;
	enum conn_mode mode;
	uint32_t ikelifetime_s, lifetime_s;
	uint64_t lifebytes;
	bool aggressive;
	enum conn_auto auto_;
	bool forceencaps, rekey;
	enum conn_dpd_action dpd_action;
	uint32_t dpd_delay_s, dpd_timeout_s, margin_s, fuzz_pct;
	uint8_t fragmentation; /* enum conn_frag */
	uint32_t ra;	       /* remote-access keys: 1 + index in conf_ctx.ra (ra.h) */
	bool pfs;	       /* pfs=yes|no (libreswan.c) */
	bool ikev2;	       /* keyexchange=ikev2|ike, ikev2=yes|insist: skipped (dialect.c) */
};

struct also {
	char name[64];
	const char *file;
	unsigned line;
};

struct section {
	char name[64];
	const char *file;
	unsigned line;
	struct conn_opts opts;
	struct also *also; /* in file order */
	unsigned nalso;
	char *err; /* its first refused line, "FILE:LINE: why": raised unless IKEv2 (dialect.c) */
};

enum parse_where { IN_NONE, IN_SETUP, IN_CONN };

struct conf_ctx {
	char *err;
	size_t errlen;
	bool failed;
	char **files;
	unsigned nfiles;
	struct file_slot *file_by_name; /* conf_file_name's hash of files */
	unsigned file_mask;
	unsigned depth;		/* include nesting */
	enum parse_where where; /* the section settings go to */
	unsigned cur;		/* that section's index when where == IN_CONN */
	struct section *secs;	/* conn sections, %default among them */
	unsigned nsecs, capsecs;
	struct name_index sec_by_name;
	struct conf_setup setup;
	unsigned setup_line[32]; /* duplicate detection in config setup */
	struct conf_secret *secrets;
	unsigned nsecrets, capsecrets;
	struct proposal_list **lists; /* what ike= and esp= lines parsed to */
	unsigned nlists, caplists;
	struct conf_subnet_list **subnet_lists; /* several-subnet values (subnets.c) */
	unsigned nsubnet_lists, capsubnet_lists;
	uint8_t *ids; /* IDs of conn sections: type, length, bytes */
	size_t idlen, idcap;
	struct conf_blob *certs, *keys, *cacerts, *crls; /* certs.c; handed to struct conf */
	unsigned ncerts, nkeys, ncacerts, ncrls;
	/* remote access (issue 11, ra.h): sections' keys, pools, strings, XAUTH users */
	struct ra_opts *ra;
	unsigned nra, capra;
	struct conf_pool *pools;
	unsigned npools, cappools;
	char **strings;
	unsigned nstrings, capstrings;
	uint32_t *string_slots; /* hash of strings: 1 + index, 0 empty */
	unsigned string_mask;
	struct conf_xauth_user *xauth_users;
	unsigned nxauth_users, capxauth_users;
};

struct file_slot {
	uint32_t idx; /* index + 1 in conf_ctx.files; 0: empty */
	uint32_t hash;
};

/* A section by name: its index, or -1. */
int conf_find_section(const struct conf_ctx *ctx, const char *name);

/* Records the first error as "FILE:LINE: message" (FILE: message when line
 * is 0); returns -EINVAL. */
int conf_error(struct conf_ctx *ctx, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Keeps a copy of a file name for the life of the conf; *idx (may be
 * NULL) gets its index in ctx->files. */
const char *conf_file_name(struct conf_ctx *ctx, const char *path, unsigned *idx);
/* Reads a whole file (NUL-terminated, no NUL inside).  secret: warn when
 * group/others may read it.  where/line: the include line, for messages. */
int conf_read_file(struct conf_ctx *ctx, const char *path, bool secret, const char *where,
		   unsigned line, char **data, size_t *len);
/* Expands an include pattern (relative to the including file's folder)
 * and calls load() on each file, in glob order. */
int conf_include(struct conf_ctx *ctx, const char *file, unsigned line, const char *pattern,
		 int (*load)(struct conf_ctx *ctx, const char *path, const char *from,
			     unsigned from_line));

/* parse.c: ipsec.conf lines to sections and settings. */
int conf_parse_file(struct conf_ctx *ctx, const char *path, const char *from, unsigned from_line);

/* conf.c: what the parser found. */
int conf_begin_setup(struct conf_ctx *ctx, const char *file, unsigned line);
int conf_begin_conn(struct conf_ctx *ctx, const char *name, const char *file, unsigned line);
int conf_setting(struct conf_ctx *ctx, const struct setting *s);

/* setup.c and conn.c: one key of a section. */
int setup_setting(struct conf_ctx *ctx, const struct setting *s);
int conn_setting(struct conf_ctx *ctx, struct section *sec, const struct setting *s);
/* The field of a conn key inside struct conn_opts. */
void conn_key_field(enum conn_key k, size_t *off, size_t *size);
const char *conn_key_name(enum conn_key k);
/* The spelling of a key table row (struct origin.row). */
const char *conn_row_name(unsigned row);
/* The file and the spelling an origin names. */
const char *origin_file(const struct conf_ctx *ctx, const struct origin *at);
const char *origin_key(const struct origin *at);
/* Keeps ID in ctx->ids; *at: where (for opts_id). */
int conf_ids_add(struct conf_ctx *ctx, const struct conf_id *id, uint32_t *at);
/* A conn section's ID (struct side_opts.id) as a whole struct conf_id. */
void opts_id(const struct conf_ctx *ctx, uint32_t at, struct conf_id *id);

/* resolve.c: %default and also= applied, ends resolved, conns built. */
int conf_resolve(struct conf_ctx *ctx, conf_is_local_fn is_local, void *arg, struct conn **out,
		 unsigned *n);

/* conf.c: the ownership and mode a secrets file (or a private key) must have. */
struct stat;
int conf_secret_file_check(struct conf_ctx *ctx, const char *path, const struct stat *st);

/* certs.c (issue 10): leftcert=, leftca=, leftsendcert= of conn.c's table;
 * ipsec.secrets ": RSA|ECDSA FILE"; cacerts/ and crls/; after the secrets,
 * each conn's key and exact auth method. */
#define CONF_AUTHBY_PUBKEY 0xf0 /* authby=pubkey: the key's method, resolved later */
#define CONF_AUTHBY_RSA	   0xf1 /* authby=rsasig|rsa */
#define CONF_AUTHBY_ECDSA  0xf2 /* authby=ecdsasig|ecdsa */
int conf_parse_cert(struct conf_ctx *ctx, const struct setting *s, void *field);
int conf_parse_ca(struct conf_ctx *ctx, const struct setting *s, void *field);
int conf_parse_sendcert(struct conf_ctx *ctx, const struct setting *s, void *field);
int conf_secret_key(struct conf_ctx *ctx, const char *file, unsigned line, const char *type,
		    const char *path, bool passphrase);
/* The subject DN of certificate IDX (1 + index) as an ID. */
int conf_cert_subject(struct conf_ctx *ctx, uint32_t idx, struct conf_id *id);
int conf_certs_finish(struct conf_ctx *ctx, struct conf *c);
void conf_blobs_free(struct conf_blob *b, unsigned n, bool wipe);

/* secrets.c */
int secrets_load(struct conf_ctx *ctx, const char *path, const char *from, unsigned from_line);

/* addr.c */
/* "addr" or "addr/len"; host bits set: cleared, and *host_bits set. */
int conf_subnet_parse(const char *s, struct conf_ts *ts, bool *host_bits);
/* "proto[/port]": proto a name (tcp, udp, icmp, ...), a number or %any;
 * port a number, a service name or %any.  0 or -EINVAL with *why. */
int conf_protoport_parse(const char *s, struct protoport *pp, const char **why);
void conf_host_ts(const struct conf_addr *a, struct conf_ts *ts);
/* subnets.c: leftsubnet= / rightsubnet= (one subnet, or a list of up to
 * CONF_MAX_SUBNETS separated by commas and/or spaces) into field (a
 * struct subnet_opt). */
int conf_subnets_parse(struct conf_ctx *ctx, const struct setting *s, void *field);
/* After conns[*n] was built from o: keeps it (*n + 1), or, with a list on
 * either side, replaces it by one conn per pair of subnets (*n + pairs),
 * growing *conns (capacity *cap).  0 or -EINVAL / -ENOMEM. */
int conf_subnets_expand(struct conf_ctx *ctx, const struct conn_opts *o, struct conn **conns,
			unsigned *cap, unsigned *n);
void conf_subnets_free(struct conf_ctx *ctx);
bool conf_addr_is_local_ifaddrs(const struct conf_addr *a, void *ifaddrs);
/* Hex digits (even count, no prefix) to bytes: 0 or -EINVAL/-ENOSPC. */
int conf_unhex(const char *s, uint8_t *out, size_t max, size_t *len);

/* libreswan.c: config setup's ikev1-policy= and virtual-private=; left=
 * %defaultroute (and %defaultroute6) into *a; pfs=; after a conn's
 * proposals are known, pfs= applied to its esp list; the conn keys that
 * set nothing (0 or -EINVAL when s is one of them, 1 when not). */
int conf_set_ikev1_policy(struct conf_ctx *ctx, const struct setting *s);
int conf_set_virtual_private(struct conf_ctx *ctx, const struct setting *s);
/* The config setup keys of older setup-ipsec-vpn copies: protostack=,
 * interfaces=, nat_traversal=, oe=. */
int conf_set_protostack(struct conf_ctx *ctx, const struct setting *s);
int conf_set_interfaces(struct conf_ctx *ctx, const struct setting *s);
int conf_set_obsolete(struct conf_ctx *ctx, const struct setting *s);
int conf_set_oe(struct conf_ctx *ctx, const struct setting *s);
int conf_defaultroute(struct conf_ctx *ctx, const struct setting *s, struct conf_addr *a);
int conf_parse_pfs(struct conf_ctx *ctx, const struct setting *s, void *field);
int conf_pfs_resolve(struct conf_ctx *ctx, struct conn *c, const struct conn_opts *o);
int conf_ls_setting(struct conf_ctx *ctx, const struct setting *s);
/* The source address of family's default route: 0, or -errno when there
 * is none.  A UDP socket's connect by default; tests set their own. */
extern int (*conf_route_probe)(int family, struct conf_addr *out);

/* dialect.c: the other conn keys of both dialects' ipsec.conf(5) that set
 * nothing: taken, ignored with a notice, or refused (0 or -EINVAL when s
 * is one of them, 1 when not); a conn whose keyexchange says IKEv2 is
 * skipped with a notice (1), else 0. */
int conf_dialect_setting(struct conf_ctx *ctx, const struct setting *s);
int conf_dialect_skip(const struct conf_ctx *ctx, const struct section *sec,
		      const struct conn_opts *o);
/* conn_setting, with a refusal kept in the section (%default too) until
 * resolve knows whether the conn is IKEv1: an IKEv2 conn is skipped
 * whatever it holds.  conf_dialect_raise: the kept refusal of section
 * i, of its also= sections or of %default (-EINVAL), else 0. */
int conf_dialect_setting_in(struct conf_ctx *ctx, struct section *sec, const struct setting *s);
int conf_dialect_raise(struct conf_ctx *ctx, const struct section *sec, const unsigned *parents,
		       unsigned nparents, int def);
/* "%none" for KEY: as "KEY=", nothing there, %default not filling it in. */
bool conf_dialect_none(const struct setting *s);

/* xauth.c: how many checks of an unknown user ran crypt(3) on a decoy
 * hash (for tests). */
extern unsigned xauth_decoy_checks;

#endif
