/*
 * metrics.c: the Prometheus text exposition format on GET /metrics,
 * served on the main thread.  Off unless configured; the configuration
 * names the address, loopback in the examples.
 *
 * HTTP here is one request per connection: the request line is read,
 * the headers are skipped up to the empty line, the answer carries
 * Content-Length and "Connection: close".  That is all a scraper needs,
 * and it lets server.c bound everything a client may hold: the
 * connections, the time, and the request's size (METRICS_REQMAX), so
 * an endless header line costs no more than that.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "flow.h"
#include "learn.h"
#include "lists.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "queue.h"
#include "resolve.h"
#include "server.h"
#include "view.h"
#include "worker.h"
#include "xmalloc.h"

#define METRICS_REQMAX		8192	/* request line and headers */
#define METRICS_DEADLINE	10	/* seconds for a whole exchange */
#define METRICS_CLIENTS		16	/* connections at once */

struct metrics {
	struct view	*v;
	int		 fd;
	struct server	*srv;
};

static void	serve(void *, char *, size_t, struct evbuffer *);
static void	reply(struct evbuffer *, int, const char *, struct evbuffer *);
static void	add_side(struct evbuffer *, const struct view *);
static void	counter_family(struct evbuffer *, const char *, const char *,
		    const char *);
static void	add_stats(struct evbuffer *, const struct stats *);
static void	add_latency(struct evbuffer *, const struct stats *);
static void	add_lists(struct evbuffer *, const struct view *);
static void	add_queues(struct evbuffer *, const struct view *);

/* Counters that are one family with a label, in stats order. */
static const struct {
	enum stats_id	 stat;
	const char	*family;
	const char	*label;
	const char	*value;
} families[] = {
	{ STAT_VERDICT_PASS, "embargo_packets_total", "verdict", "pass" },
	{ STAT_VERDICT_ALLOW, "embargo_packets_total", "verdict", "allow" },
	{ STAT_VERDICT_BLOCK, "embargo_packets_total", "verdict", "block" },
	{ STAT_VERDICT_DROP, "embargo_packets_total", "verdict", "drop" },
	{ STAT_PROTO_DNS, "embargo_messages_total", "protocol", "dns" },
	{ STAT_PROTO_TLS, "embargo_messages_total", "protocol", "tls" },
	{ STAT_PROTO_HTTP, "embargo_messages_total", "protocol", "http" },
	{ STAT_PROTO_QUIC, "embargo_messages_total", "protocol", "quic" },
	{ STAT_PROTO_OTHER, "embargo_messages_total", "protocol", "other" },
	{ STAT_EVENT_BLOCK, "embargo_events_total", "action", "block" },
	{ STAT_EVENT_AUDIT, "embargo_events_total", "action", "audit" },
	{ STAT_EVENT_ALLOW, "embargo_events_total", "action", "allow" },
	{ STAT_ERR_PACKET, "embargo_malformed_total", "kind", "packet" },
	{ STAT_ERR_FRAGMENT, "embargo_malformed_total", "kind", "fragment" },
	{ STAT_ERR_DNS, "embargo_malformed_total", "kind", "dns" },
	{ STAT_ERR_TLS, "embargo_malformed_total", "kind", "tls" },
	{ STAT_ERR_HTTP, "embargo_malformed_total", "kind", "http" },
	{ STAT_ERR_QUIC, "embargo_malformed_total", "kind", "quic" },
	{ STAT_ERR_QUEUE_MSG, "embargo_malformed_total", "kind", "queue_msg" },
	{ STAT_BOUND_FLOWS, "embargo_bound_hits_total", "bound", "flows" },
	{ STAT_BOUND_GATHER, "embargo_bound_hits_total", "bound",
	    "gather_bytes" },
	{ STAT_BOUND_BUFFERS, "embargo_bound_hits_total", "bound",
	    "gather_buffers" },
	{ STAT_BOUND_SEGMENTS, "embargo_bound_hits_total", "bound", "segments" },
	{ STAT_BOUND_BATCH, "embargo_bound_hits_total", "bound", "batch" },
	{ STAT_BOUND_HOLD, "embargo_bound_hits_total", "bound", "hold" },
	{ STAT_BOUND_CT_ASK, "embargo_bound_hits_total", "bound",
	    "conntrack_queries" },
	{ STAT_OVERLAPS, "embargo_cannot_judge_total", "kind", "overlap" },
	{ STAT_MIDSTREAM, "embargo_cannot_judge_total", "kind", "midstream" },
	{ STAT_EXC_PASSED, "embargo_exceptions_total", "outcome", "passed" },
	{ STAT_EXC_BLOCKED, "embargo_exceptions_total", "outcome", "blocked" },
	{ STAT_RECV_ERRORS, "embargo_netlink_errors_total", "kind", "recv" },
	{ STAT_RECV_ENOBUFS, "embargo_netlink_errors_total", "kind", "enobufs" },
	{ STAT_RECV_LOST, "embargo_netlink_errors_total", "kind", "lost" },
	{ STAT_SEND_ERRORS, "embargo_netlink_errors_total", "kind", "send" },
	{ STAT_NETLINK_ERRORS, "embargo_netlink_errors_total", "kind",
	    "kernel" },
};

