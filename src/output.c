/*
 * output.c: the control socket's answers as text, for people.  Tables
 * have a header line and aligned columns; the JSON twin is
 * output_json.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <event2/buffer.h>

#include "output.h"
#include "stats.h"
#include "top.h"

static void	text_status(struct evbuffer *, const struct status_result *);
static void	text_queue(struct evbuffer *, const struct status_queue *);
static void	text_side(struct evbuffer *, const struct status_side *);
static void	text_stats(struct evbuffer *, const struct stats_result *);
static void	text_top(struct evbuffer *, const struct top_result *);
static void	text_top_table(struct evbuffer *, const char *, const char *,
		    const struct top *, size_t);
static void	text_flows(struct evbuffer *, const struct flows_result *);
static void	text_test(struct evbuffer *, const struct test_result *);
static void	text_safety(struct evbuffer *, const struct stats *);
static void	text_latency(struct evbuffer *, const struct stats *);
static void	text_reload(struct evbuffer *, const struct reload_result *);
static void	text_reopen(struct evbuffer *, int);
static void	text_error(struct evbuffer *, const char *);

const struct output output_text = {
	text_status, text_stats, text_top, text_flows, text_test,
	text_reload, text_reopen, text_error
};

static const char *
last_word(long long when, int ok)
{
	return (when == 0 ? "none" : ok ? "ok" : "FAILED");
}

static void
text_queue(struct evbuffer *b, const struct status_queue *q)
{
	if (q->bound == -1)
		evbuffer_add_printf(b, "queue %u: kernel counters unknown "
		    "(/proc/net/netfilter/nfnetlink_queue could not be read "
		    "at start-up)\n", q->num);
	else
		evbuffer_add_printf(b, "queue %u: %s, %u waiting, %u dropped "
		    "(queue full), %u dropped (socket full), %u queued in "
		    "all\n", q->num, q->bound ? "bound" : "NOT BOUND",
		    q->waiting, q->dropped, q->user_dropped, q->queued);
}

/* One side path's connections and the bounds they met. */
static void
text_side(struct evbuffer *b, const struct status_side *s)
{
	if (!s->on)
		return;
	evbuffer_add_printf(b, "%s: %u of %u connections open; %" PRIu64
	    " answered, %" PRIu64 " evicted at the cap, %" PRIu64 " past "
	    "the deadline, %" PRIu64 " too long, %" PRIu64 " accept "
	    "errors\n", s->name, s->n.open, s->n.clients,
	    s->n.c[SERVER_ANSWERED], s->n.c[SERVER_EVICTED],
	    s->n.c[SERVER_TIMEDOUT], s->n.c[SERVER_TOOLONG],
	    s->n.c[SERVER_ACCEPT_ERRORS]);
}

/* status: one paragraph, then the lists as a table. */
static void
text_status(struct evbuffer *b, const struct status_result *r)
{
	const struct status_list	*l;
	size_t				 i;

	evbuffer_add_printf(b, "embargod %s, pid %ld, uid %ld, up %ldd "
	    "%02ld:%02ld:%02ld, mode %s\n", r->version, r->pid, r->uid,
	    r->uptime / 86400, r->uptime / 3600 % 24, r->uptime / 60 % 60,
	    r->uptime % 60, r->mode);
	for (i = 0; i < r->nqueues; i++)
		text_queue(b, &r->queues[i]);
	evbuffer_add_printf(b, "%zu lists, %zu rules; last reload: %s; last "
	    "event file reopen: %s\n", r->nlists, r->rules,
	    r->reloaded == 0 ? "none" : r->reload_ok ? "ok" :
	    "FAILED, running the previous set",
	    last_word(r->reopened, r->reopen_ok));
	evbuffer_add_printf(b, "%zu learned addresses (%" PRIu64 " refused, "
	    "table full); lookups of list names: %" PRIu64 " answered, %"
	    PRIu64 " failed%s\n", r->learned, r->learn_refused, r->lookups_ok,
	    r->lookups_failed, r->lookups_on ? "" : " (lookups off)");
	for (i = 0; i < 2; i++)
		text_side(b, &r->side[i]);
	text_safety(b, r->sum);
	evbuffer_add_printf(b, "  %-28s %8s  %-6s  %-20s %10s %10s\n", "LIST",
	    "RULES", "ACTION", "VERSION", "BLOCKED", "AUDITED");
	for (i = 0; i < r->nlists; i++) {
		l = &r->lists[i];
		evbuffer_add_printf(b, "  %-28s %8zu  %-6s  %-20s %10" PRIu64
		    " %10" PRIu64 "\n", l->name, l->rules, l->action,
		    l->version ? l->version : "-", l->blocked, l->audited);
	}
}

/*
 * The safety nets, so that none works unseen: packets that came back
 * after their verdict (rules that do not skip marked packets), names
 * judged by their valid labels, flows no one could judge, idle flows
 * kept because conntrack still holds their connection.
 */
static void
text_safety(struct evbuffer *b, const struct stats *s)
{
	if (s == NULL)
		return;
	evbuffer_add_printf(b, "requeued %" PRIu64 "%s, arrived marked %"
	    PRIu64 ", malformed names %" PRIu64 "; exceptions: %" PRIu64
	    " passed, %" PRIu64 " blocked; idle flows kept by conntrack %"
	    PRIu64 "\n", stats_get(s, STAT_REQUEUED),
	    stats_get(s, STAT_REQUEUED) > 0 ? " (the rules do not skip "
	    "marked packets: see embargo-firewall(8))" : "",
	    stats_get(s, STAT_MARKED), stats_get(s, STAT_MALFORMED_NAMES),
	    stats_get(s, STAT_EXC_PASSED), stats_get(s, STAT_EXC_BLOCKED),
	    stats_get(s, STAT_CT_KEPT));
}

