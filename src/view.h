/*
 * view.h: the running daemon as its side paths (the control socket,
 * the metrics endpoint) see it: what they may read, and the two things
 * they may ask of it.  embargod.c owns it and keeps it current; the
 * side paths read it, on the main thread, and only put their own server
 * in it, so that each can report both; they never call into embargod.c.
 */
#ifndef EMBARGO_VIEW_H
#define EMBARGO_VIEW_H

#include <stdint.h>
#include <time.h>

struct conf;
struct learn;
struct policy_slot;
struct resolver;
struct server;
struct stats;
struct worker;

struct view {
	const struct conf	*conf;		/* the running configuration */
	struct policy_slot	*slot;		/* the running lists */
	struct worker		**workers;
	unsigned		 nworkers;
	int			 procfd;	/* the kernel's queue table; -1 */
	struct learn		*learn;		/* addresses of blocked names */
	struct resolver		*resolver;	/* NULL: no lookups */
	time_t			 started;
	time_t			 reloaded;	/* last attempt; 0: none */
	int			 reload_ok;	/* its result */
	uint64_t		 reloads_ok;
	uint64_t		 reloads_failed;
	time_t			 reopened;	/* last event file reopen; 0 */
	int			 reopen_ok;	/* its result */
	/* Each side path's server, once it listens: for their counters. */
	const struct server	*control;
	const struct server	*metrics;
	/* What a side path may ask: each returns 0, or -1 after logging. */
	int			(*reload)(void *, char *, size_t);
	int			(*reopen)(void *);
	void			*arg;		/* theirs */
};

void	view_stats(const struct view *, struct stats *);

#endif
