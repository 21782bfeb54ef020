/*
 * embargod.h: the running daemon as the control socket and the metrics
 * endpoint see it.  Only the main thread uses these.
 */
#ifndef EMBARGOD_H
#define EMBARGOD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "event.h"
#include "inject.h"
#include "policy.h"
#include "stats.h"
#include "worker.h"

struct event_base;
struct event;
struct control;
struct learn;
struct metrics;
struct resolver;

struct daemon {
	const char		*conffile;
	const char		*listsdir;	/* -L */
	int			 fflag;
	int			 audit;		/* -a */
	int			 qflag;		/* -q given */
	unsigned		 qfirst;
	unsigned		 qlast;
	struct conf		*conf;
	struct policy_slot	 slot;
	struct eventlog		*events;
	struct worker		**workers;
	unsigned		 nworkers;
	struct event_base	*base;
	struct control		*control;
	struct metrics		*metrics;
	int			 procfd;	/* the kernel's queue table */
	struct inject		 inject;	/* raw sockets for rejects */
	struct learn		*learn;		/* addresses of blocked names */
	struct resolver		*resolver;	/* NULL: no lookups */
	struct event		*ev_tick;	/* expiry and lookups */
	time_t			 resolved;	/* last lookup round */
	time_t			 started;
	time_t			 reloaded;	/* last attempt */
	int			 reload_ok;	/* its result */
	uint64_t		 reloads_ok;
	uint64_t		 reloads_failed;
};

int	daemon_reload(struct daemon *, char *, size_t);
void	daemon_stats(struct daemon *, struct stats *);

#endif
