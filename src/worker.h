/*
 * worker.h: one thread per queue: its own event loop, netlink socket,
 * flow table and counters; only the policy is shared.
 */
#ifndef EMBARGO_WORKER_H
#define EMBARGO_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "conf.h"
#include "event.h"
#include "inspect.h"
#include "policy.h"
#include "queue.h"
#include "stats.h"

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
};

struct worker	*worker_new(unsigned, const struct conf *,
		    struct policy_slot *, struct eventlog *);
int		 worker_start(struct worker *);
void		 worker_stop(struct worker *);
void		 worker_free(struct worker *);
uint64_t	 worker_now_ms(void);

#endif
