/* Privilege separation, after OpenBSD iked's parent and children.
 *
 * oakleyd opens, as root, everything that needs root: the IKE sockets, the
 * XFRM netlink sockets, the control socket, the configuration, secrets,
 * capture and key tables.  Then it forks a small helper that stays root,
 * and drops itself to an unprivileged user with only CAP_NET_ADMIN (XFRM)
 * and CAP_NET_BIND_SERVICE, no_new_privs and a seccomp filter.  The helper
 * does on request the things a running daemon still needs root for:
 * reading the configuration and secrets again (reload), opening a capture
 * file (capture on FILE) and asking PAM about an XAUTH password
 * (xauthby=pam, pam.c).  It never reads a path the daemon names
 * except a capture file, which it checks as capture_open does. */
#ifndef OAKLEY_PRIV_PRIV_H
#define OAKLEY_PRIV_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture/capture.h"
#include "conf/conf.h"

/* The user oakleyd runs as, and the one it falls back to (with a warning). */
#define PRIV_USER	   "oakley"
#define PRIV_USER_FALLBACK "nobody"

struct priv;

/* What the helper needs to know; the strings must outlive it. */
struct priv_paths {
	const char *conf, *secrets;
	const char *ctl; /* the control socket, unlinked when the daemon ends */
};

/* helper.c: forks the helper; returns in the daemon only. */
int priv_helper_start(const struct priv_paths *paths, struct priv **out);
/* Closes the channel and waits for the helper: 0, or -ECHILD when it did
 * not exit cleanly (WHY says how). */
int priv_helper_stop(struct priv *p, char *why, size_t whylen);
pid_t priv_helper_pid(const struct priv *p);
/* The configuration and secrets, read again by the helper. */
int priv_reload(struct priv *p, struct conf **out, char *why, size_t whylen);
/* A capture opened (or created) by the helper. */
int priv_capture_open(struct priv *p, const char *path, struct capture **out, char *why,
		      size_t whylen);

/* XAUTH with xauthby=pam (issue 11): the helper asks libpam's service
 * "oakley" (pam_authenticate, then pam_acct_mgmt) whether PASSWORD is
 * USER's, with PAM's failure delay off so that a wrong password does not
 * hold the daemon.  0: yes; -EACCES: refused (why: PAM's word, never the
 * password); -EIO: the channel failed. */
int priv_pam_check(struct priv *p, const char *user, const char *password, char *why,
		   size_t whylen);

/* drop.c: the privileges in force, for status. */
struct priv_state {
	bool dropped; /* running as USER with CAPS only */
	bool seccomp; /* the filter is loaded */
	bool no_new_privs;
	uid_t uid;
	gid_t gid;
	char user[32];
	uint64_t caps; /* effective capabilities, bit N = capability N */
	pid_t helper;  /* the privileged helper, 0 without one */
};

/* To USER (PRIV_USER_FALLBACK with a warning when it does not exist), with
 * only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE (permitted and effective;
 * inheritable and ambient empty, the bounding set cleared) and
 * no_new_privs.  0 or -errno with WHY set. */
int priv_drop(const char *user, char *why, size_t whylen);
const struct priv_state *priv_state(void);
void priv_state_set_helper(pid_t pid);
void priv_state_set_seccomp(void);
/* "cap_net_admin,cap_net_bind_service" (or "none"). */
void priv_caps_str(uint64_t caps, char *out, size_t len);

/* seccomp.c: loads the filter (see there for what it allows and why). */
int priv_seccomp(char *why, size_t whylen);

#endif