/* The rest: one metric each. */
static const struct {
	enum stats_id	 stat;
	const char	*name;
	const char	*help;
} singles[] = {
	{ STAT_PACKETS, "embargo_queued_packets_total",
	    "Packets received from the queues." },
	{ STAT_BATCHES, "embargo_batches_total", "Batches of verdicts sent." },
	{ STAT_ECH, "embargo_tls_ech_total",
	    "ClientHellos carrying encrypted_client_hello." },
	{ STAT_EXEMPT, "embargo_exempt_packets_total",
	    "Packets from exempt clients." },
	{ STAT_GSO, "embargo_gso_packets_total", "GSO packets received." },
	{ STAT_HTTP_REQUESTS, "embargo_http_next_requests_total",
	    "Later requests of kept-alive HTTP connections, judged too." },
	{ STAT_TFO, "embargo_tcp_fast_open_total",
	    "SYNs carrying data (TCP Fast Open), judged as the stream's start." },
	{ STAT_OUT_OF_SEQUENCE, "embargo_rst_fin_out_of_sequence_total",
	    "RSTs and FINs not at the expected sequence number: ignored." },
	{ STAT_REQUEUED, "embargo_requeued_packets_total",
	    "Packets queued again after their verdict (rules that do not "
	    "skip marked packets); given a final verdict." },
	{ STAT_MARKED, "embargo_marked_packets_total",
	    "New packets that arrived already carrying embargod's mark." },
	{ STAT_MALFORMED_NAMES, "embargo_malformed_names_total",
	    "Names that failed normalisation, judged by their valid labels." },
	{ STAT_EVENT_ERRORS, "embargo_event_write_errors_total",
	    "Events that could not be written to the event file." },
	{ STAT_FLOWS_EXPIRED, "embargo_flows_expired_total",
	    "Flows forgotten after going quiet." },
	{ STAT_CT_KEPT, "embargo_flows_kept_by_conntrack_total",
	    "Undecided flows past flow-timeout kept because conntrack still "
	    "holds their connection." },
	{ STAT_CT_UNKNOWN, "embargo_conntrack_cannot_tell_total",
	    "Undecided flows past flow-timeout forgotten because conntrack "
	    "could not be asked." },
	{ STAT_QUIC_UNKNOWN, "embargo_quic_unknown_version_total",
	    "QUIC long headers of a version without known Initial keys." },
	{ STAT_QUIC_BLOCKED, "embargo_quic_blocked_total",
	    "QUIC Initials dropped by the quic block setting." },
	{ STAT_REJECTS, "embargo_rejects_sent_total",
	    "DNS answers and TCP resets sent for the reject action." },
	{ STAT_REJECT_ERRORS, "embargo_reject_send_errors_total",
	    "Reject answers and resets that could not be sent." },
	{ STAT_CANARY, "embargo_canary_answers_total",
	    "DoH canary queries answered NXDOMAIN." },
	{ STAT_DNS_ANSWERS, "embargo_dns_answers_total",
	    "DNS responses read on their way to the client." },
	{ STAT_LEARNED, "embargo_addresses_learned_total",
	    "Addresses of blocked names learned from DNS answers." },
};

