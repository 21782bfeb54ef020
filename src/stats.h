/*
 * stats.h: counters.  Each queue thread owns one struct stats and is the
 * only writer; others read with relaxed loads, so counting costs a
 * plain add on the packet path.
 */
#ifndef EMBARGO_STATS_H
#define EMBARGO_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum stats_id {
	STAT_PACKETS,
	STAT_BATCHES,
	STAT_VERDICT_PASS,
	STAT_VERDICT_ALLOW,
	STAT_VERDICT_BLOCK,
	STAT_VERDICT_DROP,
	STAT_PROTO_DNS,
	STAT_PROTO_TLS,
	STAT_PROTO_HTTP,
	STAT_PROTO_QUIC,
	STAT_PROTO_OTHER,
	STAT_EVENT_BLOCK,
	STAT_EVENT_AUDIT,
	STAT_EVENT_ALLOW,
	STAT_EVENT_ERRORS,
	STAT_REJECTS,
	STAT_REJECT_ERRORS,
	STAT_ECH,
	STAT_CANARY,
	STAT_DNS_ANSWERS,
	STAT_LEARNED,
	STAT_EXEMPT,
	STAT_GSO,
	STAT_REQUEUED,
	STAT_MARKED,
	STAT_MALFORMED_NAMES,
	STAT_ERR_PACKET,
	STAT_ERR_FRAGMENT,
	STAT_ERR_DNS,
	STAT_ERR_TLS,
	STAT_ERR_HTTP,
	STAT_ERR_QUIC,
	STAT_ERR_QUEUE_MSG,
	STAT_BOUND_FLOWS,
	STAT_BOUND_GATHER,
	STAT_BOUND_BUFFERS,
	STAT_BOUND_SEGMENTS,
	STAT_BOUND_BATCH,
	STAT_BOUND_HOLD,
	STAT_BOUND_CT_ASK,
	STAT_OVERLAPS,
	STAT_MIDSTREAM,
	STAT_TFO,
	STAT_HTTP_REQUESTS,
	STAT_OUT_OF_SEQUENCE,
	STAT_EXC_PASSED,
	STAT_EXC_BLOCKED,
	STAT_RECV_ENOBUFS,
	STAT_RECV_ERRORS,
	STAT_RECV_LOST,
	STAT_SEND_ERRORS,
	STAT_NETLINK_ERRORS,
	STAT_FLOWS_EXPIRED,
	STAT_CT_KEPT,
	STAT_CT_UNKNOWN,
	STAT_QUIC_UNKNOWN,
	STAT_QUIC_BLOCKED,
	STAT_MAX
};

/*
 * The verdict latency: how long a packet spent in the daemon, from the
 * recv() that handed it over to the sendmsg() of its verdict, in fixed
 * buckets (upper bounds in stats_lat_bound_ns[], the last one open).
 * Buckets are not cumulative here; the metrics and embargoctl add up.
 */
#define STATS_LAT_BUCKETS	15	/* 14 bounds and +Inf */

struct stats {
	_Atomic uint64_t	 c[STAT_MAX];
	_Atomic uint64_t	 lat[STATS_LAT_BUCKETS];
	_Atomic uint64_t	 lat_sum_ns;
};

extern const uint64_t	 stats_lat_bound_ns[STATS_LAT_BUCKETS - 1];

/* One more: a plain load and store, since this thread is the only writer. */
static inline void
stats_add(struct stats *s, enum stats_id k, uint64_t n)
{
	atomic_store_explicit(&s->c[k], atomic_load_explicit(&s->c[k],
	    memory_order_relaxed) + n, memory_order_relaxed);
}

static inline void
stats_inc(struct stats *s, enum stats_id k)
{
	stats_add(s, k, 1);
}

/* One latency sample of ns nanoseconds; single writer, as above. */
static inline void
stats_lat_add(struct stats *s, uint64_t ns)
{
	int	 i;

	for (i = 0; i < STATS_LAT_BUCKETS - 1 && ns > stats_lat_bound_ns[i];
	    i++)
		;
	atomic_store_explicit(&s->lat[i], atomic_load_explicit(&s->lat[i],
	    memory_order_relaxed) + 1, memory_order_relaxed);
	atomic_store_explicit(&s->lat_sum_ns, atomic_load_explicit(
	    &s->lat_sum_ns, memory_order_relaxed) + ns, memory_order_relaxed);
}

uint64_t	 stats_get(const struct stats *, enum stats_id);
uint64_t	 stats_lat_count(const struct stats *);
uint64_t	 stats_lat_quantile_ns(const struct stats *, double);
void		 stats_sum(struct stats *, const struct stats *);
const char	*stats_name(enum stats_id);
void		 stats_log(const struct stats *, const char *);

#endif
