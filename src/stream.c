/*
 * stream.c: the bytes a TCP client sent, in order, from its first one.
 *
 * Segments are placed by sequence number relative to the stream's base.
 * Where a segment overlaps bytes already present, the copy kept is the
 * one the Linux receiver keeps, so that a crafted overlap cannot show
 * us one name and the server another: bytes from the start on, which
 * the receiver has delivered in order, are never replaced; out of
 * order, a segment that starts before the bytes it overlaps, or at the
 * same place and runs past their end, replaces them (tcp_data_queue_ofo
 * puts a covering segment in place of the covered one, and delivery in
 * sequence order trims the later-starting one); otherwise the bytes
 * already there stay.  When the copies differ, st->conflict says so:
 * a receiver other than Linux may keep the other one.  Bytes before
 * the base (old retransmissions) and beyond the buffer are ignored,
 * the latter reported so that the caller can count a bound.
 *
 * A stream made with other set keeps, where copies differ, the copy
 * Linux does not: the view of a receiver that never got the bytes
 * Linux delivered (they were lost between the daemon and the server,
 * or meant to be), or that lets later copies win.  Its owner judges the
 * flow by both views.
 */
#include "config.h"

#include <string.h>

#include "stream.h"

static int	place(const struct stream *, uint32_t, size_t, uint32_t *,
		    uint32_t *, uint32_t *);
static int	range_differs(const struct stream *,
		    const struct stream_range *, uint32_t, uint32_t,
		    const uint8_t *);
static void	fill_gaps(struct stream *, uint32_t, uint32_t,
		    const uint8_t *);
static void	merge(struct stream *, uint32_t, uint32_t);
static void	overlap(struct stream *, uint32_t, uint32_t,
		    const uint8_t *);

/* Start an empty stream whose first byte has sequence number base. */
void
stream_init(struct stream *st, uint8_t *buf, uint32_t cap, uint32_t base)
{
	st->buf = buf;
	st->cap = cap;
	st->base = base;
	st->nr = 0;
	st->conflict = 0;
	st->other = 0;
}

/*
 * Where len bytes at sequence number seq go: [*a,*b) in the buffer,
 * after *skip bytes of old retransmission (sequence arithmetic is
 * modulo 2^32: a segment that starts "before" the base by less than
 * 2^31 is old).  PLACE_NONE when nothing is left, PLACE_BEYOND when it
 * starts past the buffer, PLACE_CUT when its end does not fit.
 */
enum { PLACE_NONE, PLACE_WHOLE, PLACE_CUT, PLACE_BEYOND };

static int
place(const struct stream *st, uint32_t seq, size_t len, uint32_t *a,
    uint32_t *b, uint32_t *skip)
{
	uint32_t	 off = seq - st->base;

	*skip = 0;
	if (len == 0)
		return (PLACE_NONE);
	if (off >= 0x80000000U) {		/* starts before the base */
		*skip = st->base - seq;
		if (*skip >= len)
			return (PLACE_NONE);
		off = 0;
	}
	if (off >= st->cap)
		return (PLACE_BEYOND);
	*a = off;
	*b = (len - *skip > st->cap - off) ? st->cap :
	    off + (uint32_t)(len - *skip);
	return (*b - *a < len - *skip ? PLACE_CUT : PLACE_WHOLE);
}

/* Do data[] for [a,b) and the bytes of range r differ where they meet? */
static int
range_differs(const struct stream *st, const struct stream_range *r,
    uint32_t a, uint32_t b, const uint8_t *data)
{
	uint32_t	 lo = a > r->start ? a : r->start;
	uint32_t	 hi = b < r->end ? b : r->end;

	return (lo < hi && memcmp(st->buf + lo, data + (lo - a), hi - lo) != 0);
}

/* Would [seq, seq+len) bring bytes that differ from those present? */
int
stream_differs(const struct stream *st, uint32_t seq, const uint8_t *data,
    size_t len)
{
	uint32_t	 a, b, skip;
	int		 i, where;

	where = place(st, seq, len, &a, &b, &skip);
	if (where == PLACE_NONE || where == PLACE_BEYOND)
		return (0);
	for (i = 0; i < st->nr; i++)
		if (range_differs(st, &st->r[i], a, b, data + skip))
			return (1);
	return (0);
}

/*
 * Where [a,b) overlaps bytes already present: note copies that differ,
 * and let the new one win where the Linux receiver lets it (see above).
 */
