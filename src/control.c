/*
 * control.c: the control socket.
 *
 * A UNIX stream socket; a client writes one line, "[json] command
 * [argument ...]", and reads "ok" or "error" on a line of its own, the
 * answer (text, or one JSON document), and the end of the connection.
 * Who may connect is decided by the socket file's mode and group, set
 * at start-up, as OpenBGPD does for bgpctl.  Everything runs on the
 * main thread; queue threads are only read under their batch lock.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control.h"
#include "embargod.h"
#include "json.h"
#include "learn.h"
#include "log.h"
#include "name.h"
#include "packet.h"
#include "queue.h"
#include "resolve.h"
#include "xmalloc.h"

#define CONTROL_LINEMAX		4096
#define CONTROL_TIMEOUT		10	/* seconds a client may take */
#define CONTROL_FLOWSMAX	1000	/* flows listed */
#define CONTROL_WORDS		64

struct control {
	struct daemon		*d;
	int			 fd;
	char			*path;
	struct evconnlistener	*lis;
};

struct request {
	struct daemon	*d;
	struct evbuffer	*out;
	int		 json;
	char		*word[CONTROL_WORDS];
	int		 nword;
};

typedef int	(*command_fn)(struct request *);

static int	cmd_status(struct request *);
static int	cmd_stats(struct request *);
static void	stats_latency(struct request *, const struct stats *);
static int	cmd_top(struct request *);
static int	cmd_flows(struct request *);
static int	cmd_test(struct request *);
static int	cmd_reload(struct request *);
static int	cmd_reopen(struct request *);
static void	jstr(struct evbuffer *, const char *);
static void	on_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	on_read(struct bufferevent *, void *);
static void	on_written(struct bufferevent *, void *);
static void	on_event(struct bufferevent *, short, void *);
static void	run(struct daemon *, char *, struct evbuffer *);
static int	stale_socket(const char *);

static const struct {
	const char	*name;
	command_fn	 fn;
} commands[] = {
	{ "flows",	cmd_flows },
	{ "reload",	cmd_reload },
	{ "reopen",	cmd_reopen },
	{ "stats",	cmd_stats },
	{ "status",	cmd_status },
	{ "test",	cmd_test },
	{ "top",	cmd_top },
};

/* A JSON string into the answer. */
static void
jstr(struct evbuffer *out, const char *s)
{
	char	 buf[1024];

	json_escape(buf, sizeof(buf), s);
	evbuffer_add(out, buf, strlen(buf));
}

static const char *
mode_name(const struct conf *c)
{
	return (c->mode == MODE_AUDIT ? "audit" : "block");
}