static const char *
family_help(const char *family)
{
	if (strcmp(family, "embargo_packets_total") == 0)
		return ("Packets answered, by verdict.");
	if (strcmp(family, "embargo_messages_total") == 0)
		return ("Messages judged, by protocol.");
	if (strcmp(family, "embargo_events_total") == 0)
		return ("Events, by action: block, audit, and allow for a "
		    "reason.");
	if (strcmp(family, "embargo_malformed_total") == 0)
		return ("Input that could not be parsed, by kind.");
	if (strcmp(family, "embargo_bound_hits_total") == 0)
		return ("Times a bound was reached, by bound.");
	return ("Netlink receive and send trouble, by kind.");
}

static void
counter_family(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
add_stats(struct evbuffer *b, const struct stats *s)
{
	const char	*last = "";
	size_t		 i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if (strcmp(last, families[i].family) != 0)
			counter_family(b, families[i].family, "counter",
			    family_help(families[i].family));
		last = families[i].family;
		evbuffer_add_printf(b, "%s{%s=\"%s\"} %" PRIu64 "\n",
		    families[i].family, families[i].label, families[i].value,
		    stats_get(s, families[i].stat));
	}
	for (i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
		counter_family(b, singles[i].name, "counter", singles[i].help);
		evbuffer_add_printf(b, "%s %" PRIu64 "\n", singles[i].name,
		    stats_get(s, singles[i].stat));
	}
}

/* Label values are list names: [a-z0-9._-], nothing to escape. */
static void
add_lists(struct evbuffer *b, const struct view *d)
{
	const struct lists	*ls = d->slot->cur->lists;
	uint64_t		 ok, failed;
	size_t			 i;

	counter_family(b, "embargo_list_events_total", "counter",
	    "Block and audit events, by list.");
	for (i = 0; i < ls->nlists; i++)
		evbuffer_add_printf(b, "embargo_list_events_total{list=\"%s\","
		    "action=\"block\"} %" PRIu64 "\n"
		    "embargo_list_events_total{list=\"%s\",action=\"audit\"} %"
		    PRIu64 "\n", ls->list[i].name,
		    (uint64_t)atomic_load(&ls->list[i].blocked),
		    ls->list[i].name,
		    (uint64_t)atomic_load(&ls->list[i].audited));
	counter_family(b, "embargo_list_rules", "gauge",
	    "Rules taken from each list file.");
	for (i = 0; i < ls->nlists; i++)
		evbuffer_add_printf(b, "embargo_list_rules{list=\"%s\"} %zu\n",
		    ls->list[i].name, ls->list[i].rules);
	counter_family(b, "embargo_rules", "gauge",
	    "Rules in the compiled set, after removing duplicates.");
	evbuffer_add_printf(b, "embargo_rules %zu\n", lists_rules(ls));
	counter_family(b, "embargo_reloads_total", "counter",
	    "Reloads, by result.");
	evbuffer_add_printf(b, "embargo_reloads_total{result=\"ok\"} %" PRIu64
	    "\nembargo_reloads_total{result=\"failed\"} %" PRIu64 "\n",
	    d->reloads_ok, d->reloads_failed);
	counter_family(b, "embargo_reload_last_timestamp_seconds", "gauge",
	    "When the last reload was tried (0: none yet).");
	evbuffer_add_printf(b, "embargo_reload_last_timestamp_seconds %lld\n",
	    (long long)d->reloaded);
	counter_family(b, "embargo_learned_addresses", "gauge",
	    "Addresses learned for blocked names, held now.");
	evbuffer_add_printf(b, "embargo_learned_addresses %zu\n",
	    learn_count(d->learn));
	counter_family(b, "embargo_learned_refused_total", "counter",
	    "Addresses not learned because the table was full.");
	evbuffer_add_printf(b, "embargo_learned_refused_total %" PRIu64 "\n",
	    learn_full(d->learn));
	resolver_counts(d->resolver, &ok, &failed);
	counter_family(b, "embargo_lookups_total", "counter",
	    "Lookups of the block lists' names, by result.");
	evbuffer_add_printf(b, "embargo_lookups_total{result=\"ok\"} %" PRIu64
	    "\nembargo_lookups_total{result=\"failed\"} %" PRIu64 "\n", ok,
	    failed);
	counter_family(b, "embargo_reload_last_success", "gauge",
	    "1 when the last reload succeeded or none was tried.");
	evbuffer_add_printf(b, "embargo_reload_last_success %d\n",
	    d->reloaded == 0 || d->reload_ok);
}

