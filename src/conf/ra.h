/* Remote access in the configuration (issue 11): the XAUTH and Mode
 * Config keys of both dialects (ra.c), address pools (ra_pool.c), XAUTH
 * users from ipsec.secrets and Libreswan's passwd file, and their check
 * (xauth.c).  Inside src/conf only.
 *
 * Few sections have these keys, so they are kept apart from struct
 * conn_opts (which every one of 100,000 sections carries): a section's
 * conn_opts.ra is 1 + the index of its struct ra_opts in conf_ctx.ra, 0
 * when it has none.  They are merged along also= and %default as the
 * other keys are (strongSwan's precedence, resolve.c). */
#ifndef OAKLEY_CONF_RA_H
#define OAKLEY_CONF_RA_H

#include "conf/internal.h"

enum ra_key {
	RK_XAUTH, /* strongSwan */
	RK_LEFTAUTH,
	RK_RIGHTAUTH,
	RK_LEFTAUTH2,
	RK_RIGHTAUTH2,
	RK_XAUTH_IDENTITY,
	RK_LEFTSOURCEIP,
	RK_RIGHTSOURCEIP,
	RK_MODECONFIG,
	RK_LEFTDNS,
	RK_RIGHTDNS,
	RK_LEFTXAUTHSERVER, /* Libreswan */
	RK_RIGHTXAUTHSERVER,
	RK_LEFTXAUTHCLIENT,
	RK_RIGHTXAUTHCLIENT,
	RK_LEFTUSERNAME,
	RK_RIGHTUSERNAME,
	RK_LEFTMODECFGSERVER,
	RK_RIGHTMODECFGSERVER,
	RK_LEFTMODECFGCLIENT,
	RK_RIGHTMODECFGCLIENT,
	RK_LEFTADDRESSPOOL,
	RK_RIGHTADDRESSPOOL,
	RK_MODECFGDNS,
	RK_MODECFGDNS1,
	RK_MODECFGDNS2,
	RK_MODECFGBANNER,
	RK_MODECFGDOMAINS,
	RK_MODECFGPULL,
	RK_XAUTHBY,
	RK_XAUTHFAIL,
	RK_CISCO_UNITY,
	RK_REMOTE_PEER_TYPE,
	RK_COUNT
};

/* leftauth2= (strongSwan): xauth, or xauth-BACKEND naming how a server checks. */
enum ra_auth2 { RA_AUTH2_XAUTH = 1, RA_AUTH2_GENERIC, RA_AUTH2_PAM, RA_AUTH2_NOAUTH };
/* leftsourceip=: %config, else 2 + a pool's index in conf_ctx.pools. */
#define RA_SOURCEIP_CONFIG 1

struct ra_side {
	uint8_t auth;	      /* leftauth=: IKE_AUTH_PSK or CONF_AUTHBY_PUBKEY/RSA/ECDSA */
	uint8_t auth2;	      /* leftauth2=: enum ra_auth2 */
	bool xauthserver;     /* leftxauthserver= */
	bool xauthclient;     /* leftxauthclient= */
	bool modecfgserver;   /* leftmodecfgserver= */
	bool modecfgclient;   /* leftmodecfgclient= */
	uint32_t sourceip;    /* see RA_SOURCEIP_CONFIG */
	uint32_t dns;	      /* leftdns=: 1 + string index (the list as written) */
	uint32_t username;    /* leftusername=, leftxauthusername=: 1 + string index */
	uint32_t addresspool; /* leftaddresspool=: 1 + pool index */
};

struct ra_opts {
	uint8_t state[RK_COUNT];    /* enum opt_state */
	struct origin at[RK_COUNT]; /* row: of ra.c's key table */
	struct ra_side side[2];	    /* 0: left, 1: right */
	uint8_t xauth;		    /* xauth=: CONN_XAUTH_CLIENT or _SERVER */
	bool pull;		    /* modeconfig=pull */
	bool modecfgpull;	    /* modecfgpull=yes */
	bool unity;		    /* cisco-unity=yes */
	uint8_t xauthby;	    /* enum conn_xauthby */
	uint8_t xauthfail;	    /* 0 hard, 1 soft */
	uint8_t peer_type;	    /* remote-peer-type=: 0 ietf, 1 cisco (accepted, no effect) */
	uint32_t identity;	    /* xauth_identity=: 1 + string index */
	uint32_t modecfgdns, modecfgdns1, modecfgdns2; /* 1 + string index */
	uint32_t banner, domains;		       /* 1 + string index */
};

/* authby=xauthpsk, authby=xauthrsasig (conn.c): phase 1 as PSK or RSA,
 * with XAUTH after it (ra.c turns them into IKE_AUTH_PSK, CONF_AUTHBY_RSA). */
#define CONF_AUTHBY_XAUTHPSK 0xf3
#define CONF_AUTHBY_XAUTHRSA 0xf4

/* ra.c */
/* One key of a conn section: 0 or -errno when it is a remote-access key,
 * 1 when it is none. */
int conf_ra_setting(struct conf_ctx *ctx, struct section *sec, const struct setting *s);
/* The spelling of a row of ra.c's key table (struct origin.row). */
const char *conf_ra_row_name(unsigned row);
/* Fills what dst does not say from section opts.ra SRC (0: nothing). */
void conf_ra_merge(const struct conf_ctx *ctx, struct ra_opts *dst, uint32_t src);
/* ra_resolve.c: conn c as build_conn made it (ends resolved): its conn_ra from ra, its
 * authby from leftauth=/authby=xauth*; the checks of both. */
int conf_ra_resolve(struct conf_ctx *ctx, const struct ra_opts *ra, const struct conn_opts *o,
		    struct conn *c);
/* Keeps s in ctx->strings (once): *idx = 1 + its index. */
int conf_string_add(struct conf_ctx *ctx, const char *s, uint32_t *idx);
const char *conf_string_at(const struct conf_ctx *ctx, uint32_t idx);
/* Hands the pools, strings and XAUTH users to c, after the passwd file
 * was read; warns for an XAUTH client without its password. */
int conf_ra_finish(struct conf_ctx *ctx, struct conf *c);
void conf_ra_free(struct conf_ctx *ctx);

/* ra_pool.c: a pool (CIDR, FIRST-LAST or one address) into ctx->pools,
 * shared with a conn naming the same range: 0 with *idx its index, or
 * -EINVAL with the error recorded at s's line. */
int conf_pool_add(struct conf_ctx *ctx, const struct setting *s, uint32_t *idx);
/* A pool's range from text, without ctx: 0, or -EINVAL with *why. */
int conf_pool_parse(const char *s, struct conf_addr *first, struct conf_addr *last,
		    const char **why);
/* "A, B C": up to CONF_MAX_DNS addresses; %config, %config4, %config6
 * tokens are counted in *nconfig (when not NULL; else they are errors). */
int conf_dns_parse(const char *s, struct conf_addr *out, uint8_t *n, unsigned *nconfig,
		   const char **why);

/* xauth.c */
/* ipsec.secrets "USER... : XAUTH secret" (strongSwan): one user per ID
 * token; the secret as read_psk reads a PSK (quoted, 0x, 0s, bare). */
int conf_xauth_secret_add(struct conf_ctx *ctx, const char *file, unsigned line, const char *user,
			  const uint8_t *secret, size_t len);
/* Libreswan's passwd beside the main ipsec.conf, when there is one. */
int conf_passwd_load(struct conf_ctx *ctx, const char *conf_path);

#endif