/* status: version, uptime, mode, queues, lists. */
static int
cmd_status(struct request *r)
{
	const struct lists	*ls = r->d->slot.cur->lists;
	const struct list	*l;
	struct queue_kstats	 k;
	long			 up = (long)(time(NULL) - r->d->started);
	unsigned		 i;
	size_t			 j;
	uint64_t		 ok, failed;
	int			 bound;

	if (r->json) {
		evbuffer_add_printf(r->out, "{\"version\":\"%s\",\"pid\":%ld,"
		    "\"uptime\":%ld,\"mode\":\"%s\",\"rules\":%zu,"
		    "\"loaded\":%lld,\"reload\":{\"last\":%lld,\"ok\":%s,"
		    "\"succeeded\":%" PRIu64 ",\"failed\":%" PRIu64 "},"
		    "\"queues\":[", PACKAGE_VERSION, (long)getpid(), up,
		    mode_name(r->d->conf), lists_rules(ls),
		    (long long)r->d->slot.cur->loaded,
		    (long long)r->d->reloaded, r->d->reloaded == 0 ||
		    r->d->reload_ok ? "true" : "false", r->d->reloads_ok,
		    r->d->reloads_failed);
	} else {
		evbuffer_add_printf(r->out, "embargod %s, pid %ld, up %ldd "
		    "%02ld:%02ld:%02ld, mode %s\n", PACKAGE_VERSION,
		    (long)getpid(), up / 86400, up / 3600 % 24, up / 60 % 60,
		    up % 60, mode_name(r->d->conf));
	}
	for (i = 0; i < r->d->nworkers; i++) {
		/* -1: the kernel's table could not be opened */
		bound = r->d->procfd == -1 ? -1 : queue_kernel_stats(
		    r->d->procfd, r->d->workers[i]->num, &k) == 0;
		if (bound == -1)
			memset(&k, 0, sizeof(k));
		if (r->json)
			evbuffer_add_printf(r->out, "%s{\"queue\":%u,"
			    "\"bound\":%s,\"waiting\":%u,\"dropped\":%u,"
			    "\"user_dropped\":%u,\"queued\":%u}", i ? "," : "",
			    r->d->workers[i]->num, bound == -1 ? "null" :
			    bound ? "true" : "false", k.waiting, k.dropped,
			    k.user_dropped, k.id_sequence);
		else if (bound == -1)
			evbuffer_add_printf(r->out, "queue %u: kernel counters "
			    "unknown (/proc/net/netfilter/nfnetlink_queue "
			    "could not be read at start-up)\n",
			    r->d->workers[i]->num);
		else
			evbuffer_add_printf(r->out, "queue %u: %s, %u waiting, "
			    "%u dropped (queue full), %u dropped (socket "
			    "full), %u queued in all\n", r->d->workers[i]->num,
			    bound ? "bound" : "NOT BOUND", k.waiting, k.dropped,
			    k.user_dropped, k.id_sequence);
	}
	resolver_counts(r->d->resolver, &ok, &failed);
	if (r->json)
		evbuffer_add_printf(r->out, "],\"learned\":{\"addresses\":%zu,"
		    "\"refused\":%" PRIu64 "},\"lookups\":{\"ok\":%" PRIu64
		    ",\"failed\":%" PRIu64 "},\"lists\":[",
		    learn_count(r->d->learn), learn_full(r->d->learn), ok,
		    failed);
	else
		evbuffer_add_printf(r->out, "%zu lists, %zu rules; last "
		    "reload: %s\n%zu learned addresses (%" PRIu64 " refused, "
		    "table full); lookups of list names: %" PRIu64 " answered, "
		    "%" PRIu64 " failed%s\n", ls->nlists, lists_rules(ls),
		    r->d->reloaded == 0 ? "none" : r->d->reload_ok ? "ok" :
		    "FAILED, running the previous set",
		    learn_count(r->d->learn), learn_full(r->d->learn), ok,
		    failed, r->d->resolver == NULL ? " (lookups off)" : "");
	for (j = 0; j < ls->nlists; j++) {
		l = &ls->list[j];
		if (r->json) {
			evbuffer_add_printf(r->out, "%s{\"name\":", j ? "," :
			    "");
			jstr(r->out, l->name);
			evbuffer_add_printf(r->out, ",\"rules\":%zu,"
			    "\"action\":\"%s\",\"blocked\":%" PRIu64 ","
			    "\"audited\":%" PRIu64 ",\"version\":", l->rules,
			    conf_action_name(l->action),
			    (uint64_t)atomic_load(&l->blocked),
			    (uint64_t)atomic_load(&l->audited));
			jstr(r->out, l->version ? l->version : "");
			evbuffer_add_printf(r->out, ",\"vendor\":");
			jstr(r->out, l->vendor ? l->vendor : "");
			evbuffer_add_printf(r->out, ",\"category\":");
			jstr(r->out, l->category ? l->category : "");
			evbuffer_add_printf(r->out, ",\"path\":");
			jstr(r->out, l->path);
			evbuffer_add_printf(r->out, "}");
		} else
			evbuffer_add_printf(r->out, "  %-28s %8zu rules  %-5s  "
			    "version %-12s blocked %" PRIu64 " audited %"
			    PRIu64 "\n", l->name, l->rules,
			    conf_action_name(l->action),
			    l->version ? l->version : "-",
			    (uint64_t)atomic_load(&l->blocked),
			    (uint64_t)atomic_load(&l->audited));
	}
	if (r->json)
		evbuffer_add_printf(r->out, "]}\n");
	return (0);
}

