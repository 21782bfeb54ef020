/*
 * flow.c: a fixed-size table of flows, found by their tuple.
 *
 * Everything is allocated when the table is made: the entries, the hash
 * heads, and a pool of gather buffers that only flows in the middle of
 * a message hold, each with room in front for its flow's reader state
 * (f->aux).  Entries and buffers never used are never written (they are
 * handed out in order before the free lists are used), so their pages
 * cost no memory until traffic needs them: an idle daemon stays small
 * whatever its bounds, and the bounds are still the most it can ever
 * take.  Entries are chained by index; a least-recently-used list lets
 * expiry stop at the first flow that is still fresh.  A full table
 * gives up a flow for a new one, a decided or half-open one first
 * (flow_victim()); an empty pool is the caller's bound to count.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "xmalloc.h"

struct flow_table {
	struct flow	*flows;
	uint32_t	 max;
	uint32_t	 count;
	uint32_t	*heads;		/* index + 1 */
	uint32_t	 nheads;	/* a power of two */
	uint32_t	 freelist;	/* index + 1, chained through hnext */
	uint32_t	 fresh;		/* flows[fresh..max) never used */
	uint32_t	 lru_old;	/* least recently used: index + 1 */
	uint32_t	 lru_new;
	uint8_t		*bufmem;
	uint32_t	*freebufs;
	uint32_t	 nfreebufs;
	uint32_t	 nbufs;
	uint32_t	 freshbufs;	/* buffers [freshbufs..nbufs) never used */
	uint32_t	 bufsize;
	size_t		 auxsize;	/* each buffer's state in front */
	size_t		 slot;		/* auxsize + bufsize, aligned */
};

static uint32_t	tuple_hash(const struct tuple *);
static int	tuple_eq(const struct tuple *, const struct tuple *);
static void	lru_unlink(struct flow_table *, struct flow *);
static void	lru_append(struct flow_table *, struct flow *);
static struct flow *flow_victim(struct flow_table *);

static inline uint32_t
idx(const struct flow_table *ft, const struct flow *f)
{
	return ((uint32_t)(f - ft->flows));
}

/*
 * Make a table of max flows and nbufs gather buffers of bufsize bytes,
 * each with auxsize bytes of state for its flow's reader in front
 * (f->aux, aligned for any type).
 */
struct flow_table *
flow_table_new(uint32_t max, uint32_t nbufs, uint32_t bufsize, size_t auxsize)
{
	struct flow_table	*ft;

	ft = xcalloc(1, sizeof(*ft));
	ft->max = max;
	ft->flows = xcalloc(max, sizeof(*ft->flows));
	for (ft->nheads = 1; ft->nheads < max; ft->nheads <<= 1)
		;
	ft->heads = xcalloc(ft->nheads, sizeof(*ft->heads));
	ft->nbufs = nbufs;
	ft->bufsize = bufsize;
	ft->auxsize = (auxsize + 15) & ~(size_t)15;
	ft->slot = (ft->auxsize + bufsize + 15) & ~(size_t)15;
	ft->bufmem = xcalloc(nbufs, ft->slot);
	ft->freebufs = xcalloc(nbufs, sizeof(*ft->freebufs));
	return (ft);
}

void
flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	free(ft->flows);
	free(ft->heads);
	free(ft->bufmem);
	free(ft->freebufs);
	free(ft);
}

/* FNV-1a over the tuple's bytes; the table holds no secrets to guard. */
static uint32_t
tuple_hash(const struct tuple *t)
{
	const uint8_t	*parts[2] = { t->src.u.b, t->dst.u.b };
	uint32_t	 h = 2166136261U;
	size_t		 i, n = (t->src.family == AF_INET) ? 4 : 16;
	int		 p;

	for (p = 0; p < 2; p++)
		for (i = 0; i < n; i++)
			h = (h ^ parts[p][i]) * 16777619U;
	h = (h ^ t->sport) * 16777619U;
	h = (h ^ t->dport) * 16777619U;
	h = (h ^ t->l4) * 16777619U;
	return (h ^ (h >> 15));
}

