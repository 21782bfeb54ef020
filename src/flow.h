/*
 * flow.h: the bounded table of TCP (and QUIC) flows under inspection.
 */
#ifndef EMBARGO_FLOW_H
#define EMBARGO_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"
#include "quic.h"
#include "stream.h"

enum flow_state {
	FLOW_OPEN,	/* seen, nothing judged yet */
	FLOW_GATHER,	/* a message is being gathered */
	FLOW_DECIDED	/* judged; kept briefly for packets in flight */
};

struct flow {
	struct tuple	 t;
	uint64_t	 last;		/* ms, last packet */
	uint32_t	 hnext;		/* hash chain: index + 1, 0 ends */
	uint32_t	 prev;		/* LRU list: index + 1 */
	uint32_t	 next;
	uint8_t		 state;
	uint8_t		 proto;		/* enum proto, once known */
	uint8_t		 verdict;	/* enum verdict, once decided */
	uint8_t		 based;		/* base sequence number known */
	uint32_t	 base;		/* sequence number of byte 0 */
	uint32_t	 requests;	/* HTTP requests judged before base */
	uint8_t		 reading;	/* aux holds a reader's state */
	uint8_t		 answered;	/* the client acknowledged the server */
	struct stream	 st;		/* st.buf set while gathering */
	void		*aux;		/* with st.buf: the reader's state */
	void		*alt;		/* a second buffer's state, or NULL */
	struct quic_flow q;		/* QUIC: whose keys its Initials use */
};

struct flow_table;

/* What becomes of an undecided flow past its idle time (flow_expire_ask). */
enum flow_fate {
	FLOW_FORGET,	/* removed */
	FLOW_KEEP,	/* kept: its idle time starts again */
	FLOW_LATER	/* left as it is, for a later pass to ask */
};

typedef enum flow_fate (*flow_ask_cb)(const struct flow *, void *);

struct flow_table *flow_table_new(uint32_t, uint32_t, uint32_t, size_t);
void		 flow_table_free(struct flow_table *);
struct flow	*flow_find(struct flow_table *, const struct tuple *);
struct flow	*flow_add(struct flow_table *, const struct tuple *,
		    uint64_t, int *);
void		 flow_touch(struct flow_table *, struct flow *, uint64_t);
void		 flow_remove(struct flow_table *, struct flow *);
int		 flow_gather(struct flow_table *, struct flow *);
int		 flow_gather_second(struct flow_table *, struct flow *,
		    uint8_t **);
void		 flow_release_second(struct flow_table *, struct flow *);
void		 flow_release_buffer(struct flow_table *, struct flow *);
size_t		 flow_expire(struct flow_table *, uint64_t, uint64_t,
		    uint64_t);
size_t		 flow_expire_ask(struct flow_table *, uint64_t, uint64_t,
		    uint64_t, flow_ask_cb, void *);
uint32_t	 flow_count(const struct flow_table *);
const struct flow *flow_first(const struct flow_table *);
const struct flow *flow_next(const struct flow_table *, const struct flow *);

#endif
