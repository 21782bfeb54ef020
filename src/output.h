/*
 * output.h: what the control socket's commands found, and the two
 * formatters that write it: text for people (output.c), JSON for
 * programs (output_json.c).  A command builds its result once and
 * hands it to one of them, as bgpctl keeps output.c and output_json.c
 * apart; neither formatter knows where the figures came from.
 */
#ifndef EMBARGO_OUTPUT_H
#define EMBARGO_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

struct evbuffer;
struct stats;
struct top;

struct status_queue {
	unsigned		 num;
	int			 bound;		/* -1: kernel table unread */
	uint32_t		 waiting;
	uint32_t		 dropped;	/* queue full */
	uint32_t		 user_dropped;	/* socket full */
	uint32_t		 queued;	/* in all */
};

struct status_list {
	const char		*name;
	const char		*action;
	const char		*version;	/* NULL: none */
	const char		*vendor;
	const char		*category;
	const char		*path;
	size_t			 rules;
	uint64_t		 blocked;
	uint64_t		 audited;
};

struct status_side {
	const char		*name;		/* "control", "metrics" */
	int			 on;
	struct server_counts	 n;
};

struct status_result {
	const char		*version;
	long			 pid;
	long			 uptime;	/* seconds */
	long			 uid;		/* running as */
	const char		*mode;
	size_t			 rules;
	long long		 loaded;	/* the lists, when */
	long long		 reloaded;	/* 0: never tried */
	int			 reload_ok;
	uint64_t		 reloads_ok;
	uint64_t		 reloads_failed;
	long long		 reopened;	/* 0: never tried */
	int			 reopen_ok;
	const struct status_queue *queues;
	unsigned		 nqueues;
	size_t			 learned;
	uint64_t		 learn_refused;
	int			 lookups_on;
	uint64_t		 lookups_ok;
	uint64_t		 lookups_failed;
	const struct status_list *lists;
	size_t			 nlists;
	struct status_side	 side[2];
	const struct stats	*sum;		/* the safety nets' counters */
};

struct stats_result {
	const struct stats	*sum;
	const struct stats	*const *queue;	/* per queue */
	const unsigned		*num;		/* their numbers */
	unsigned		 nqueues;
};

struct top_result {
	const struct top	*names;		/* sorted */
	const struct top	*clients;
	size_t			 n;		/* entries to show */
};

struct flow_row {
	unsigned		 queue;
	const char		*proto;
	const char		*state;
	char			 src[46];
	char			 dst[46];
	unsigned		 sport;
	unsigned		 dport;
	uint64_t		 idle_ms;
	unsigned		 gathered;
};

struct flows_result {
	const struct flow_row	*rows;
	unsigned		 shown;
	unsigned		 total;
	unsigned		 max;		/* shown at most */
};

struct test_row {
	const char		*word;		/* as asked */
	const char		*name;		/* normalized; NULL: invalid */
	const char		*result;	/* or why it is invalid */
	const char		*list;		/* NULL: not listed */
	const char		*rule;
	const char		*match;		/* the rule's kind */
	int			 allow;		/* an allow rule */
};

struct test_result {
	const struct test_row	*rows;
	size_t			 n;
};

struct reload_result {
	int			 ok;
	size_t			 rules;
	const char		*messages;
};

struct output {
	void	(*status)(struct evbuffer *, const struct status_result *);
	void	(*stats)(struct evbuffer *, const struct stats_result *);
	void	(*top)(struct evbuffer *, const struct top_result *);
	void	(*flows)(struct evbuffer *, const struct flows_result *);
	void	(*test)(struct evbuffer *, const struct test_result *);
	void	(*reload)(struct evbuffer *, const struct reload_result *);
	void	(*reopen)(struct evbuffer *, int);
	void	(*error)(struct evbuffer *, const char *);
};

extern const struct output output_text;
extern const struct output output_json;

#endif
