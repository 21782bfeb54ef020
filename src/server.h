/*
 * server.h: a bounded request-and-answer server for the side paths
 * (the control socket, the metrics endpoint) on the main thread's loop.
 */
#ifndef EMBARGO_SERVER_H
#define EMBARGO_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evbuffer;
struct server;

/*
 * Answer one request (its bytes up to the terminator, NUL-terminated)
 * into out; the connection ends once out is written.
 */
typedef void	(*server_answer_fn)(void *, char *, size_t,
		    struct evbuffer *);

struct server_conf {
	const char		*name;		/* for the log: "metrics" */
	unsigned		 clients;	/* connections at once */
	unsigned		 deadline;	/* seconds for a whole exchange */
	size_t			 request_max;	/* bytes, terminator included */
	const char		*end;		/* the request's terminator */
	server_answer_fn	 answer;
	void			*arg;
};

enum server_count {
	SERVER_ACCEPTED,	/* connections taken */
	SERVER_ANSWERED,	/* requests answered */
	SERVER_EVICTED,		/* ended for a newer one, at the cap */
	SERVER_TIMEDOUT,	/* past the deadline */
	SERVER_TOOLONG,		/* request past request_max */
	SERVER_ACCEPT_ERRORS,	/* accept() failed: paused a second */
	SERVER_COUNT_MAX
};

struct server_counts {
	uint64_t		 c[SERVER_COUNT_MAX];
	unsigned		 open;		/* connections now */
	unsigned		 clients;	/* the cap */
};

struct server	*server_new(struct event_base *, int,
		    const struct server_conf *);
void		 server_free(struct server *);
void		 server_counts(const struct server *, struct server_counts *);
const char	*server_count_name(enum server_count);

#endif
