/*
 * inspect.h: judge one packet: find its name, decide, log the event.
 */
#ifndef EMBARGO_INSPECT_H
#define EMBARGO_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dns.h"
#include "embargo.h"
#include "record.h"
#include "flow.h"
#include "policy.h"
#include "inject.h"
#include "stats.h"
#include "top.h"

struct ct;
struct learn;
struct quic_crypto;

/* One per queue thread; nothing in it is shared but the learn table. */
struct inspect {
	struct policy		*policy;	/* set before each batch */
	struct flow_table	*flows;
	struct stats		*stats;
	struct record_buf	*events;	/* this thread's, to flush */
	unsigned		 queue;
	uint64_t		 now_ms;	/* monotonic, for flows */
	uint64_t		 wall_ms;	/* for events */
	uint64_t		 flow_timeout_ms;
	uint64_t		 decided_timeout_ms;
	uint8_t			*scratch;	/* pipelined HTTP requests */
	size_t			 scratchlen;
	enum client_policy	 client;	/* the current packet's */
	struct top		*top_names;	/* matched names */
	struct top		*top_clients;	/* clients that matched */
	const struct inject	*inject;	/* NULL: reject drops */
	struct learn		*learn;		/* shared; NULL: none */
	int			 reject;	/* the current packet's */
	int			 refuse;	/* ... answered REFUSED */
	struct quic_crypto	*quic;		/* QUIC Initial keys, ciphers */
	const char		*quic_version;	/* the current packet's */
	const uint8_t		*ip;		/* the current packet */
	size_t			 iplen;
	const uint8_t		*payload;	/* ... its TCP or UDP payload */
	size_t			 plen;
	const char		*capture;	/* embargod -r: the file */
	uint64_t		 capture_packet; /* ... the packet's number */
	struct ct		*ct;		/* conntrack; NULL: none (-r) */
};

void		 inspect_init(struct inspect *, const struct conf *,
		    struct stats *, struct record_log *, unsigned);
void		 inspect_free(struct inspect *);
enum verdict	 inspect_packet(struct inspect *, const uint8_t *, size_t);
size_t		 inspect_expire(struct inspect *);
void		 inspect_flush(struct inspect *);

#endif