/* stats: every counter, summed over the queues and per queue. */
static int
cmd_stats(struct request *r)
{
	struct stats	 sum;
	unsigned	 i;
	int		 k;

	daemon_stats(r->d, &sum);
	if (r->json)
		evbuffer_add_printf(r->out, "{\"counters\":{");
	for (k = 0; k < STAT_MAX; k++) {
		if (r->json)
			evbuffer_add_printf(r->out, "%s\"%s\":%" PRIu64,
			    k ? "," : "", stats_name((enum stats_id)k),
			    stats_get(&sum, (enum stats_id)k));
		else
			evbuffer_add_printf(r->out, "%-22s %" PRIu64 "\n",
			    stats_name((enum stats_id)k),
			    stats_get(&sum, (enum stats_id)k));
	}
	if (!r->json) {
		stats_latency(r, &sum);
		return (0);
	}
	evbuffer_add_printf(r->out, "},\"queues\":{");
	for (i = 0; i < r->d->nworkers; i++) {
		evbuffer_add_printf(r->out, "%s\"%u\":{", i ? "," : "",
		    r->d->workers[i]->num);
		for (k = 0; k < STAT_MAX; k++)
			evbuffer_add_printf(r->out, "%s\"%s\":%" PRIu64,
			    k ? "," : "", stats_name((enum stats_id)k),
			    stats_get(&r->d->workers[i]->stats, (enum stats_id)k));
		evbuffer_add_printf(r->out, "}");
	}
	evbuffer_add_printf(r->out, "}");
	stats_latency(r, &sum);
	evbuffer_add_printf(r->out, "}\n");
	return (0);
}

/*
 * The verdict latency histogram (stats.h), summed over the queues:
 * count, sum, the buckets' upper bounds that p50 and p99 fall under,
 * and each bucket with the samples at or below it.
 */
static void
stats_latency(struct request *r, const struct stats *s)
{
	uint64_t	 n = stats_lat_count(s), cum = 0, q;
	double		 sum = (double)atomic_load(&s->lat_sum_ns) / 1e9;
	int		 k;

	if (r->json)
		evbuffer_add_printf(r->out, ",\"verdict_latency\":{\"count\":%"
		    PRIu64 ",\"sum_seconds\":%.9f", n, sum);
	else
		evbuffer_add_printf(r->out, "%-22s %" PRIu64 " packets, "
		    "%.3f us on average\n", "verdict_latency", n,
		    n ? sum * 1e6 / (double)n : 0.0);
	for (k = 0; k < 2; k++) {
		q = stats_lat_quantile_ns(s, k == 0 ? 0.5 : 0.99);
		if (r->json && q == UINT64_MAX)
			evbuffer_add_printf(r->out, ",\"p%d_le_seconds\":"
			    "\"+Inf\"", k == 0 ? 50 : 99);
		else if (r->json)
			evbuffer_add_printf(r->out, ",\"p%d_le_seconds\":%g",
			    k == 0 ? 50 : 99, (double)q / 1e9);
		else if (q == UINT64_MAX)
			evbuffer_add_printf(r->out, "  p%-19d > %g us\n",
			    k == 0 ? 50 : 99, (double)stats_lat_bound_ns[
			    STATS_LAT_BUCKETS - 2] / 1e3);
		else
			evbuffer_add_printf(r->out, "  p%-19d <= %g us\n",
			    k == 0 ? 50 : 99, (double)q / 1e3);
	}
	if (r->json)
		evbuffer_add_printf(r->out, ",\"buckets\":{");
	for (k = 0; k < STATS_LAT_BUCKETS; k++) {
		cum += atomic_load(&s->lat[k]);
		if (r->json && k < STATS_LAT_BUCKETS - 1)
			evbuffer_add_printf(r->out, "%s\"%g\":%" PRIu64,
			    k ? "," : "", (double)stats_lat_bound_ns[k] / 1e9,
			    cum);
		else if (r->json)
			evbuffer_add_printf(r->out, ",\"+Inf\":%" PRIu64 "}}",
			    cum);
		else if (k < STATS_LAT_BUCKETS - 1)
			evbuffer_add_printf(r->out, "  le %-6g us %12" PRIu64
			    "\n", (double)stats_lat_bound_ns[k] / 1e3, cum);
		else
			evbuffer_add_printf(r->out, "  le +Inf      %12" PRIu64
			    "\n", cum);
	}
}

