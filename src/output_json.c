/*
 * output_json.c: the control socket's answers as one JSON document
 * each, for programs; the same results output.c writes as text.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "json.h"
#include "output.h"
#include "stats.h"
#include "top.h"

static void	js_latency(struct evbuffer *, const struct stats *);
static void	js_str(struct evbuffer *, const char *);
static void	js_status(struct evbuffer *, const struct status_result *);
static void	js_queue(struct evbuffer *, const struct status_queue *);
static void	js_list(struct evbuffer *, const struct status_list *);
static void	js_side(struct evbuffer *, const struct status_side *);
static void	js_counters(struct evbuffer *, const struct stats *);
static void	js_stats(struct evbuffer *, const struct stats_result *);
static void	js_top(struct evbuffer *, const struct top_result *);
static void	js_top_array(struct evbuffer *, const char *,
		    const struct top *, size_t);
static void	js_flows(struct evbuffer *, const struct flows_result *);
static void	js_test(struct evbuffer *, const struct test_result *);
static void	js_reload(struct evbuffer *, const struct reload_result *);
static void	js_reopen(struct evbuffer *, int);
static void	js_error(struct evbuffer *, const char *);

const struct output output_json = {
	js_status, js_stats, js_top, js_flows, js_test, js_reload,
	js_reopen, js_error
};

/* A JSON string, however long (a reload's messages are). */
static void
js_str(struct evbuffer *b, const char *s)
{
	size_t	 size = strlen(s) * 6 + 3;
	char	*buf = malloc(size);

	if (buf == NULL) {
		evbuffer_add_printf(b, "null");
		return;
	}
	json_escape(buf, size, s);
	evbuffer_add(b, buf, strlen(buf));
	free(buf);
}

static const char *
js_bool(int v)
{
	return (v ? "true" : "false");
}

static void
js_queue(struct evbuffer *b, const struct status_queue *q)
{
	evbuffer_add_printf(b, "{\"queue\":%u,\"bound\":%s,\"waiting\":%u,"
	    "\"dropped\":%u,\"user_dropped\":%u,\"queued\":%u}", q->num,
	    q->bound == -1 ? "null" : js_bool(q->bound), q->waiting,
	    q->dropped, q->user_dropped, q->queued);
}

static void
js_list(struct evbuffer *b, const struct status_list *l)
{
	evbuffer_add_printf(b, "{\"name\":");
	js_str(b, l->name);
	evbuffer_add_printf(b, ",\"rules\":%zu,\"action\":\"%s\",\"blocked\":%"
	    PRIu64 ",\"audited\":%" PRIu64 ",\"version\":", l->rules,
	    l->action, l->blocked, l->audited);
	js_str(b, l->version ? l->version : "");
	evbuffer_add_printf(b, ",\"vendor\":");
	js_str(b, l->vendor ? l->vendor : "");
	evbuffer_add_printf(b, ",\"category\":");
	js_str(b, l->category ? l->category : "");
	evbuffer_add_printf(b, ",\"path\":");
	js_str(b, l->path);
	evbuffer_add_printf(b, "}");
}

/* "control":{...}: null when that side path is off. */
static void
js_side(struct evbuffer *b, const struct status_side *s)
{
	int	 k;

	evbuffer_add_printf(b, ",\"%s\":", s->name);
	if (!s->on) {
		evbuffer_add_printf(b, "null");
		return;
	}
	evbuffer_add_printf(b, "{\"open\":%u,\"clients\":%u", s->n.open,
	    s->n.clients);
	for (k = 0; k < SERVER_COUNT_MAX; k++)
		evbuffer_add_printf(b, ",\"%s\":%" PRIu64,
		    server_count_name((enum server_count)k), s->n.c[k]);
	evbuffer_add_printf(b, "}");
}