/* stats: every counter summed over the queues. */
static void
text_stats(struct evbuffer *b, const struct stats_result *r)
{
	int	 k;

	for (k = 0; k < STAT_MAX; k++)
		evbuffer_add_printf(b, "%-22s %" PRIu64 "\n",
		    stats_name((enum stats_id)k),
		    stats_get(r->sum, (enum stats_id)k));
	text_latency(b, r->sum);
}

/*
 * The verdict latency histogram (stats.h), summed over the queues:
 * count and mean, the buckets p50 and p99 fall under, and each bucket
 * with the samples at or below it.
 */
static void
text_latency(struct evbuffer *b, const struct stats *s)
{
	uint64_t	 n = stats_lat_count(s), cum = 0, q;
	double		 sum = (double)atomic_load(&s->lat_sum_ns) / 1e9;
	int		 k;

	evbuffer_add_printf(b, "%-22s %" PRIu64 " packets, %.3f us on "
	    "average\n", "verdict_latency", n, n ? sum * 1e6 / (double)n : 0.0);
	for (k = 0; k < 2; k++) {
		q = stats_lat_quantile_ns(s, k == 0 ? 0.5 : 0.99);
		if (q == UINT64_MAX)
			evbuffer_add_printf(b, "  p%-19d > %g us\n",
			    k == 0 ? 50 : 99, (double)stats_lat_bound_ns[
			    STATS_LAT_BUCKETS - 2] / 1e3);
		else
			evbuffer_add_printf(b, "  p%-19d <= %g us\n",
			    k == 0 ? 50 : 99, (double)q / 1e3);
	}
	for (k = 0; k < STATS_LAT_BUCKETS; k++) {
		cum += atomic_load(&s->lat[k]);
		if (k < STATS_LAT_BUCKETS - 1)
			evbuffer_add_printf(b, "  le %-6g us %12" PRIu64 "\n",
			    (double)stats_lat_bound_ns[k] / 1e3, cum);
		else
			evbuffer_add_printf(b, "  le +Inf      %12" PRIu64 "\n",
			    cum);
	}
}

static void
text_top_table(struct evbuffer *b, const char *what, const char *key,
    const struct top *t, size_t n)
{
	size_t	 i;

	evbuffer_add_printf(b, "%s:\n  %10s  %s\n", what, "MATCHES", key);
	for (i = 0; i < t->n && i < n; i++)
		evbuffer_add_printf(b, "  %10" PRIu64 "  %s\n", t->e[i].count,
		    t->e[i].key);
}

/* top: the names and clients that matched most. */
static void
text_top(struct evbuffer *b, const struct top_result *r)
{
	text_top_table(b, "names", "NAME", r->names, r->n);
	text_top_table(b, "clients", "CLIENT", r->clients, r->n);
}

/* flows: a header, a line per flow, and how many there are. */
static void
text_flows(struct evbuffer *b, const struct flows_result *r)
{
	const struct flow_row	*f;
	unsigned		 i;

	evbuffer_add_printf(b, "%-5s %-5s %-9s %s\n", "QUEUE", "PROTO",
	    "STATE", "SOURCE -> DESTINATION, IDLE");
	for (i = 0; i < r->shown; i++) {
		f = &r->rows[i];
		evbuffer_add_printf(b, "%-5u %-5s %-9s %s port %u -> %s port "
		    "%u, idle %" PRIu64 " ms\n", f->queue, f->proto, f->state,
		    f->src, f->sport, f->dst, f->dport, f->idle_ms);
	}
	evbuffer_add_printf(b, "%u flow%s", r->total, r->total == 1 ? "" : "s");
	if (r->shown < r->total)
		evbuffer_add_printf(b, " (first %u shown)", r->shown);
	evbuffer_add_printf(b, "\n");
}

/*
 * test: a line per name, worded as policy_explain_text() words it for
 * embargod -T, so that the two read the same.
 */
static void
text_test(struct evbuffer *b, const struct test_result *r)
{
	const struct test_row	*t;
	size_t			 i;

	for (i = 0; i < r->n; i++) {
		t = &r->rows[i];
		if (t->name == NULL)
			evbuffer_add_printf(b, "%s: invalid name: %s\n",
			    t->word, t->result);
		else if (t->list != NULL)
			evbuffer_add_printf(b, "%s: %s by list %s (%s%s rule "
			    "%s)\n", t->name, t->result, t->list,
			    t->allow ? "allow " : "", t->match, t->rule);
		else
			evbuffer_add_printf(b, "%s: %s\n", t->name, t->result);
	}
}

static void
text_reload(struct evbuffer *b, const struct reload_result *r)
{
	evbuffer_add_printf(b, "%s", r->messages);
	evbuffer_add_printf(b, r->ok ? "reloaded: %zu rules\n" : "reload "
	    "failed; still running the previous set (%zu rules)\n", r->rules);
}

static void
text_reopen(struct evbuffer *b, int ok)
{
	evbuffer_add_printf(b, ok ? "event file reopened\n" : "cannot reopen "
	    "the event file (see the log)\n");
}

static void
text_error(struct evbuffer *b, const char *msg)
{
	evbuffer_add_printf(b, "%s\n", msg);
}
