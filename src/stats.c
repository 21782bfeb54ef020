/*
 * stats.c: counter names, sums and the counter report.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "log.h"
#include "stats.h"

static const char *stat_names[STAT_MAX] = {
	[STAT_PACKETS] = "packets",
	[STAT_BATCHES] = "batches",
	[STAT_VERDICT_PASS] = "verdict_pass",
	[STAT_VERDICT_ALLOW] = "verdict_allow",
	[STAT_VERDICT_BLOCK] = "verdict_block",
	[STAT_VERDICT_DROP] = "verdict_drop",
	[STAT_PROTO_DNS] = "proto_dns",
	[STAT_PROTO_TLS] = "proto_tls",
	[STAT_PROTO_HTTP] = "proto_http",
	[STAT_PROTO_QUIC] = "proto_quic",
	[STAT_PROTO_OTHER] = "proto_other",
	[STAT_EVENT_BLOCK] = "events_block",
	[STAT_EVENT_AUDIT] = "events_audit",
	[STAT_EVENT_ALLOW] = "events_allow",
	[STAT_EVENT_ERRORS] = "event_write_errors",
	[STAT_REJECTS] = "rejects_sent",
	[STAT_REJECT_ERRORS] = "reject_send_errors",
	[STAT_ECH] = "tls_ech",
	[STAT_CANARY] = "canary_answers",
	[STAT_DNS_ANSWERS] = "dns_answers",
	[STAT_LEARNED] = "addresses_learned",
	[STAT_EXEMPT] = "exempt_clients",
	[STAT_GSO] = "gso_packets",
	[STAT_REQUEUED] = "requeued",
	[STAT_MARKED] = "arrived_marked",
	[STAT_MALFORMED_NAMES] = "malformed_names",
	[STAT_ERR_PACKET] = "malformed_packet",
	[STAT_ERR_FRAGMENT] = "fragments",
	[STAT_ERR_DNS] = "malformed_dns",
	[STAT_ERR_TLS] = "malformed_tls",
	[STAT_ERR_HTTP] = "malformed_http",
	[STAT_ERR_QUIC] = "malformed_quic",
	[STAT_ERR_QUEUE_MSG] = "malformed_queue_msg",
	[STAT_BOUND_FLOWS] = "bound_flows",
	[STAT_BOUND_GATHER] = "bound_gather_bytes",
	[STAT_BOUND_BUFFERS] = "bound_gather_buffers",
	[STAT_BOUND_SEGMENTS] = "bound_segments",
	[STAT_BOUND_BATCH] = "bound_batch",
	[STAT_BOUND_HOLD] = "bound_hold",
	[STAT_BOUND_CT_ASK] = "bound_conntrack_queries",
	[STAT_OVERLAPS] = "overlap_conflicts",
	[STAT_MIDSTREAM] = "midstream_flows",
	[STAT_TFO] = "tcp_fast_open",
	[STAT_HTTP_REQUESTS] = "http_next_requests",
	[STAT_OUT_OF_SEQUENCE] = "rst_fin_out_of_sequence",
	[STAT_EXC_PASSED] = "exceptions_passed",
	[STAT_EXC_BLOCKED] = "exceptions_blocked",
	[STAT_RECV_ENOBUFS] = "recv_enobufs",
	[STAT_RECV_ERRORS] = "recv_errors",
	[STAT_RECV_LOST] = "recv_lost",
	[STAT_SEND_ERRORS] = "send_errors",
	[STAT_NETLINK_ERRORS] = "netlink_errors",
	[STAT_FLOWS_EXPIRED] = "flows_expired",
	[STAT_CT_KEPT] = "flows_kept_by_conntrack",
	[STAT_CT_UNKNOWN] = "conntrack_cannot_tell",
	[STAT_QUIC_UNKNOWN] = "quic_unknown_version",
	[STAT_QUIC_BLOCKED] = "quic_blocked",
};

/*
 * Bucket bounds: a verdict takes microseconds when all is well, a
 * batch bound (hold-ms, 50 ms by default) or a stall shows up at the
 * top; the open bucket past 500 ms catches the rest.
 */
const uint64_t	 stats_lat_bound_ns[STATS_LAT_BUCKETS - 1] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000, 10000000, 50000000, 100000000, 500000000
};

uint64_t
stats_get(const struct stats *s, enum stats_id k)
{
	return (atomic_load_explicit(&s->c[k], memory_order_relaxed));
}

/* Add every counter of s into sum (which only this thread writes). */
void
stats_sum(struct stats *sum, const struct stats *s)
{
	int	 k;

	for (k = 0; k < STAT_MAX; k++)
		stats_add(sum, (enum stats_id)k, stats_get(s, (enum stats_id)k));
	for (k = 0; k < STATS_LAT_BUCKETS; k++)
		atomic_store_explicit(&sum->lat[k], atomic_load_explicit(
		    &sum->lat[k], memory_order_relaxed) + atomic_load_explicit(
		    &s->lat[k], memory_order_relaxed), memory_order_relaxed);
	atomic_store_explicit(&sum->lat_sum_ns, atomic_load_explicit(
	    &sum->lat_sum_ns, memory_order_relaxed) + atomic_load_explicit(
	    &s->lat_sum_ns, memory_order_relaxed), memory_order_relaxed);
}

/* How many latency samples there are. */
uint64_t
stats_lat_count(const struct stats *s)
{
	uint64_t	 n = 0;
	int		 k;

	for (k = 0; k < STATS_LAT_BUCKETS; k++)
		n += atomic_load_explicit(&s->lat[k], memory_order_relaxed);
	return (n);
}

/*
 * The upper bound of the bucket holding quantile q (0 < q <= 1) of the
 * samples: "p99 is at most this".  0 without samples; UINT64_MAX when
 * it falls in the open bucket.
 */
uint64_t
stats_lat_quantile_ns(const struct stats *s, double q)
{
	uint64_t	 n = stats_lat_count(s), seen = 0, want;
	int		 k;

	if (n == 0)
		return (0);
	want = (uint64_t)(q * (double)n + 0.999999);
	if (want == 0)
		want = 1;
	for (k = 0; k < STATS_LAT_BUCKETS - 1; k++) {
		seen += atomic_load_explicit(&s->lat[k], memory_order_relaxed);
		if (seen >= want)
			return (stats_lat_bound_ns[k]);
	}
	return (UINT64_MAX);
}

const char *
stats_name(enum stats_id k)
{
	return (stat_names[k]);
}

/* Log every non-zero counter on one line, after a label. */
void
stats_log(const struct stats *s, const char *label)
{
	char	 line[2048];
	size_t	 off;
	int	 k, n;

	off = (size_t)snprintf(line, sizeof(line), "%s:", label);
	for (k = 0; k < STAT_MAX && off < sizeof(line); k++) {
		if (stats_get(s, (enum stats_id)k) == 0 && k != STAT_PACKETS)
			continue;
		n = snprintf(line + off, sizeof(line) - off, " %s=%" PRIu64,
		    stat_names[k], stats_get(s, (enum stats_id)k));
		if (n < 0)
			break;
		off += (size_t)n;
	}
	log_info("%s", line);
}
