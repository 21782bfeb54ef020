/*
 * inspect.h: judge one packet: find its name, decide, log the event.
 */
#ifndef EMBARGO_INSPECT_H
#define EMBARGO_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "embargo.h"
#include "event.h"
#include "flow.h"
#include "policy.h"
#include "stats.h"
#include "top.h"

/* One per queue thread; nothing in it is shared. */
struct inspect {
	struct policy		*policy;	/* set before each batch */
	struct flow_table	*flows;
	struct stats		*stats;
	struct eventlog		*events;
	unsigned		 queue;
	uint64_t		 now_ms;	/* monotonic, for flows */
	uint64_t		 wall_ms;	/* for events */
	uint64_t		 flow_timeout_ms;
	uint64_t		 decided_timeout_ms;
	uint8_t			*scratch;	/* TLS handshake assembly */
	size_t			 scratchlen;
	enum client_policy	 client;	/* the current packet's */
	struct top		*top_names;	/* matched names */
	struct top		*top_clients;	/* clients that matched */
};

void		 inspect_init(struct inspect *, const struct conf *,
		    struct stats *, struct eventlog *, unsigned);
void		 inspect_free(struct inspect *);
enum verdict	 inspect_packet(struct inspect *, const uint8_t *, size_t);
size_t		 inspect_expire(struct inspect *);

#endif