static void
js_status(struct evbuffer *b, const struct status_result *r)
{
	size_t	 i;

	evbuffer_add_printf(b, "{\"version\":\"%s\",\"pid\":%ld,\"uid\":%ld,"
	    "\"uptime\":%ld,\"mode\":\"%s\",\"rules\":%zu,\"loaded\":%lld,"
	    "\"reload\":{\"last\":%lld,\"ok\":%s,\"succeeded\":%" PRIu64
	    ",\"failed\":%" PRIu64 "},\"reopen\":{\"last\":%lld,\"ok\":%s},"
	    "\"queues\":[", r->version, r->pid, r->uid, r->uptime, r->mode,
	    r->rules, r->loaded, r->reloaded, js_bool(r->reloaded == 0 ||
	    r->reload_ok), r->reloads_ok, r->reloads_failed, r->reopened,
	    js_bool(r->reopened == 0 || r->reopen_ok));
	for (i = 0; i < r->nqueues; i++) {
		evbuffer_add_printf(b, "%s", i ? "," : "");
		js_queue(b, &r->queues[i]);
	}
	evbuffer_add_printf(b, "],\"learned\":{\"addresses\":%zu,\"refused\":%"
	    PRIu64 "},\"lookups\":{\"on\":%s,\"ok\":%" PRIu64 ",\"failed\":%"
	    PRIu64 "}", r->learned, r->learn_refused, js_bool(r->lookups_on),
	    r->lookups_ok, r->lookups_failed);
	for (i = 0; i < 2; i++)
		js_side(b, &r->side[i]);
	if (r->sum != NULL)
		evbuffer_add_printf(b, ",\"safety\":{\"requeued\":%" PRIu64
		    ",\"arrived_marked\":%" PRIu64 ",\"malformed_names\":%"
		    PRIu64 ",\"exceptions_passed\":%" PRIu64
		    ",\"exceptions_blocked\":%" PRIu64
		    ",\"flows_kept_by_conntrack\":%" PRIu64 "}",
		    stats_get(r->sum, STAT_REQUEUED),
		    stats_get(r->sum, STAT_MARKED),
		    stats_get(r->sum, STAT_MALFORMED_NAMES),
		    stats_get(r->sum, STAT_EXC_PASSED),
		    stats_get(r->sum, STAT_EXC_BLOCKED),
		    stats_get(r->sum, STAT_CT_KEPT));
	evbuffer_add_printf(b, ",\"lists\":[");
	for (i = 0; i < r->nlists; i++) {
		evbuffer_add_printf(b, "%s", i ? "," : "");
		js_list(b, &r->lists[i]);
	}
	evbuffer_add_printf(b, "]}\n");
}

static void
js_counters(struct evbuffer *b, const struct stats *s)
{
	int	 k;

	evbuffer_add_printf(b, "{");
	for (k = 0; k < STAT_MAX; k++)
		evbuffer_add_printf(b, "%s\"%s\":%" PRIu64, k ? "," : "",
		    stats_name((enum stats_id)k), stats_get(s,
		    (enum stats_id)k));
	evbuffer_add_printf(b, "}");
}

/* stats: the sums, and each queue's own. */
static void
js_stats(struct evbuffer *b, const struct stats_result *r)
{
	unsigned	 i;

	evbuffer_add_printf(b, "{\"counters\":");
	js_counters(b, r->sum);
	evbuffer_add_printf(b, ",\"queues\":{");
	for (i = 0; i < r->nqueues; i++) {
		evbuffer_add_printf(b, "%s\"%u\":", i ? "," : "", r->num[i]);
		js_counters(b, r->queue[i]);
	}
	evbuffer_add_printf(b, "}");
	js_latency(b, r->sum);
	evbuffer_add_printf(b, "}\n");
}

/* The verdict latency histogram: count, sum, p50/p99 bounds, buckets. */
static void
js_latency(struct evbuffer *b, const struct stats *s)
{
	uint64_t	 n = stats_lat_count(s), cum = 0, q;
	int		 k;

	evbuffer_add_printf(b, ",\"verdict_latency\":{\"count\":%" PRIu64
	    ",\"sum_seconds\":%.9f", n,
	    (double)atomic_load(&s->lat_sum_ns) / 1e9);
	for (k = 0; k < 2; k++) {
		q = stats_lat_quantile_ns(s, k == 0 ? 0.5 : 0.99);
		if (q == UINT64_MAX)
			evbuffer_add_printf(b, ",\"p%d_le_seconds\":\"+Inf\"",
			    k == 0 ? 50 : 99);
		else
			evbuffer_add_printf(b, ",\"p%d_le_seconds\":%g",
			    k == 0 ? 50 : 99, (double)q / 1e9);
	}
	evbuffer_add_printf(b, ",\"buckets\":{");
	for (k = 0; k < STATS_LAT_BUCKETS; k++) {
		cum += atomic_load(&s->lat[k]);
		if (k < STATS_LAT_BUCKETS - 1)
			evbuffer_add_printf(b, "%s\"%g\":%" PRIu64, k ? "," : "",
			    (double)stats_lat_bound_ns[k] / 1e9, cum);
		else
			evbuffer_add_printf(b, ",\"+Inf\":%" PRIu64 "}}", cum);
	}
}

