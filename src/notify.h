/*
 * notify.h: telling systemd how the daemon is (sd_notify's protocol).
 */
#ifndef EMBARGO_NOTIFY_H
#define EMBARGO_NOTIFY_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stdint.h>

struct notify {
	int			 fd;	/* -1: not under systemd */
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 failing;	/* said once, until it works */
};

int		 notify_open(struct notify *, const char *);
int		 notify_send(struct notify *, const char *);
void		 notify_close(struct notify *);
uint64_t	 notify_watchdog_usec(const char *, const char *, pid_t);

#endif
