/*
 * resolve.c: c-ares, two ways.
 *
 * resolve_answer() reads the addresses and TTLs of a DNS answer seen on
 * a queue, with ares_parse_a_reply() and ares_parse_aaaa_reply().  It
 * allocates (c-ares builds a hostent), so inspect calls it only for
 * answers about listed names.
 *
 * The resolver looks up the names that block lists give exactly, at
 * start-up, after each reload and every resolve-interval seconds, and
 * learns their addresses: a bare-address connection to them is caught
 * even when no DNS query for them was ever seen.  It runs on the main
 * thread's event loop (c-ares tells which sockets to watch through its
 * socket-state callback; a timer serves its timeouts), so a resolver
 * that never answers delays nothing but its own lookups.  Failures are
 * counted, never fatal.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>

#include "learn.h"
#include "lists.h"
#include "log.h"
#include "resolve.h"
#include "clock.h"
#include "xmalloc.h"

#define RESOLVE_FDMAX	16
#define RESOLVE_INFLIGHT 16	/* lookups at once: a router's resolver */

struct watch {
	int		 fd;
	struct event	*ev;
};

struct resolver {
	struct event_base	*base;
	ares_channel		 channel;
	struct event		*timer;
	struct watch		 w[RESOLVE_FDMAX];
	struct learn		*learn;
	uint32_t		 mark;		/* on every socket */
	uint64_t		 ok;
	uint64_t		 failed;
	int			 ready;
	struct lists		*ls;		/* the names being looked up */
	size_t			 next;		/* ... the next one to start */
	int			 inflight;
	int			 starting;	/* in start_lookups() */
};

struct lookup {
	struct resolver	*r;
	char		*name;
	char		*list;
};

static void	sock_state(void *, ares_socket_t, int, int);
static void	on_io(evutil_socket_t, short, void *);
static void	on_timer(evutil_socket_t, short, void *);
static void	rearm(struct resolver *);
static void	on_result(void *, int, int, struct ares_addrinfo *);
static int	mark_socket(ares_socket_t, int, void *);
static void	start_lookups(struct resolver *);


/* c-ares says which sockets it wants watched, for what. */
static void
sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct resolver	*r = arg;
	struct watch	*w = NULL;
	short		 what = (readable ? EV_READ : 0) |
			    (writable ? EV_WRITE : 0);
	int		 i;

	for (i = 0; i < RESOLVE_FDMAX; i++)
		if (r->w[i].ev != NULL && r->w[i].fd == fd)
			w = &r->w[i];
	if (w != NULL) {
		event_free(w->ev);
		w->ev = NULL;
	}
	if (what == 0)
		return;
	for (i = 0; w == NULL && i < RESOLVE_FDMAX; i++)
		if (r->w[i].ev == NULL)
			w = &r->w[i];
	if (w == NULL) {
		log_warnx("resolver: more than %d sockets", RESOLVE_FDMAX);
		return;
	}
	w->fd = fd;
	w->ev = event_new(r->base, fd, what | EV_PERSIST, on_io, r);
	if (w->ev != NULL)
		event_add(w->ev, NULL);
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
	struct resolver	*r = arg;

	ares_process_fd(r->channel, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	rearm(r);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct resolver	*r = arg;

	(void)fd;
	(void)what;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(r);
}

/* Wake up for c-ares's next timeout, if it has one. */
static void
rearm(struct resolver *r)
{
	struct timeval	 tv, *next;

	evtimer_del(r->timer);
	if ((next = ares_timeout(r->channel, NULL, &tv)) != NULL)
		evtimer_add(r->timer, next);
}

/*
 * Mark each socket c-ares opens, as the firewall's allow mark: in host
 * mode the rules queue this machine's own DNS, and the daemon must not
 * judge (and drop) its own lookups of blocked names, nor their answers,
 * which the connection's saved mark lets through.
 */
static int
mark_socket(ares_socket_t fd, int type, void *arg)
{
	static struct log_once	 once = LOG_ONCE_INIT;
	struct resolver		*r = arg;

	(void)type;
	if (r->mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &r->mark,
	    sizeof(r->mark)) == -1)
		log_warnx_once(&once, "resolver socket: SO_MARK: %s",
		    strerror(errno));
	return (0);
}

/*
 * A resolver on base, asking server ("10.0.0.53", "[fd00::53]:5353"),
 * or the system's resolvers when server is NULL, its sockets marked
 * with mark (0: none).  Start-up only: it reads /etc/resolv.conf
 * before privileges go.  NULL after logging.
 */
