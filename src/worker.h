/*
 * worker.h: one thread per queue: its own event loop, netlink socket,
 * flow table and counters; only the policy is shared.
 */
#ifndef EMBARGO_WORKER_H
#define EMBARGO_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "conf.h"
#include "record.h"
#include "inspect.h"
#include "policy.h"
#include "queue.h"
#include "stats.h"
#include "top.h"

struct event_base;
struct event;

struct worker {
	unsigned		 num;
	pthread_t		 thread;
	int			 started;
	struct event_base	*base;
	struct event		*ev_read;
	struct event		*ev_tick;
	struct queue		 q;
	struct inspect		 in;
	struct stats		 stats;
	struct policy_slot	*slot;
	unsigned		 gen;
	uint32_t		 batch;
	uint32_t		 hold_ms;
	/* receipt times of the batch's packets, for the latency histogram */
	uint64_t		*rx_ns;
	uint32_t		 nrx;
	uint32_t		 rxcap;
	char			*log_hold;	/* its log lines, one write */
	/*
	 * Held by the thread while it works on a batch or expires flows,
	 * and by the main thread to read the flows and top tables; per
	 * batch, not per packet, so it costs nothing on the packet path.
	 */
	pthread_mutex_t		 lock;
	struct top		 top_names;
	struct top		 top_clients;
	/* The thread's last timer tick (clock_mono_ms): the watchdog's. */
	_Atomic uint64_t	 beat;
};

struct worker	*worker_new(unsigned, const struct conf *,
		    struct policy_slot *, struct record_log *,
		    const struct inject *, struct learn *);
int		 worker_start(struct worker *);
void		 worker_stop(struct worker *);
void		 worker_free(struct worker *);

#endif
