/*
 * server.c: the side paths' server.  A client connects, sends one
 * request ended by a terminator ("\n" on the control socket, an empty
 * line in HTTP), reads one answer, and the connection ends.
 *
 * Nothing a client does may exhaust the daemon, whose file descriptors
 * and main thread the queues need too:
 *  - at most "clients" connections at once.  One more ends the oldest
 *    (a slow client is always the oldest), so that a quick client such
 *    as embargoctl is still served while slow ones hold every slot;
 *  - one deadline for the whole exchange, not an idle timeout that a
 *    byte now and then keeps alive;
 *  - the request's size: reading stops at request_max, and the
 *    connection ends there, so a long header line costs request_max
 *    bytes and no more;
 *  - when accept() fails for want of descriptors or memory, accepting
 *    pauses for a second (as tmux does) instead of spinning on a
 *    listening socket that stays readable.
 * Each kind of trouble is counted (embargoctl status, the metrics) and
 * logged at most once a minute.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "server.h"
#include "xmalloc.h"

#define SERVER_PAUSE		1	/* seconds without accept() */
#define SERVER_LOG_EVERY	60	/* seconds between messages of a kind */

struct conn {
	TAILQ_ENTRY(conn)	 entry;		/* oldest first */
	struct server		*srv;
	struct bufferevent	*bev;
	struct event		*deadline;
	int			 answered;
};

struct server {
	struct server_conf	 conf;
	struct evconnlistener	*lis;
	struct event		*resume;	/* accept() again after a pause */
	TAILQ_HEAD(, conn)	 conns;
	unsigned		 open;
	uint64_t		 c[SERVER_COUNT_MAX];
	time_t			 logged[SERVER_COUNT_MAX];
};

static void	server_note(struct server *, enum server_count, const char *);
static void	conn_free(struct conn *);
static void	conn_read(struct bufferevent *, void *);
static void	conn_written(struct bufferevent *, void *);
static void	conn_event(struct bufferevent *, short, void *);
static void	conn_expired(evutil_socket_t, short, void *);
static void	server_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	server_evict(struct server *);
static void	server_accept_error(struct evconnlistener *, void *);
static void	server_resume(evutil_socket_t, short, void *);

static const char *count_names[SERVER_COUNT_MAX] = {
	[SERVER_ACCEPTED] = "accepted",
	[SERVER_ANSWERED] = "answered",
	[SERVER_EVICTED] = "evicted",
	[SERVER_TIMEDOUT] = "timed_out",
	[SERVER_TOOLONG] = "too_long",
	[SERVER_ACCEPT_ERRORS] = "accept_errors",
};

const char *
server_count_name(enum server_count k)
{
	return (count_names[k]);
}

/* Count one k; say so in the log, at most once a minute per kind. */
static void
server_note(struct server *s, enum server_count k, const char *what)
{
	time_t	 now = time(NULL);

	s->c[k]++;
	if (what == NULL || now - s->logged[k] < SERVER_LOG_EVERY)
		return;
	s->logged[k] = now;
	log_warnx("%s: %s (%" PRIu64 " so far; counted in embargoctl status, "
	    "logged at most once a minute)", s->conf.name, what, s->c[k]);
}

static void
conn_free(struct conn *c)
{
	struct server	*s = c->srv;

	TAILQ_REMOVE(&s->conns, c, entry);
	s->open--;
	event_free(c->deadline);
	bufferevent_free(c->bev);
	free(c);
}

/* A whole request, up to the terminator: answer it. */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct server		*s = c->srv;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 p;
	size_t			 len;
	char			*req;

	p = evbuffer_search(in, s->conf.end, strlen(s->conf.end), NULL);
	if (p.pos == -1) {
		if (evbuffer_get_length(in) >= s->conf.request_max) {
			server_note(s, SERVER_TOOLONG, "a request too long, "
			    "connection ended");
			conn_free(c);
		}
		return;
	}
	len = (size_t)p.pos;
	req = xmalloc(len + 1);
	evbuffer_remove(in, req, len);
	req[len] = '\0';
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_disable(bev, EV_READ);
	c->answered = 1;
	s->conf.answer(s->conf.arg, req, len, bufferevent_get_output(bev));
	free(req);
	s->c[SERVER_ANSWERED]++;
	bufferevent_setcb(bev, NULL, conn_written, conn_event, c);
	bufferevent_enable(bev, EV_WRITE);
	conn_written(bev, c);
}