/*
 * The kernel's counters for every queue, and the flows each follows.
 * Without the kernel's table (not readable at start-up) its series are
 * left out rather than shown as zeros.
 */
static void
add_queues(struct evbuffer *b, const struct view *d)
{
	struct queue_kstats	 k[64];
	uint32_t		 flows[64];
	int			 bound[64];
	unsigned		 i, n = d->nworkers < 64 ? d->nworkers : 64;

	for (i = 0; i < n; i++) {
		bound[i] = queue_kernel_stats(d->procfd, d->workers[i]->num, &k[i]) == 0;
		pthread_mutex_lock(&d->workers[i]->lock);
		flows[i] = flow_count(d->workers[i]->in.flows);
		pthread_mutex_unlock(&d->workers[i]->lock);
	}
	if (d->procfd == -1)
		goto flows;
	counter_family(b, "embargo_queue_kernel_dropped_total", "counter",
	    "Packets the kernel dropped or let through unjudged because the "
	    "queue was full.");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "embargo_queue_kernel_dropped_total"
		    "{queue=\"%u\"} %u\n", d->workers[i]->num, k[i].dropped);
	counter_family(b, "embargo_queue_kernel_user_dropped_total", "counter",
	    "Packets lost because the daemon's socket buffer was full.");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "embargo_queue_kernel_user_dropped_total"
		    "{queue=\"%u\"} %u\n", d->workers[i]->num,
		    k[i].user_dropped);
	counter_family(b, "embargo_queue_waiting", "gauge",
	    "Packets waiting in the kernel for a verdict.");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "embargo_queue_waiting{queue=\"%u\"} %u\n",
		    d->workers[i]->num, k[i].waiting);
	counter_family(b, "embargo_queue_bound", "gauge",
	    "1 when the kernel knows the queue as bound.");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "embargo_queue_bound{queue=\"%u\"} %d\n",
		    d->workers[i]->num, bound[i]);
flows:
	counter_family(b, "embargo_flows", "gauge", "TCP flows followed now.");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "embargo_flows{queue=\"%u\"} %u\n",
		    d->workers[i]->num, flows[i]);
}

/*
 * The verdict latency (stats.h) as a Prometheus histogram in seconds:
 * cumulative buckets, +Inf, sum and count.
 */
static void
add_latency(struct evbuffer *b, const struct stats *s)
{
	static const char name[] = "embargo_verdict_latency_seconds";
	uint64_t	 cum = 0;
	int		 k;

	counter_family(b, name, "histogram", "Time from the daemon's "
	    "receipt of a packet to the sending of its verdict.");
	for (k = 0; k < STATS_LAT_BUCKETS - 1; k++) {
		cum += atomic_load(&s->lat[k]);
		evbuffer_add_printf(b, "%s_bucket{le=\"%g\"} %" PRIu64 "\n",
		    name, (double)stats_lat_bound_ns[k] / 1e9, cum);
	}
	cum += atomic_load(&s->lat[k]);
	evbuffer_add_printf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
	    cum);
	evbuffer_add_printf(b, "%s_sum %.9f\n", name,
	    (double)atomic_load(&s->lat_sum_ns) / 1e9);
	evbuffer_add_printf(b, "%s_count %" PRIu64 "\n", name, cum);
}

