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

/*
 * Who the daemon becomes, started as root.  The configured user, or
 * when it does not exist nobody (and nogroup, where there is one) with
 * a warning: a missing account must not leave the daemon uid 0, which
 * can write the system's files even without capabilities, and refusing
 * to start would leave the network unfiltered over a typing error.
 * Root only when the configuration says "user root" (written): never
 * by default, nor because an account of another name has uid 0.
 * Returns -1 after logging when no unprivileged identity can be had;
 * start-up stops then.  Started unprivileged (systemd), there is
 * nothing to look up.
 */
int
priv_lookup(const char *user, int written, struct priv_id *id)
{
	struct passwd	*pw;
	struct group	*gr;

	memset(id, 0, sizeof(*id));
	if (geteuid() != 0)
		return (0);	/* started as its user already (systemd) */
	if ((pw = getpwnam(user)) == NULL) {
		if ((pw = getpwnam(PRIV_FALLBACK_USER)) == NULL ||
		    pw->pw_uid == 0) {
			log_warnx("user %s does not exist, nor a user %s to "
			    "run as instead: refusing to run as root (create "
			    "it: useradd --system %s)", user,
			    PRIV_FALLBACK_USER, user);
			return (-1);
		}
		log_warnx("user %s does not exist; running as %s instead "
		    "(create it: useradd --system %s)", user,
		    PRIV_FALLBACK_USER, user);
		id->found = 1;
		id->uid = pw->pw_uid;
		id->gid = (gr = getgrnam(PRIV_FALLBACK_GROUP)) != NULL ?
		    gr->gr_gid : pw->pw_gid;
		return (0);
	}
	if (pw->pw_uid == 0 && (!written || strcmp(user, "root") != 0)) {
		log_warnx("user %s has uid 0: refusing to run as root unless "
		    "the configuration says \"user root\"", user);
		return (-1);
	}
	if (pw->pw_uid == 0)
		log_warnx("running as root, as configured (\"user root\"), "
		    "with only the capabilities needed");
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
 * Switch to id (when we are root: it must be found) keeping CAP_NET_ADMIN, and
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
	if (geteuid() == 0 && !id->found) {
		log_warnx("no user to switch to: refusing to stay root");
		return (-1);
	}
	if (geteuid() == 0) {
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