/* The answer is out: end the connection. */
static void
conn_written(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(arg);
}

/* The client went away, or an error: nothing more to do. */
static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	conn_free(arg);
}

static void
conn_expired(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	server_note(c->srv, SERVER_TIMEDOUT, "a client past its deadline, "
	    "connection ended");
	conn_free(c);
}

/*
 * At the cap: end the oldest connection still sending its request (a
 * slow one), or else the oldest of all.
 */
static void
server_evict(struct server *s)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &s->conns, entry)
		if (!c->answered)
			break;
	server_note(s, SERVER_EVICTED, "connections at the cap, the oldest "
	    "ended");
	conn_free(c != NULL ? c : TAILQ_FIRST(&s->conns));
}

/* A new client; at the cap, the oldest one makes room. */
static void
server_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server	*s = arg;
	struct conn	*c;
	struct timeval	 tv = { (time_t)s->conf.deadline, 0 }, now = { 0, 0 };

	(void)lis;
	(void)sa;
	(void)salen;
	s->c[SERVER_ACCEPTED]++;
	if (s->open >= s->conf.clients) {
		server_evict(s);
		/*
		 * One eviction per turn of the loop: take no more until
		 * the clients already in have been read, or a burst of
		 * slow ones would end a quick one before its request is.
		 */
		evconnlistener_disable(s->lis);
		evtimer_add(s->resume, &now);
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = s;
	c->bev = bufferevent_socket_new(evconnlistener_get_base(s->lis), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(evconnlistener_get_base(s->lis),
	    conn_expired, c);
	if (c->bev == NULL || c->deadline == NULL ||
	    evtimer_add(c->deadline, &tv) == -1) {
		log_warnx("%s: cannot take a connection", s->conf.name);
		if (c->deadline != NULL)
			event_free(c->deadline);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->open++;
	bufferevent_setwatermark(c->bev, EV_READ, 0, s->conf.request_max);
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

/*
 * accept() failed.  Out of descriptors or memory, the listening socket
 * stays readable: pause for a second rather than spin and log on every
 * turn of the loop.  Anything else is the client's trouble.
 */
static void
server_accept_error(struct evconnlistener *lis, void *arg)
{
	struct server	*s = arg;
	struct timeval	 tv = { SERVER_PAUSE, 0 };
	int		 e = EVUTIL_SOCKET_ERROR();

	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
		s->c[SERVER_ACCEPT_ERRORS]++;
		return;
	}
	errno = e;
	server_note(s, SERVER_ACCEPT_ERRORS, e == EMFILE || e == ENFILE ?
	    "accept: out of file descriptors, pausing a second" :
	    "accept: out of memory, pausing a second");
	evconnlistener_disable(lis);
	evtimer_add(s->resume, &tv);
}

static void
server_resume(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(s->lis);
}

/* Serve the listening socket fd on base; the server owns fd then. */
struct server *
server_new(struct event_base *base, int fd, const struct server_conf *conf)
{
	struct server	*s;

	s = xcalloc(1, sizeof(*s));
	s->conf = *conf;
	TAILQ_INIT(&s->conns);
	s->resume = evtimer_new(base, server_resume, s);
	s->lis = evconnlistener_new(base, server_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (s->resume == NULL || s->lis == NULL) {
		log_warnx("%s: listener", conf->name);
		if (s->resume != NULL)
			event_free(s->resume);
		if (s->lis == NULL)
			close(fd);
		else
			evconnlistener_free(s->lis);
		free(s);
		return (NULL);
	}
	evconnlistener_set_error_cb(s->lis, server_accept_error);
	return (s);
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->conns))
		conn_free(TAILQ_FIRST(&s->conns));
	evconnlistener_free(s->lis);
	event_free(s->resume);
	free(s);
}

void
server_counts(const struct server *s, struct server_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return;
	memcpy(out->c, s->c, sizeof(out->c));
	out->open = s->open;
	out->clients = s->conf.clients;
}