static void
js_top_array(struct evbuffer *b, const char *what, const struct top *t,
    size_t n)
{
	size_t	 i;

	evbuffer_add_printf(b, "\"%s\":[", what);
	for (i = 0; i < t->n && i < n; i++) {
		evbuffer_add_printf(b, "%s{\"key\":", i ? "," : "");
		js_str(b, t->e[i].key);
		evbuffer_add_printf(b, ",\"count\":%" PRIu64 ",\"error\":%"
		    PRIu64 "}", t->e[i].count, t->e[i].error);
	}
	evbuffer_add_printf(b, "]");
}

static void
js_top(struct evbuffer *b, const struct top_result *r)
{
	evbuffer_add_printf(b, "{");
	js_top_array(b, "names", r->names, r->n);
	evbuffer_add_printf(b, ",");
	js_top_array(b, "clients", r->clients, r->n);
	evbuffer_add_printf(b, "}\n");
}

static void
js_flows(struct evbuffer *b, const struct flows_result *r)
{
	const struct flow_row	*f;
	unsigned		 i;

	evbuffer_add_printf(b, "{\"flows\":[");
	for (i = 0; i < r->shown; i++) {
		f = &r->rows[i];
		evbuffer_add_printf(b, "%s{\"queue\":%u,\"protocol\":\"%s\","
		    "\"state\":\"%s\",\"source\":{\"ip\":\"%s\",\"port\":%u},"
		    "\"destination\":{\"ip\":\"%s\",\"port\":%u},\"idle_ms\":%"
		    PRIu64 ",\"gathered\":%u}", i ? "," : "", f->queue,
		    f->proto, f->state, f->src, f->sport, f->dst, f->dport,
		    f->idle_ms, f->gathered);
	}
	evbuffer_add_printf(b, "],\"total\":%u,\"shown\":%u}\n", r->total,
	    r->shown);
}

static void
js_test(struct evbuffer *b, const struct test_result *r)
{
	const struct test_row	*t;
	size_t			 i;

	evbuffer_add_printf(b, "{\"names\":[");
	for (i = 0; i < r->n; i++) {
		t = &r->rows[i];
		evbuffer_add_printf(b, "%s{\"name\":", i ? "," : "");
		js_str(b, t->word);
		evbuffer_add_printf(b, ",\"result\":");
		js_str(b, t->result);
		if (t->list != NULL) {
			evbuffer_add_printf(b, ",\"list\":");
			js_str(b, t->list);
			evbuffer_add_printf(b, ",\"rule\":");
			js_str(b, t->rule);
			evbuffer_add_printf(b, ",\"match\":\"%s\"", t->match);
		}
		evbuffer_add_printf(b, "}");
	}
	evbuffer_add_printf(b, "]}\n");
}

static void
js_reload(struct evbuffer *b, const struct reload_result *r)
{
	evbuffer_add_printf(b, "{\"ok\":%s,\"rules\":%zu,\"messages\":",
	    js_bool(r->ok), r->rules);
	js_str(b, r->messages);
	evbuffer_add_printf(b, "}\n");
}

static void
js_reopen(struct evbuffer *b, int ok)
{
	evbuffer_add_printf(b, "{\"ok\":%s}\n", js_bool(ok));
}

static void
js_error(struct evbuffer *b, const char *msg)
{
	evbuffer_add_printf(b, "{\"error\":");
	js_str(b, msg);
	evbuffer_add_printf(b, "}\n");
}