/* One table of top: the first n entries, most frequent first. */
static void
top_print(struct request *r, const char *what, struct top *t, size_t n)
{
	size_t	 i;

	top_sort(t);
	if (r->json)
		evbuffer_add_printf(r->out, "\"%s\":[", what);
	else
		evbuffer_add_printf(r->out, "%s:\n", what);
	for (i = 0; i < t->n && i < n; i++) {
		if (r->json) {
			evbuffer_add_printf(r->out, "%s{\"key\":", i ? "," :
			    "");
			jstr(r->out, t->e[i].key);
			evbuffer_add_printf(r->out, ",\"count\":%" PRIu64
			    ",\"error\":%" PRIu64 "}", t->e[i].count,
			    t->e[i].error);
		} else
			evbuffer_add_printf(r->out, "  %10" PRIu64 "  %s\n",
			    t->e[i].count, t->e[i].key);
	}
	if (r->json)
		evbuffer_add_printf(r->out, "]");
}

/* top [N]: the names and clients that matched most, over all queues. */
static int
cmd_top(struct request *r)
{
	struct top	*names = xcalloc(1, sizeof(*names));
	struct top	*clients = xcalloc(1, sizeof(*clients));
	unsigned long	 n = 10;
	unsigned	 i;
	char		*end;

	if (r->nword > 2 || (r->nword == 2 && ((n = strtoul(r->word[1],
	    &end, 10)) == 0 || *end != '\0' || n > TOP_SLOTS))) {
		evbuffer_add_printf(r->out, "usage: top [1-%d]\n", TOP_SLOTS);
		free(names);
		free(clients);
		return (-1);
	}
	for (i = 0; i < r->d->nworkers; i++) {
		pthread_mutex_lock(&r->d->workers[i]->lock);
		top_merge(names, &r->d->workers[i]->top_names);
		top_merge(clients, &r->d->workers[i]->top_clients);
		pthread_mutex_unlock(&r->d->workers[i]->lock);
	}
	if (r->json)
		evbuffer_add_printf(r->out, "{");
	top_print(r, "names", names, n);
	if (r->json)
		evbuffer_add_printf(r->out, ",");
	top_print(r, "clients", clients, n);
	if (r->json)
		evbuffer_add_printf(r->out, "}\n");
	free(names);
	free(clients);
	return (0);
}

static const char *
proto_word(uint8_t p)
{
	static const char *w[] = { "-", "dns", "tls", "http" };

	return (p < 4 ? w[p] : "?");
}

static const char *
state_word(const struct flow *f)
{
	if (f->state == FLOW_DECIDED)
		return (f->verdict == VERDICT_BLOCK ? "blocked" : "allowed");
	return (f->state == FLOW_GATHER ? "gathering" : "open");
}

/* One flow's line or object. */
static void
flow_print(struct request *r, unsigned q, const struct flow *f, int first,
    uint64_t now)
{
	char	 s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	addr_ntop(&f->t.src, s, sizeof(s));
	addr_ntop(&f->t.dst, d, sizeof(d));
	if (r->json)
		evbuffer_add_printf(r->out, "%s{\"queue\":%u,\"protocol\":"
		    "\"%s\",\"state\":\"%s\",\"source\":{\"ip\":\"%s\","
		    "\"port\":%u},\"destination\":{\"ip\":\"%s\",\"port\":%u},"
		    "\"idle_ms\":%" PRIu64 ",\"gathered\":%u}", first ? "" :
		    ",", q, proto_word(f->proto), state_word(f), s,
		    f->t.sport, d, f->t.dport, now - f->last,
		    f->st.buf ? stream_contiguous(&f->st) : 0);
	else
		evbuffer_add_printf(r->out, "%-3u %-4s %-9s %s port %u -> %s "
		    "port %u, idle %" PRIu64 " ms\n", q, proto_word(f->proto),
		    state_word(f), s, f->t.sport, d, f->t.dport,
		    now - f->last);
}