static int
tuple_eq(const struct tuple *a, const struct tuple *b)
{
	size_t	 n = (a->src.family == AF_INET) ? 4 : 16;

	return (a->src.family == b->src.family && a->sport == b->sport &&
	    a->dport == b->dport && a->l4 == b->l4 &&
	    memcmp(a->src.u.b, b->src.u.b, n) == 0 &&
	    memcmp(a->dst.u.b, b->dst.u.b, n) == 0);
}

static void
lru_unlink(struct flow_table *ft, struct flow *f)
{
	if (f->prev)
		ft->flows[f->prev - 1].next = f->next;
	else
		ft->lru_old = f->next;
	if (f->next)
		ft->flows[f->next - 1].prev = f->prev;
	else
		ft->lru_new = f->prev;
	f->prev = f->next = 0;
}

static void
lru_append(struct flow_table *ft, struct flow *f)
{
	f->prev = ft->lru_new;
	f->next = 0;
	if (ft->lru_new)
		ft->flows[ft->lru_new - 1].next = idx(ft, f) + 1;
	else
		ft->lru_old = idx(ft, f) + 1;
	ft->lru_new = idx(ft, f) + 1;
}

struct flow *
flow_find(struct flow_table *ft, const struct tuple *t)
{
	uint32_t	 i = ft->heads[tuple_hash(t) & (ft->nheads - 1)];

	for (; i != 0; i = ft->flows[i - 1].hnext)
		if (tuple_eq(&ft->flows[i - 1].t, t))
			return (&ft->flows[i - 1]);
	return (NULL);
}

/*
 * The flow to give up when the table is full: among the eight least
 * recently used, a decided one (its packets are the kernel's already),
 * else one whose client never acknowledged the server (a SYN, perhaps
 * one of a flood, with nothing after it), else the least recently used
 * of all.
 */
static struct flow *
flow_victim(struct flow_table *ft)
{
	struct flow	*f, *quiet = NULL;
	uint32_t	 i;
	int		 n;

	for (i = ft->lru_old, n = 0; i != 0 && n < 8; i = f->next, n++) {
		f = &ft->flows[i - 1];
		if (f->state == FLOW_DECIDED)
			return (f);
		if (quiet == NULL && f->state == FLOW_OPEN && !f->answered)
			quiet = f;
	}
	return (quiet != NULL ? quiet : &ft->flows[ft->lru_old - 1]);
}

/*
 * A new flow for t.  A full table gives up a flow for it (flow_victim())
 * and says so in *evicted.
 */
struct flow *
flow_add(struct flow_table *ft, const struct tuple *t, uint64_t now,
    int *evicted)
{
	struct flow	*f;
	uint32_t	 h;

	*evicted = 0;
	if (ft->freelist == 0 && ft->fresh < ft->max)
		f = &ft->flows[ft->fresh++];
	else {
		if (ft->freelist == 0) {
			flow_remove(ft, flow_victim(ft));
			*evicted = 1;
		}
		f = &ft->flows[ft->freelist - 1];
		ft->freelist = f->hnext;
	}
	memset(f, 0, sizeof(*f));
	f->t = *t;
	f->last = now;
	h = tuple_hash(t) & (ft->nheads - 1);
	f->hnext = ft->heads[h];
	ft->heads[h] = idx(ft, f) + 1;
	lru_append(ft, f);
	ft->count++;
	return (f);
}

/* A packet was seen on f: it becomes the most recently used. */
void
flow_touch(struct flow_table *ft, struct flow *f, uint64_t now)
{
	f->last = now;
	lru_unlink(ft, f);
	lru_append(ft, f);
}

void
flow_remove(struct flow_table *ft, struct flow *f)
{
	uint32_t	*p = &ft->heads[tuple_hash(&f->t) & (ft->nheads - 1)];
	uint32_t	 me = idx(ft, f) + 1;

	while (*p != 0 && *p != me)
		p = &ft->flows[*p - 1].hnext;
	if (*p == me)
		*p = f->hnext;
	lru_unlink(ft, f);
	flow_release_buffer(ft, f);
	f->hnext = ft->freelist;
	ft->freelist = me;
	ft->count--;
}

