/*
 * stream.h: gather a TCP client's first bytes from segments that may
 * come out of order, overlap or repeat, into a bounded buffer.
 */
#ifndef EMBARGO_STREAM_H
#define EMBARGO_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define STREAM_RANGES	8	/* separate filled ranges kept */

enum stream_res {
	STREAM_OK,
	STREAM_PAST_END,	/* data beyond the buffer: a bound */
	STREAM_TOO_SCATTERED	/* more holes than STREAM_RANGES */
};

struct stream_range {
	uint32_t	 start;
	uint32_t	 end;
};

struct stream {
	uint8_t			*buf;
	uint32_t		 cap;
	uint32_t		 base;		/* sequence number of buf[0] */
	int			 nr;
	struct stream_range	 r[STREAM_RANGES];	/* sorted, apart */
	int			 conflict;	/* two copies differed */
	int			 other;		/* keep the copy Linux does not */
};

void		 stream_init(struct stream *, uint8_t *, uint32_t, uint32_t);
enum stream_res	 stream_add(struct stream *, uint32_t, const uint8_t *,
		    size_t);
int		 stream_differs(const struct stream *, uint32_t,
		    const uint8_t *, size_t);
void		 stream_copy(struct stream *, const struct stream *);
uint32_t	 stream_contiguous(const struct stream *);
void		 stream_consume(struct stream *, uint32_t);

#endif