/* flows: the TCP flows each queue follows now. */
static int
cmd_flows(struct request *r)
{
	const struct flow	*f;
	struct worker		*w;
	uint64_t		 now = worker_now_ms();
	unsigned		 i, shown = 0, total = 0;

	if (r->json)
		evbuffer_add_printf(r->out, "{\"flows\":[");
	for (i = 0; i < r->d->nworkers; i++) {
		w = r->d->workers[i];
		pthread_mutex_lock(&w->lock);
		total += flow_count(w->in.flows);
		for (f = flow_first(w->in.flows); f != NULL &&
		    shown < CONTROL_FLOWSMAX; f = flow_next(w->in.flows, f))
			flow_print(r, w->num, f, shown++ == 0, now);
		pthread_mutex_unlock(&w->lock);
	}
	if (r->json)
		evbuffer_add_printf(r->out, "],\"total\":%u,\"shown\":%u}\n",
		    total, shown);
	else
		evbuffer_add_printf(r->out, "%u flow%s%s\n", total,
		    total == 1 ? "" : "s", shown < total ? " (first "
		    "1000 shown)" : "");
	return (0);
}

/* test NAME...: which list and rule the running daemon would apply. */
static int
cmd_test(struct request *r)
{
	const struct lists	*ls = r->d->slot.cur->lists;
	struct match_result	 res;
	const struct list	*l;
	struct name		 n;
	char			 why[128];
	const char		*what;
	int			 i, rc = 0;

	if (r->nword < 2) {
		evbuffer_add_printf(r->out, "usage: test name ...\n");
		return (-1);
	}
	if (r->json)
		evbuffer_add_printf(r->out, "{\"names\":[");
	for (i = 1; i < r->nword; i++) {
		l = NULL;
		what = "not listed";
		if (name_normalize(&n, r->word[i], strlen(r->word[i]),
		    NAME_LIST) == -1) {
			what = name_strerror(&n, why, sizeof(why));
			rc = -1;
		} else if ((l = lists_lookup(ls, n.s, n.len, &res)) != NULL)
			what = res.effect == MATCH_ALLOW ? "allowed" :
			    (l->action == ACTION_AUDIT ||
			    r->d->conf->mode == MODE_AUDIT) ? "audited" :
			    "blocked";
		if (r->json) {
			evbuffer_add_printf(r->out, "%s{\"name\":", i > 1 ?
			    "," : "");
			jstr(r->out, r->word[i]);
			evbuffer_add_printf(r->out, ",\"result\":");
			jstr(r->out, what);
			if (l != NULL) {
				evbuffer_add_printf(r->out, ",\"list\":");
				jstr(r->out, l->name);
				evbuffer_add_printf(r->out, ",\"rule\":");
				jstr(r->out, n.s + res.offset);
				evbuffer_add_printf(r->out, ",\"match\":\"%s\"",
				    match_kind_name(res.kind));
			}
			evbuffer_add_printf(r->out, "}");
		} else if (l != NULL)
			evbuffer_add_printf(r->out, "%s: %s by list %s (%s rule "
			    "%s)\n", n.s, what, l->name,
			    match_kind_name(res.kind), n.s + res.offset);
		else
			evbuffer_add_printf(r->out, "%s: %s\n", r->word[i],
			    what);
	}
	if (r->json)
		evbuffer_add_printf(r->out, "]}\n");
	return (rc);
}

/* reload: as SIGHUP, but the errors come back to the caller. */
static int
cmd_reload(struct request *r)
{
	char	*msg = xmalloc(8192);
	int	 rc;

	rc = daemon_reload(r->d, msg, 8192);
	if (r->json) {
		evbuffer_add_printf(r->out, "{\"ok\":%s,\"rules\":%zu,"
		    "\"messages\":", rc == 0 ? "true" : "false",
		    lists_rules(r->d->slot.cur->lists));
		jstr(r->out, msg);
		evbuffer_add_printf(r->out, "}\n");
	} else {
		evbuffer_add_printf(r->out, "%s", msg);
		evbuffer_add_printf(r->out, rc == 0 ? "reloaded: %zu rules\n" :
		    "reload failed; still running the previous set (%zu "
		    "rules)\n", lists_rules(r->d->slot.cur->lists));
	}
	free(msg);
	return (rc);
}

/* reopen: the event file, after a rotation. */
static int
cmd_reopen(struct request *r)
{
	int	 rc = r->d->events ? eventlog_reopen(r->d->events) : 0;

	if (r->json)
		evbuffer_add_printf(r->out, "{\"ok\":%s}\n", rc == 0 ? "true" :
		    "false");
	else
		evbuffer_add_printf(r->out, rc == 0 ? "event file reopened\n" :
		    "cannot reopen the event file (see the log)\n");
	return (rc);
}

