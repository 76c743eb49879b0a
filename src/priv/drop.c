/* Dropping root: to an unprivileged user that keeps CAP_NET_ADMIN (XFRM
 * SAs and policies) and CAP_NET_BIND_SERVICE (nothing else: the sockets are
 * bound already, but a NAT-T port change may need it later), as Linux
 * daemons that must stay on netlink do.  Raw capset(2): libc has no
 * wrapper, and libcap for two calls is not worth a dependency. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "priv/priv.h"
#include "util/log.h"

#define KEEP_CAPS ((1ULL << CAP_NET_ADMIN) | (1ULL << CAP_NET_BIND_SERVICE))

static struct priv_state state;

static int refuse(char *why, size_t whylen, int err, const char *what)
{
	snprintf(why, whylen, "cannot drop privileges: %s: %s", what, strerror(err));
	return -err;
}

static int caps_set(uint64_t caps)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};

	d[0].effective = d[0].permitted = (uint32_t)caps;
	d[1].effective = d[1].permitted = (uint32_t)(caps >> 32);
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static uint64_t caps_effective(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

/* Everything but KEEP_CAPS out of the bounding set, which needs
 * CAP_SETPCAP: so before the uid changes. */
static int bounding_clear(void)
{
	int cap;

	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(KEEP_CAPS & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	return 0;
}

static const struct passwd *find_user(const char *user)
{
	const struct passwd *pw = getpwnam(user);

	if (pw)
		return pw;
	log_warn("there is no user '%s': running as '%s' instead, which other daemons may "
		 "share (create it: useradd --system --no-create-home --shell /usr/sbin/nologin "
		 "%s)",
		 user, PRIV_USER_FALLBACK, user);
	return getpwnam(PRIV_USER_FALLBACK);
}

static int change_ids(const struct passwd *pw, char *why, size_t whylen)
{
	gid_t gid = pw->pw_gid;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return refuse(why, whylen, errno, "PR_SET_KEEPCAPS");
	if (setgroups(1, &gid) < 0)
		return refuse(why, whylen, errno, "setgroups");
	if (setresgid(gid, gid, gid) < 0)
		return refuse(why, whylen, errno, "setresgid");
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return refuse(why, whylen, errno, "setresuid");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return refuse(why, whylen, errno, "PR_SET_KEEPCAPS");
	return 0;
}

int priv_drop(const char *user, char *why, size_t whylen)
{
	const struct passwd *pw = find_user(user);
	int err;

	if (!pw)
		return refuse(why, whylen, ENOENT, "no user to run as");
	if (pw->pw_uid == 0)
		return refuse(why, whylen, EPERM, "the user to run as is root");
	snprintf(state.user, sizeof(state.user), "%s", pw->pw_name);
	err = bounding_clear();
	if (err)
		return refuse(why, whylen, -err, "clearing the bounding set");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return refuse(why, whylen, errno, "clearing the ambient set");
	err = change_ids(pw, why, whylen);
	if (err)
		return err;
	err = caps_set(KEEP_CAPS);
	if (err)
		return refuse(why, whylen, -err, "capset");
	/* As OpenBSD's daemons check: there is no way back. */
	if (setresuid(0, 0, 0) == 0)
		return refuse(why, whylen, EPERM, "root could be regained");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return refuse(why, whylen, errno, "PR_SET_NO_NEW_PRIVS");
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer ptraces us at exit; the uid change made us undumpable. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	state.dropped = true;
	state.no_new_privs = true;
	return 0;
}

const struct priv_state *priv_state(void)
{
	state.uid = getuid();
	state.gid = getgid();
	state.caps = caps_effective();
	return &state;
}

void priv_state_set_helper(pid_t pid)
{
	state.helper = pid;
}

void priv_state_set_seccomp(void)
{
	state.seccomp = true;
}

void priv_caps_str(uint64_t caps, char *out, size_t len)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {{CAP_NET_ADMIN, "cap_net_admin"},
		     {CAP_NET_BIND_SERVICE, "cap_net_bind_service"}};
	size_t n = 0;
	unsigned i;

	out[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps & (1ULL << names[i].cap)) {
			n += (size_t)snprintf(out + n, len > n ? len - n : 0, "%s%s", n ? "," : "",
					      names[i].name);
			caps &= ~(1ULL << names[i].cap);
		}
	if (caps)
		snprintf(out + n, len > n ? len - n : 0, "%s0x%llx", n ? "," : "",
			 (unsigned long long)caps);
	else if (!n)
		snprintf(out, len, "none");
}
