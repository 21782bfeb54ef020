/*
 * priv.c: become the unprivileged user and keep only CAP_NET_ADMIN
 * (nfnetlink checks it on every verdict) and, when raw sockets are in
 * use, CAP_NET_RAW.
 *
 * Started as root: the bounding set loses every other capability, the
 * process switches uid and gid with PR_SET_KEEPCAPS, and the kept set
 * becomes permitted and effective.  Started unprivileged with ambient
 * capabilities (systemd's AmbientCapabilities=): only the capability
 * sets shrink.  Either way no_new_privs follows.  Capabilities are per
 * thread, so this runs before the queue threads start; they inherit it.
 *
 * Reloading reads the configuration and lists again as this user: they
 * must be readable by it (the shipped ones are world-readable), and the
 * event file's directory writable by it for a reopen after rotation.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "log.h"
#include "priv.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT			47
#define PR_CAP_AMBIENT_CLEAR_ALL	4
#endif

static int	set_caps(uint32_t);

/* Look the user up; a missing user is reported, not fatal. */
int
priv_lookup(const char *user, struct priv_id *id)
{
	struct passwd	*pw;

	memset(id, 0, sizeof(*id));
	if (geteuid() != 0)
		return (-1);	/* started as its user already (systemd) */
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx("user %s does not exist: staying uid %ld with only "
		    "the capabilities needed (create it: useradd --system %s)",
		    user, (long)geteuid(), user);
		return (-1);
	}
	id->found = 1;
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	return (0);
}

/* Permitted and effective become exactly keep; inheritable nothing. */
static int
set_caps(uint32_t keep)
{
	struct __user_cap_header_struct	 h;
	struct __user_cap_data_struct	 d[2];

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	d[0].permitted = d[0].effective = keep;
	return ((int)syscall(SYS_capset, &h, d));
}

/*
 * Switch to id (when found and we are root) keeping CAP_NET_ADMIN, and
 * CAP_NET_RAW when raw is set.  Returns -1 after logging: start-up must
 * not go on half-privileged.
 */
int
priv_drop(const struct priv_id *id, int raw)
{
	uint32_t	 keep = 1U << CAP_NET_ADMIN;
	int		 cap;

	if (raw)
		keep |= 1U << CAP_NET_RAW;
	if (geteuid() == 0) {
		for (cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (cap >= 32 || !(keep & (1U << cap)))
				if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
				    errno != EINVAL) {
					log_warn("PR_CAPBSET_DROP %d", cap);
					return (-1);
				}
	}
	if (geteuid() == 0 && id->found) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
		    setgroups(1, &id->gid) == -1 ||
		    setresgid(id->gid, id->gid, id->gid) == -1 ||
		    setresuid(id->uid, id->uid, id->uid) == -1) {
			log_warn("switching to uid %ld", (long)id->uid);
			return (-1);
		}
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (set_caps(keep) == -1) {
		log_warn("capset (CAP_NET_ADMIN%s)", raw ? ", CAP_NET_RAW" : "");
		return (-1);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("PR_SET_NO_NEW_PRIVS");
		return (-1);
	}
	return (0);
}