/* Split a request line into words and run its command. */
static void
run(struct daemon *d, char *line, struct evbuffer *out)
{
	struct request	 r;
	struct evbuffer	*body = evbuffer_new();
	size_t		 i;
	char		*save = NULL, *w;
	int		 rc = -1;

	memset(&r, 0, sizeof(r));
	r.d = d;
	r.out = body;
	for (w = strtok_r(line, " \t\r", &save); w != NULL &&
	    r.nword < CONTROL_WORDS; w = strtok_r(NULL, " \t\r", &save))
		r.word[r.nword++] = w;
	if (r.nword > 0 && strcmp(r.word[0], "json") == 0) {
		r.json = 1;
		memmove(r.word, r.word + 1, sizeof(r.word[0]) * --r.nword);
	}
	for (i = 0; r.nword > 0 && i < sizeof(commands) / sizeof(commands[0]);
	    i++)
		if (strcmp(r.word[0], commands[i].name) == 0)
			break;
	if (r.nword == 0 || i == sizeof(commands) / sizeof(commands[0]))
		evbuffer_add_printf(body, "unknown command \"%s\"; commands: "
		    "status stats top flows test reload reopen\n",
		    r.nword ? r.word[0] : "");
	else
		rc = commands[i].fn(&r);
	evbuffer_add_printf(out, "%s\n", rc == 0 ? "ok" : "error");
	evbuffer_add_buffer(out, body);
	evbuffer_free(body);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 n;
	char		*line;

	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) > CONTROL_LINEMAX)
			bufferevent_free(bev);
		return;
	}
	bufferevent_disable(bev, EV_READ);
	run(arg, line, bufferevent_get_output(bev));
	free(line);
	bufferevent_setcb(bev, NULL, on_written, on_event, arg);
	bufferevent_enable(bev, EV_WRITE);
}

/* The answer is out: end the connection. */
static void
on_written(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct bufferevent	*bev;
	struct timeval		 tv = { CONTROL_TIMEOUT, 0 };

	(void)sa;
	(void)len;
	bev = bufferevent_socket_new(evconnlistener_get_base(lis), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, on_read, NULL, on_event, arg);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ);
}

/*
 * Is there a socket at path that nobody answers on?  Then it is left
 * over and may go; a live one means another embargod.
 */
static int
stale_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, live;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (0);
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return (!live);
}

/*
 * Create and bind the socket (start-up, still privileged): its
 * directory if missing, owned by owner so the daemon can remove the
 * socket after dropping privileges; mode and group as configured.
 */
struct control *
control_open(struct daemon *d, const char *path, const char *group,
    unsigned mode, uid_t owner)
{
	struct sockaddr_un	 sun;
	struct control		*c;
	struct group		*gr = NULL;
	char			*dir, *tmp;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return (NULL);
	}
	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		log_warnx("control socket: no group \"%s\"", group);
		return (NULL);
	}
	tmp = xstrdup(path);
	dir = dirname(tmp);
	if (mkdir(dir, 0755) == 0 && chown(dir, owner, (gid_t)-1) == -1)
		log_warn("%s: chown", dir);
	free(tmp);
	if (access(path, F_OK) == 0) {
		if (!stale_socket(path)) {
			log_warnx("control socket %s: another embargod "
			    "answers on it", path);
			return (NULL);
		}
		unlink(path);
	}
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->path = xstrdup(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, mode) == -1 ||
	    (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) == -1) ||
	    listen(c->fd, 16) == -1) {
		log_warn("control socket %s", path);
		if (c->fd != -1)
			close(c->fd);
		free(c->path);
		free(c);
		return (NULL);
	}
	return (c);
}

/* Start accepting on base (the main thread's loop). */
int
control_listen(struct control *c, struct event_base *base)
{
	c->lis = evconnlistener_new(base, on_accept, c->d,
	    LEV_OPT_CLOSE_ON_FREE, -1, c->fd);
	if (c->lis == NULL) {
		log_warnx("control socket %s: listener", c->path);
		return (-1);
	}
	return (0);
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	if (c->lis != NULL)
		evconnlistener_free(c->lis);
	else
		close(c->fd);
	if (unlink(c->path) == -1 && errno != ENOENT)
		log_warn("%s", c->path);
	free(c->path);
	free(c);
}