static void
overlap(struct stream *st, uint32_t a, uint32_t b, const uint8_t *data)
{
	const struct stream_range	*r;
	uint32_t			 lo, hi;
	int				 i, linux_takes;

	for (i = 0; i < st->nr; i++) {
		r = &st->r[i];
		if (!range_differs(st, r, a, b, data))
			continue;
		st->conflict = 1;
		linux_takes = r->start != 0 && (a < r->start ||
		    (a == r->start && b > r->end));
		lo = a > r->start ? a : r->start;
		hi = b < r->end ? b : r->end;
		if (linux_takes != st->other)
			memcpy(st->buf + lo, data + (lo - a), hi - lo);
	}
}

/* Copy data[] for [a,b) into the buffer wherever no range covers it. */
static void
fill_gaps(struct stream *st, uint32_t a, uint32_t b, const uint8_t *data)
{
	uint32_t	 pos = a, gap_end;
	int		 i;

	for (i = 0; i <= st->nr && pos < b; i++) {
		gap_end = (i < st->nr && st->r[i].start < b) ?
		    st->r[i].start : b;
		if (gap_end > pos)
			memcpy(st->buf + pos, data + (pos - a), gap_end - pos);
		if (i < st->nr && st->r[i].end > pos)
			pos = st->r[i].end;
		if (pos < gap_end)
			pos = gap_end;
	}
}

/* Add [a,b) to the sorted, disjoint ranges, joining what touches. */
static void
merge(struct stream *st, uint32_t a, uint32_t b)
{
	int	 i = 0, j, k;

	while (i < st->nr && st->r[i].end < a)
		i++;
	for (j = i; j < st->nr && st->r[j].start <= b; j++) {
		if (st->r[j].start < a)
			a = st->r[j].start;
		if (st->r[j].end > b)
			b = st->r[j].end;
	}
	/* ranges i..j-1 collapse into one at i */
	if (j == i) {
		memmove(&st->r[i + 1], &st->r[i],
		    (size_t)(st->nr - i) * sizeof(st->r[0]));
		st->nr++;
	} else if (j > i + 1) {
		k = j - i - 1;
		memmove(&st->r[i + 1], &st->r[j],
		    (size_t)(st->nr - j) * sizeof(st->r[0]));
		st->nr -= k;
	}
	st->r[i].start = a;
	st->r[i].end = b;
}

/* Place a segment (see place()). */
enum stream_res
stream_add(struct stream *st, uint32_t seq, const uint8_t *data, size_t len)
{
	uint32_t	 a, b, skip;
	int		 i, touches = 0, where;

	switch ((where = place(st, seq, len, &a, &b, &skip))) {
	case PLACE_NONE:
		return (STREAM_OK);
	case PLACE_BEYOND:
		return (STREAM_PAST_END);
	default:
		break;
	}
	for (i = 0; i < st->nr; i++)
		if (st->r[i].end >= a && st->r[i].start <= b)
			touches = 1;
	if (!touches && st->nr == STREAM_RANGES)
		return (STREAM_TOO_SCATTERED);
	overlap(st, a, b, data + skip);
	fill_gaps(st, a, b, data + skip);
	merge(st, a, b);
	return (where == PLACE_CUT ? STREAM_PAST_END : STREAM_OK);
}

/* How many bytes from the start are present without a hole. */
uint32_t
stream_contiguous(const struct stream *st)
{
	return (st->nr > 0 && st->r[0].start == 0 ? st->r[0].end : 0);
}

/* Make dst, with its own buffer of the same size, a copy of src. */
void
stream_copy(struct stream *dst, const struct stream *src)
{
	uint8_t	*buf = dst->buf;

	*dst = *src;
	dst->buf = buf;
	if (src->nr > 0)
		memcpy(buf, src->buf, src->r[src->nr - 1].end);
}

/*
 * Drop the first n contiguous bytes (a DNS message over TCP that has
 * been judged) and move the rest to the front.
 */
void
stream_consume(struct stream *st, uint32_t n)
{
	int	 i;

	if (n == 0 || n > stream_contiguous(st))
		return;
	memmove(st->buf, st->buf + n, st->r[st->nr - 1].end - n);
	for (i = 0; i < st->nr; i++) {
		st->r[i].start = st->r[i].start > n ? st->r[i].start - n : 0;
		st->r[i].end -= n;
	}
	if (st->r[0].start == 0 && st->r[0].end == 0) {
		memmove(&st->r[0], &st->r[1],
		    (size_t)(st->nr - 1) * sizeof(st->r[0]));
		st->nr--;
	}
	st->base += n;
}
