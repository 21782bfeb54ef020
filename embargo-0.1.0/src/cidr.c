/*
 * cidr.c: longest-prefix match over a fixed set of prefixes.
 *
 * Every prefix is a range of the 128-bit address space (IPv4 mapped to
 * ::ffff:0:0/96).  Prefixes either nest or are apart, so one sweep over
 * them, sorted by start and then by size, cuts the space into disjoint
 * segments, each carrying the value of the most specific prefix that
 * covers it; a lookup is a binary search.  At most two segments a
 * prefix, no 128-bit integer type (32-bit routers have none).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "xmalloc.h"

struct u128 {
	uint64_t	 hi;
	uint64_t	 lo;
};

struct range {
	struct u128	 start;
	struct u128	 end;		/* inclusive */
	uint32_t	 value;
	uint32_t	 order;		/* insertion order: first one wins */
	struct addr	 net;		/* the prefix, as given */
	uint8_t		 plen;
};

struct cidr_builder {
	struct range	*r;
	size_t		 n;
	size_t		 cap;
};

struct cidr_set {
	struct range	*seg;
	size_t		 n;
	size_t		 prefixes;
};

static int
u128_cmp(const struct u128 *a, const struct u128 *b)
{
	if (a->hi != b->hi)
		return (a->hi < b->hi ? -1 : 1);
	if (a->lo != b->lo)
		return (a->lo < b->lo ? -1 : 1);
	return (0);
}

static struct u128
u128_inc(struct u128 a)
{
	if (++a.lo == 0)
		a.hi++;
	return (a);
}

static struct u128
u128_dec(struct u128 a)
{
	if (a.lo-- == 0)
		a.hi--;
	return (a);
}

/* An address as a number, IPv4 mapped; plen adjusted to 128 bits. */
static struct u128
addr_u128(const struct addr *a, unsigned *plen)
{
	struct u128	 v;
	size_t		 i;

	v.hi = v.lo = 0;
	if (a->family == AF_INET) {
		v.lo = 0xffff00000000ULL | ntohl(a->u.v4.s_addr);
		if (plen != NULL)
			*plen += 96;
		return (v);
	}
	for (i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | a->u.b[i];
		v.lo = v.lo << 8 | a->u.b[8 + i];
	}
	return (v);
}

/* The host bits of a 128-bit prefix length, as a mask. */
static struct u128
hostmask(unsigned plen)
{
	struct u128	 m;

	m.hi = plen >= 64 ? 0 : (plen == 0 ? ~0ULL : ~0ULL >> plen);
	m.lo = plen >= 128 ? 0 : (plen <= 64 ? ~0ULL : ~0ULL >> (plen - 64));
	return (m);
}

/*
 * "10.0.0.0/8", "fd00::/8", or a bare address (a host).  Host bits set
 * beyond the prefix are an error: "10.1.2.3/8" is likely a typo.
 * Returns 0, or -1 with *why set.
 */
int
cidr_parse(const char *s, struct addr *a, unsigned *plen, const char **why)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long	 n;
	unsigned	 max, p;
	struct u128	 v, m;

	if (strlen(s) >= sizeof(buf)) {
		*why = "not an address or prefix";
		return (-1);
	}
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &a->u.v4) == 1) {
		a->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->u.v6) == 1) {
		a->family = AF_INET6;
		max = 128;
	} else {
		*why = "not an address or prefix";
		return (-1);
	}
	*plen = max;
	if (slash != NULL) {
		n = strtoul(slash, &end, 10);
		if (*slash < '0' || *slash > '9' || *end != '\0' || n > max) {
			*why = "bad prefix length";
			return (-1);
		}
		*plen = (unsigned)n;
	}
	p = *plen;
	v = addr_u128(a, &p);
	m = hostmask(p);
	if ((v.hi & m.hi) != 0 || (v.lo & m.lo) != 0) {
		*why = "address has bits set past the prefix length";
		return (-1);
	}
	return (0);
}

const char *
cidr_format(const struct addr *a, unsigned plen, char *buf, size_t size)
{
	char	 ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->u.b, ip, sizeof(ip));
	snprintf(buf, size, "%s/%u", ip, plen);
	return (buf);
}

struct cidr_builder *
cidr_builder_new(void)
{
	return (xcalloc(1, sizeof(struct cidr_builder)));
}

/* Add net/plen with value; -1 for a prefix length out of range. */
int
cidr_builder_add(struct cidr_builder *b, const struct addr *net,
    unsigned plen, uint32_t value)
{
	struct range	*r;
	struct u128	 m;

	if (plen > (net->family == AF_INET ? 32U : 128U))
		return (-1);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->r = xreallocarray(b->r, b->cap, sizeof(*b->r));
	}
	r = &b->r[b->n];
	r->start = addr_u128(net, &plen);
	m = hostmask(plen);
	r->start.hi &= ~m.hi;
	r->start.lo &= ~m.lo;
	r->end.hi = r->start.hi | m.hi;
	r->end.lo = r->start.lo | m.lo;
	r->value = value;
	r->order = (uint32_t)b->n++;
	r->net = *net;
	r->plen = (uint8_t)(net->family == AF_INET ? plen - 96 : plen);
	return (0);
}