/* Each side path's connections, by what became of them. */
static void
add_side(struct evbuffer *b, const struct view *v)
{
	const struct server	*srv[2] = { v->control, v->metrics };
	const char		*name[2] = { "control", "metrics" };
	struct server_counts	 n[2];
	int			 i, k;

	for (i = 0; i < 2; i++)
		server_counts(srv[i], &n[i]);
	counter_family(b, "embargo_side_connections_total", "counter",
	    "Connections to the control socket and the metrics endpoint, by "
	    "what became of them.");
	for (i = 0; i < 2; i++)
		for (k = 0; srv[i] != NULL && k < SERVER_COUNT_MAX; k++)
			evbuffer_add_printf(b, "embargo_side_connections_total"
			    "{server=\"%s\",result=\"%s\"} %" PRIu64 "\n",
			    name[i], server_count_name((enum server_count)k),
			    n[i].c[k]);
	counter_family(b, "embargo_side_connections", "gauge",
	    "Connections open now, of at most the cap.");
	for (i = 0; i < 2; i++)
		if (srv[i] != NULL)
			evbuffer_add_printf(b, "embargo_side_connections"
			    "{server=\"%s\"} %u\n", name[i], n[i].open);
}

/* An HTTP/1.1 answer that ends the connection; body may be NULL. */
static void
reply(struct evbuffer *out, int code, const char *reason,
    struct evbuffer *body)
{
	size_t	 len = body ? evbuffer_get_length(body) : strlen(reason) + 1;

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, reason,
	    body ? "text/plain; version=0.0.4" : "text/plain", len);
	if (body != NULL)
		evbuffer_add_buffer(out, body);
	else
		evbuffer_add_printf(out, "%s\n", reason);
}

/* One request: its line is "GET /metrics HTTP/1.x"; the rest is skipped. */
static void
serve(void *arg, char *req, size_t len, struct evbuffer *out)
{
	struct view	*d = arg;
	struct evbuffer	*b;
	struct stats	 sum;
	char		*save = NULL, *method, *uri;

	(void)len;
	req[strcspn(req, "\r\n")] = '\0';
	method = strtok_r(req, " ", &save);
	uri = strtok_r(NULL, " ", &save);
	if (method == NULL || uri == NULL || strtok_r(NULL, " ", &save) ==
	    NULL) {
		reply(out, 400, "Bad Request", NULL);
		return;
	}
	if (strcmp(method, "GET") != 0) {
		reply(out, 405, "Method Not Allowed", NULL);
		return;
	}
	if (strcmp(uri, "/metrics") != 0) {
		reply(out, 404, "Not Found", NULL);
		return;
	}
	b = evbuffer_new();
	view_stats(d, &sum);
	counter_family(b, "embargo_info", "gauge", "Version, always 1.");
	evbuffer_add_printf(b, "embargo_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
	counter_family(b, "embargo_start_time_seconds", "gauge",
	    "When the daemon started.");
	evbuffer_add_printf(b, "embargo_start_time_seconds %lld\n",
	    (long long)d->started);
	add_stats(b, &sum);
	add_latency(b, &sum);
	add_lists(b, d);
	add_queues(b, d);
	add_side(b, d);
	reply(out, 200, "OK", b);
	evbuffer_free(b);
}

/* Bind the listening socket (start-up, before privileges go). */
struct metrics *
metrics_open(struct view *d, const char *addr, unsigned port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct metrics		*m;
	socklen_t		 len;
	int			 on = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	} else {
		log_warnx("metrics listen %s: not an address", addr);
		return (NULL);
	}
	m = xcalloc(1, sizeof(*m));
	m->v = d;
	if ((m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ==
	    -1 || bind(m->fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(m->fd, 64) == -1) {
		log_warn("metrics listen %s port %u", addr, port);
		if (m->fd != -1)
			close(m->fd);
		free(m);
		return (NULL);
	}
	return (m);
}

/* Serve on base (the main thread's loop). */
int
metrics_listen(struct metrics *m, struct event_base *base)
{
	struct server_conf	 sc = {
		.name = "metrics",
		.clients = METRICS_CLIENTS,
		.deadline = METRICS_DEADLINE,
		.request_max = METRICS_REQMAX,
		.end = "\r\n\r\n",
		.answer = serve,
		.arg = m->v,
	};

	if ((m->srv = server_new(base, m->fd, &sc)) == NULL)
		return (-1);
	m->v->metrics = m->srv;
	return (0);
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->srv != NULL)
		server_free(m->srv);	/* closes the socket */
	else
		close(m->fd);
	free(m);
}
