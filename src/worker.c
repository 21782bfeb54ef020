/*
 * worker.c: a queue thread.  Its event loop waits on the netlink
 * socket; each wakeup drains up to a batch of packets, judges them and
 * sends their verdicts together.  A timer expires idle flows.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "clock.h"
#include "ct.h"
#include "log.h"
#include "worker.h"
#include "xmalloc.h"

/* A thread's held log lines, written in one piece (log.c). */
#define WORKER_LOG_HOLD	PIPE_BUF

_Static_assert(STAT_VERDICT_PASS + VERDICT_DROP == STAT_VERDICT_DROP,
    "verdict counters follow enum verdict");

static void	 worker_read(evutil_socket_t, short, void *);
static void	 worker_tick(evutil_socket_t, short, void *);
static void	 worker_packet(const struct queue_pkt *, void *);
static void	 worker_latency(struct worker *);
static void	*worker_main(void *);
static void	 worker_refresh(struct worker *);

/*
 * Open queue num and prepare its thread (not yet running): everything
 * that needs privileges or may fail.  Returns NULL after logging why;
 * start-up fails then.
 */
struct worker *
worker_new(unsigned num, const struct conf *conf, struct policy_slot *slot,
    struct record_log *events, const struct inject *inject, struct learn *learn)
{
	struct worker	*w;

	w = xcalloc(1, sizeof(*w));
	w->num = num;
	w->slot = slot;
	w->batch = conf->limit[LIMIT_BATCH];
	w->hold_ms = conf->limit[LIMIT_HOLD_MS];
	/* a datagram may hold more than one packet: room for a few more */
	w->rxcap = w->batch + 64;
	w->rx_ns = xcalloc(w->rxcap, sizeof(*w->rx_ns));
	w->log_hold = xmalloc(WORKER_LOG_HOLD);
	if (queue_open(&w->q, num, conf, &w->stats) == -1) {
		free(w->log_hold);
		free(w->rx_ns);
		free(w);
		return (NULL);
	}
	inspect_init(&w->in, conf, &w->stats, events, num);
	w->in.policy = policy_slot_get(slot, &w->gen);
	w->in.top_names = &w->top_names;
	w->in.top_clients = &w->top_clients;
	w->in.inject = inject;
	w->in.learn = learn;
	/* conntrack, asked before an idle undecided flow is forgotten */
	w->in.ct = ct_open();
	pthread_mutex_init(&w->lock, NULL);
	return (w);
}

/* Take up a newly published policy, if there is one. */
static void
worker_refresh(struct worker *w)
{
	if (atomic_load_explicit(&w->slot->gen, memory_order_acquire) ==
	    w->gen)
		return;
	policy_unref(w->in.policy);
	w->in.policy = policy_slot_get(w->slot, &w->gen);
}

/* Judge one packet and queue its verdict. */
static void
worker_packet(const struct queue_pkt *p, void *arg)
{
	struct worker	*w = arg;
	enum verdict	 v;

	stats_inc(&w->stats, STAT_PACKETS);
	if (!queue_returned(&w->q, p, &v))
		v = inspect_packet(&w->in, p->data, p->len);
	stats_inc(&w->stats, (enum stats_id)(STAT_VERDICT_PASS + v));
	queue_verdict(&w->q, p, v);
	if (w->nrx < w->rxcap)
		w->rx_ns[w->nrx++] = w->q.rx_ns;
}

/*
 * The verdicts of the batch are sent: each packet's time in the daemon
 * goes into the histogram (two clock reads a packet in all, from the
 * vDSO).  A packet's wait in the kernel queue before its recv() is not
 * in it; the kernel's queue counters and the round-trip benchmark
 * (tests/bench/latency.sh) show that.
 */
static void
worker_latency(struct worker *w)
{
	uint64_t	 now;
	uint32_t	 i;

	if (w->nrx == 0)
		return;
	now = queue_now_ns();
	for (i = 0; i < w->nrx; i++)
		stats_lat_add(&w->stats, now > w->rx_ns[i] ? now - w->rx_ns[i] :
		    0);
	w->nrx = 0;
}

/*
 * Drain the socket: until it is empty, or a batch is full, or the
 * batch has been open for hold-ms; then send the verdicts.  A full
 * socket stays readable, so the loop comes straight back.
 */
static void
worker_read(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	uint64_t	 start;
	uint32_t	 n = 0;
	int		 r;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->lock);
	worker_refresh(w);
	start = w->in.now_ms = clock_mono_ms();
	w->in.wall_ms = clock_wall_ms();
	while ((r = queue_read(&w->q, worker_packet, w)) > 0) {
		n += (uint32_t)r;
		if (n >= w->batch) {
			stats_inc(&w->stats, STAT_BOUND_BATCH);
			break;
		}
		if ((n & 15) == 0 && clock_mono_ms() - start >= w->hold_ms) {
			stats_inc(&w->stats, STAT_BOUND_HOLD);
			break;
		}
	}
	queue_flush(&w->q);
	worker_latency(w);
	/* the events after the verdicts: their write is not the packets' wait */
	inspect_flush(&w->in);
	log_flush();
	pthread_mutex_unlock(&w->lock);
	if (n > 0)
		stats_inc(&w->stats, STAT_BATCHES);
}

static void
worker_tick(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->lock);
	/* an idle queue lets go of a replaced policy within a second too */
	worker_refresh(w);
	w->in.now_ms = clock_mono_ms();
	inspect_expire(&w->in);
	inspect_flush(&w->in);
	log_flush();
	pthread_mutex_unlock(&w->lock);
	atomic_store(&w->beat, w->in.now_ms);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	log_hold(w->log_hold, WORKER_LOG_HOLD);
	if (event_base_dispatch(w->base) == -1)
		log_warnx("queue %u: event loop failed", w->num);
	log_hold(NULL, 0);
	return (NULL);
}

/*
 * Give the worker its event loop (after the daemon detached: a loop must
 * not cross a fork) and start its thread.
 */
int
worker_start(struct worker *w)
{
	struct timeval	 tick = { 1, 0 };

	if ((w->base = event_base_new()) == NULL)
		fatalx("queue %u: event_base_new", w->num);
	w->ev_read = event_new(w->base, queue_fd(&w->q), EV_READ | EV_PERSIST,
	    worker_read, w);
	w->ev_tick = event_new(w->base, -1, EV_PERSIST, worker_tick, w);
	if (w->ev_read == NULL || w->ev_tick == NULL ||
	    event_add(w->ev_read, NULL) == -1 ||
	    event_add(w->ev_tick, &tick) == -1)
		fatalx("queue %u: events", w->num);
	atomic_store(&w->beat, clock_mono_ms());
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		log_warnx("queue %u: cannot start its thread", w->num);
		return (-1);
	}
	w->started = 1;
	return (0);
}

/* Stop the thread after its current batch and wait for it. */
void
worker_stop(struct worker *w)
{
	if (!w->started)
		return;
	event_base_loopbreak(w->base);
	pthread_join(w->thread, NULL);
	w->started = 0;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	worker_stop(w);
	if (w->ev_read != NULL)
		event_free(w->ev_read);
	if (w->ev_tick != NULL)
		event_free(w->ev_tick);
	if (w->base != NULL)
		event_base_free(w->base);
	queue_close(&w->q);
	policy_unref(w->in.policy);
	inspect_free(&w->in);
	pthread_mutex_destroy(&w->lock);
	free(w->log_hold);
	free(w->rx_ns);
	free(w);
}