/* Start ascending, then the larger range first, then the earlier one. */
static int
range_cmp(const void *va, const void *vb)
{
	const struct range	*a = va, *b = vb;
	int			 c;

	if ((c = u128_cmp(&a->start, &b->start)) != 0)
		return (c);
	if ((c = u128_cmp(&a->end, &b->end)) != 0)
		return (-c);
	return (a->order < b->order ? -1 : a->order > b->order);
}

/* A segment [start, end] of prefix r. */
static void
emit(struct cidr_set *s, struct u128 start, struct u128 end,
    const struct range *r)
{
	struct range	*last = s->n ? &s->seg[s->n - 1] : NULL;

	if (u128_cmp(&start, &end) > 0)
		return;
	/* join a segment that continues the same prefix */
	if (last != NULL && last->order == r->order) {
		struct u128	 next = u128_inc(last->end);

		if (u128_cmp(&next, &start) == 0) {
			last->end = end;
			return;
		}
	}
	s->seg[s->n] = *r;
	s->seg[s->n].start = start;
	s->seg[s->n++].end = end;
}

struct sweep {
	struct cidr_set	 *s;
	struct range	**stack;
	size_t		  depth;
	struct u128	  cur;		/* first address not yet emitted */
	int		  done;		/* cur passed the top of the space */
};

/* Emit the innermost range up to its end and leave it. */
static void
sweep_pop(struct sweep *w)
{
	struct range	*top = w->stack[--w->depth];

	if (!w->done)
		emit(w->s, w->cur, top->end, top);
	if (top->end.hi == ~0ULL && top->end.lo == ~0ULL)
		w->done = 1;		/* nothing lies past it */
	else if (!w->done)
		w->cur = u128_inc(top->end);
}

/*
 * Cut the sorted, nested ranges into disjoint segments.  The stack holds
 * the ranges that cover the current position, innermost on top; an equal
 * range added later is a duplicate and loses to the first.
 */
struct cidr_set *
cidr_builder_finish(struct cidr_builder *b)
{
	struct cidr_set	*s = xcalloc(1, sizeof(*s));
	struct sweep	 w;
	struct range	*r, *top;
	size_t		 i;

	s->prefixes = b->n;
	memset(&w, 0, sizeof(w));
	w.s = s;
	if (b->n > 0) {
		qsort(b->r, b->n, sizeof(*b->r), range_cmp);
		s->seg = xcalloc(2 * b->n + 1, sizeof(*s->seg));
		w.stack = xcalloc(b->n, sizeof(*w.stack));
	}
	for (i = 0; i < b->n; i++) {
		r = &b->r[i];
		top = w.depth ? w.stack[w.depth - 1] : NULL;
		if (top != NULL && u128_cmp(&top->start, &r->start) == 0 &&
		    u128_cmp(&top->end, &r->end) == 0)
			continue;	/* the same prefix again */
		while (w.depth > 0 &&
		    u128_cmp(&w.stack[w.depth - 1]->end, &r->start) < 0)
			sweep_pop(&w);
		if (w.depth > 0 && u128_cmp(&w.cur, &r->start) < 0)
			emit(s, w.cur, u128_dec(r->start),
			    w.stack[w.depth - 1]);
		w.cur = r->start;
		w.done = 0;
		w.stack[w.depth++] = r;
	}
	while (w.depth > 0)
		sweep_pop(&w);
	free(w.stack);
	free(b->r);
	free(b);
	return (s);
}

/*
 * The value of the most specific prefix holding a, and that prefix when
 * net is not NULL; 0 when none does.
 */
int
cidr_lookup(const struct cidr_set *s, const struct addr *a, uint32_t *value,
    struct addr *net, unsigned *plen)
{
	struct u128	 v = addr_u128(a, NULL);
	size_t		 lo = 0, hi = s->n, mid;

	while (lo < hi) {		/* first segment starting after v */
		mid = lo + (hi - lo) / 2;
		if (u128_cmp(&s->seg[mid].start, &v) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || u128_cmp(&v, &s->seg[lo - 1].end) > 0)
		return (0);
	*value = s->seg[lo - 1].value;
	if (net != NULL) {
		*net = s->seg[lo - 1].net;
		*plen = s->seg[lo - 1].plen;
	}
	return (1);
}

size_t
cidr_count(const struct cidr_set *s)
{
	return (s->prefixes);
}

void
cidr_free(struct cidr_set *s)
{
	if (s == NULL)
		return;
	free(s->seg);
	free(s);
}
