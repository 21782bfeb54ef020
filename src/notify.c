/*
 * notify.c: the systemd notification protocol, written out rather than
 * linked from libsystemd: each message ("READY=1", "WATCHDOG=1",
 * "STOPPING=1") is one datagram to the AF_UNIX socket that
 * $NOTIFY_SOCKET names, a path, or an abstract address when it starts
 * with '@'.  The socket is made at start-up, before the sandbox, and
 * kept; without $NOTIFY_SOCKET every message is a no-op.
 *
 * The watchdog: systemd sets $WATCHDOG_USEC (and $WATCHDOG_PID, the
 * process meant) and restarts the service when WATCHDOG=1 does not come
 * within that time.  embargod.c sends it only while every queue thread
 * beats, so a daemon whose threads stopped answering gets restarted.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

/*
 * Prepare to notify the socket at path (NULL or empty: not under
 * systemd, n stays off).  Returns -1 after logging if path is unusable.
 */
int
notify_open(struct notify *n, const char *path)
{
	size_t	 len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (path == NULL || *path == '\0')
		return (0);
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(n->sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET \"%s\": not a socket path or an "
		    "abstract name", path);
		return (-1);
	}
	n->sun.sun_family = AF_UNIX;
	memcpy(n->sun.sun_path, path, len);
	if (path[0] == '@')
		n->sun.sun_path[0] = '\0';	/* abstract: no NUL after */
	n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '@' ? 0 : 1));
	if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		return (-1);
	}
	return (0);
}

/*
 * Send one message ("READY=1"); 0 also when there is no one to tell.
 * A failure is logged once, not at every watchdog tick.
 */
int
notify_send(struct notify *n, const char *msg)
{
	if (n->fd == -1)
		return (0);
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&n->sun, n->len) == -1) {
		if (!n->failing)
			log_warn("NOTIFY_SOCKET: %s (said once until a "
			    "message goes through)", msg);
		n->failing = 1;
		return (-1);
	}
	n->failing = 0;
	return (0);
}

void
notify_close(struct notify *n)
{
	if (n->fd != -1)
		close(n->fd);
	n->fd = -1;
}

/*
 * The watchdog's period from $WATCHDOG_USEC and $WATCHDOG_PID (either
 * may be NULL): 0 when there is none, or it is meant for another
 * process, or it does not parse.
 */
uint64_t
notify_watchdog_usec(const char *usec, const char *pid, pid_t self)
{
	unsigned long long	 u, p;
	char			*end;

	if (usec == NULL || *usec < '0' || *usec > '9')
		return (0);
	errno = 0;
	u = strtoull(usec, &end, 10);
	if (*end != '\0' || errno != 0)
		return (0);
	if (pid != NULL) {
		if (*pid < '0' || *pid > '9')
			return (0);
		p = strtoull(pid, &end, 10);
		if (*end != '\0' || errno != 0 || p != (unsigned long long)self)
			return (0);
	}
	return ((uint64_t)u);
}