/* A buffer slot from the pool: its state's address; NULL when empty. */
static uint8_t *
slot_take(struct flow_table *ft)
{
	uint32_t	 b;

	if (ft->nfreebufs > 0)
		b = ft->freebufs[--ft->nfreebufs];
	else if (ft->freshbufs < ft->nbufs)
		b = ft->freshbufs++;
	else
		return (NULL);
	return (ft->bufmem + (size_t)b * ft->slot);
}

static void
slot_give(struct flow_table *ft, void *aux)
{
	ft->freebufs[ft->nfreebufs++] =
	    (uint32_t)((size_t)((uint8_t *)aux - ft->bufmem) / ft->slot);
}

/* Give f a gather buffer; -1 when the pool is empty. */
int
flow_gather(struct flow_table *ft, struct flow *f)
{
	if (f->st.buf != NULL)
		return (0);
	if ((f->aux = slot_take(ft)) == NULL)
		return (-1);
	stream_init(&f->st, (uint8_t *)f->aux + ft->auxsize, ft->bufsize,
	    f->base);
	return (0);
}

/*
 * Give a gathering flow a second buffer (f->alt its state, *buf its
 * bytes, bufsize long), for a second view of its stream; -1 when the
 * pool is empty.
 */
int
flow_gather_second(struct flow_table *ft, struct flow *f, uint8_t **buf)
{
	if (f->st.buf == NULL || (f->alt == NULL &&
	    (f->alt = slot_take(ft)) == NULL))
		return (-1);
	*buf = (uint8_t *)f->alt + ft->auxsize;
	return (0);
}

/* Give the second buffer back, if f has one. */
void
flow_release_second(struct flow_table *ft, struct flow *f)
{
	if (f->alt != NULL)
		slot_give(ft, f->alt);
	f->alt = NULL;
}

void
flow_release_buffer(struct flow_table *ft, struct flow *f)
{
	flow_release_second(ft, f);
	if (f->st.buf == NULL)
		return;
	slot_give(ft, f->aux);
	f->st.buf = NULL;
	f->aux = NULL;
	f->reading = 0;
}

/*
 * Remove flows idle for longer than their timeout: decided flows after
 * decided_ms (they only wait for packets already queued), the others
 * after idle_ms.  Returns how many went.
 */
size_t
flow_expire(struct flow_table *ft, uint64_t now, uint64_t idle_ms,
    uint64_t decided_ms)
{
	return (flow_expire_ask(ft, now, idle_ms, decided_ms, NULL, NULL));
}

/*
 * As flow_expire(), but an undecided flow past idle_ms goes only when
 * ask (if not NULL) says FLOW_FORGET; FLOW_KEEP makes it the most
 * recently used, as if a packet had come.  Returns how many went.
 */
size_t
flow_expire_ask(struct flow_table *ft, uint64_t now, uint64_t idle_ms,
    uint64_t decided_ms, flow_ask_cb ask, void *arg)
{
	struct flow	*f;
	uint32_t	 i, next;
	uint64_t	 limit;
	size_t		 n = 0;

	for (i = ft->lru_old; i != 0; i = next) {
		f = &ft->flows[i - 1];
		next = f->next;
		if (now - f->last < (decided_ms < idle_ms ? decided_ms :
		    idle_ms))
			break;		/* everything after is fresher */
		limit = (f->state == FLOW_DECIDED) ? decided_ms : idle_ms;
		if (now - f->last < limit)
			continue;
		if (f->state != FLOW_DECIDED && ask != NULL)
			switch (ask(f, arg)) {
			case FLOW_KEEP:
				flow_touch(ft, f, now);
				continue;
			case FLOW_LATER:
				continue;
			case FLOW_FORGET:
				break;
			}
		flow_remove(ft, f);
		n++;
	}
	return (n);
}

/* The flows, least recently used first: flow_first, then flow_next. */
const struct flow *
flow_first(const struct flow_table *ft)
{
	return (ft->lru_old ? &ft->flows[ft->lru_old - 1] : NULL);
}

const struct flow *
flow_next(const struct flow_table *ft, const struct flow *f)
{
	return (f->next ? &ft->flows[f->next - 1] : NULL);
}

uint32_t
flow_count(const struct flow_table *ft)
{
	return (ft->count);
}