struct resolver *
resolver_new(struct event_base *base, const char *server, struct learn *l,
    uint32_t mark)
{
	struct ares_options	 o;
	struct resolver		*r;
	int			 rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		log_warnx("c-ares: %s", ares_strerror(rc));
		return (NULL);
	}
	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->learn = l;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = r;
	o.timeout = 3000;
	o.tries = 2;
	o.lookups = (char *)"b";	/* DNS only, not /etc/hosts */
	o.flags = ARES_FLAG_NOSEARCH;	/* the names are whole */
	if ((rc = ares_init_options(&r->channel, &o, ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS |
	    ARES_OPT_FLAGS)) !=
	    ARES_SUCCESS || (server != NULL &&
	    (rc = ares_set_servers_ports_csv(r->channel, server)) !=
	    ARES_SUCCESS)) {
		log_warnx("c-ares: %s%s%s", server ? server : "",
		    server ? ": " : "", ares_strerror(rc));
		free(r);
		return (NULL);
	}
	r->mark = mark;
	ares_set_socket_configure_callback(r->channel, mark_socket, r);
	r->timer = evtimer_new(base, on_timer, r);
	r->ready = 1;
	return (r);
}

/* One lookup done: learn what it found, count what it did not. */
static void
on_result(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct lookup			*k = arg;
	struct ares_addrinfo_node	*n;
	struct addr			 a;
	int				 got = 0;

	(void)timeouts;
	for (n = res ? res->nodes : NULL; status == ARES_SUCCESS && n != NULL;
	    n = n->ai_next) {
		memset(&a, 0, sizeof(a));
		a.family = (uint8_t)n->ai_family;
		if (n->ai_family == AF_INET)
			a.u.v4 = ((struct sockaddr_in *)n->ai_addr)->sin_addr;
		else if (n->ai_family == AF_INET6)
			memcpy(&a.u.v6, &((struct sockaddr_in6 *)
			    n->ai_addr)->sin6_addr, 16);
		else
			continue;
		learn_add(k->r->learn, &a, (uint32_t)(n->ai_ttl > 0 ?
		    n->ai_ttl : 0), k->name, k->list, clock_mono_ms());
		got++;
	}
	if (got > 0)
		k->r->ok++;
	else
		k->r->failed++;
	log_debug("resolved %s: %d address%s (%s)", k->name, got,
	    got == 1 ? "" : "es", ares_strerror(status));
	if (res != NULL)
		ares_freeaddrinfo(res);
	free(k->name);
	free(k->list);
	k->r->inflight--;
	if (!k->r->starting)
		start_lookups(k->r);
	free(k);
}

/*
 * Start lookups until RESOLVE_INFLIGHT are under way or the names run
 * out: thousands of names must not land on a small router's resolver
 * at once.  c-ares may finish a lookup before returning (an immediate
 * failure); the flag keeps that from recursing, the loop picks up.
 */
static void
start_lookups(struct resolver *r)
{
	struct ares_addrinfo_hints	 hints;
	struct lookup			*k;
	size_t				 i;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	r->starting = 1;
	while (r->ready && r->ls != NULL && r->inflight < RESOLVE_INFLIGHT &&
	    r->next < r->ls->nresolve) {
		i = r->next++;
		k = xcalloc(1, sizeof(*k));
		k->r = r;
		k->name = xstrdup(r->ls->resolve[i].name);
		k->list = xstrdup(r->ls->list[r->ls->resolve[i].list].name);
		r->inflight++;
		ares_getaddrinfo(r->channel, k->name, NULL, &hints, on_result,
		    k);
	}
	r->starting = 0;
	if (r->ls != NULL && r->next >= r->ls->nresolve) {
		lists_unref(r->ls);
		r->ls = NULL;
	}
	if (r->ready)
		rearm(r);
}

/*
 * Look up every name the block lists of ls give exactly (A and AAAA),
 * a few at a time; a run still going is replaced, its lookups under way
 * finish on their own.
 */
void
resolver_run(struct resolver *r, struct lists *ls)
{
	if (r == NULL || !r->ready)
		return;
	if (r->ls != NULL)
		lists_unref(r->ls);
	r->ls = lists_ref(ls);
	r->next = 0;
	start_lookups(r);
}

void
resolver_counts(const struct resolver *r, uint64_t *ok, uint64_t *failed)
{
	*ok = r ? r->ok : 0;
	*failed = r ? r->failed : 0;
}

void
resolver_free(struct resolver *r)
{
	int	 i;

	if (r == NULL)
		return;
	r->ready = 0;			/* no new lookups from callbacks */
	ares_destroy(r->channel);	/* runs the pending callbacks */
	if (r->ls != NULL)
		lists_unref(r->ls);
	for (i = 0; i < RESOLVE_FDMAX; i++)
		if (r->w[i].ev != NULL)
			event_free(r->w[i].ev);
	if (r->timer != NULL)
		event_free(r->timer);
	free(r);
	ares_library_cleanup();
}
