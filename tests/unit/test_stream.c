/*
 * test_stream.c: gathering a client's bytes from segments in any order.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stream.h"

static const uint8_t text[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* Add text[a..b) at sequence base + a. */
static enum stream_res
put(struct stream *st, uint32_t base, uint32_t a, uint32_t b)
{
	return (stream_add(st, base + a, text + a, b - a));
}

static void
test_in_order(void **state)
{
	uint8_t		 buf[64];
	struct stream	 st;

	(void)state;
	stream_init(&st, buf, sizeof(buf), 1000);
	assert_int_equal(put(&st, 1000, 0, 10), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 10);
	assert_int_equal(put(&st, 1000, 10, 36), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 36);
	assert_memory_equal(buf, text, 36);
	assert_int_equal(st.nr, 1);
}

static void
test_out_of_order(void **state)
{
	uint8_t		 buf[64];
	struct stream	 st;

	(void)state;
	stream_init(&st, buf, sizeof(buf), 5);
	assert_int_equal(put(&st, 5, 20, 30), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 0);
	assert_int_equal(put(&st, 5, 10, 20), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 0);
	assert_int_equal(st.nr, 1);		/* 10..30 joined */
	assert_int_equal(put(&st, 5, 0, 10), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 30);
	assert_memory_equal(buf, text, 30);
}

/*
 * Overlaps keep what the Linux receiver keeps: a segment that starts
 * before the bytes it overlaps (or at the same place and runs past
 * them) replaces them out of order; bytes from the start on, delivered
 * in order, are never replaced; copies that differ are noted.
 */
static void
test_overlap_linux(void **state)
{
	uint8_t		 buf[64], evil[36];
	struct stream	 st;

	(void)state;
	memset(evil, 'X', sizeof(evil));
	/* out of order [5,15), then [0,20) covering it: the new one wins */
	stream_init(&st, buf, sizeof(buf), 0);
	assert_int_equal(put(&st, 0, 5, 15), STREAM_OK);
	assert_int_equal(st.conflict, 0);
	assert_int_equal(stream_add(&st, 0, evil, 20), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 20);
	assert_memory_equal(buf, evil, 20);
	assert_int_equal(st.conflict, 1);
	assert_int_equal(st.nr, 1);
	/* from the start on, the first copy stays (delivered in order) */
	stream_init(&st, buf, sizeof(buf), 0);
	assert_int_equal(put(&st, 0, 0, 10), STREAM_OK);
	assert_int_equal(stream_add(&st, 0, evil, 20), STREAM_OK);
	assert_memory_equal(buf, text, 10);
	assert_memory_equal(buf + 10, evil, 10);
	assert_int_equal(st.conflict, 1);
	/* the same start and longer: replaces (the decoy, then the name) */
	stream_init(&st, buf, sizeof(buf), 0);
	assert_int_equal(put(&st, 0, 20, 25), STREAM_OK);
	assert_int_equal(stream_add(&st, 20, evil, 10), STREAM_OK);
	assert_memory_equal(buf + 20, evil, 10);
	/* inside, or starting later: the bytes there stay */
	assert_int_equal(put(&st, 0, 22, 26), STREAM_OK);
	assert_memory_equal(buf + 20, evil, 10);
	assert_int_equal(put(&st, 0, 25, 35), STREAM_OK);
	assert_memory_equal(buf + 20, evil, 10);
	assert_memory_equal(buf + 30, text + 30, 5);
	/* a retransmission of the same bytes is no conflict */
	stream_init(&st, buf, sizeof(buf), 0);
	assert_int_equal(put(&st, 0, 5, 15), STREAM_OK);
	assert_int_equal(put(&st, 0, 0, 20), STREAM_OK);
	assert_int_equal(put(&st, 0, 0, 20), STREAM_OK);
	assert_int_equal(st.conflict, 0);
	assert_memory_equal(buf, text, 20);
}

/*
 * The other view keeps, where copies differ, the copy Linux does not;
 * stream_differs() tells beforehand, and stream_copy() forks a view.
 */
static void
test_overlap_other(void **state)
{
	uint8_t		 buf[64], buf2[64], evil[36];
	struct stream	 st, alt;

	(void)state;
	memset(evil, 'X', sizeof(evil));
	/* delivered in order, then another copy: the other view takes it */
	stream_init(&st, buf, sizeof(buf), 100);
	assert_int_equal(put(&st, 100, 0, 10), STREAM_OK);
	assert_int_equal(stream_differs(&st, 100, text, 20), 0);
	assert_int_equal(stream_differs(&st, 100, evil, 20), 1);
	assert_int_equal(stream_differs(&st, 90, evil, 12), 1);	/* from before */
	assert_int_equal(stream_differs(&st, 110, evil, 20), 0);	/* after */
	alt.buf = buf2;
	stream_copy(&alt, &st);
	alt.other = 1;
	assert_int_equal(stream_contiguous(&alt), 10);
	assert_int_equal(stream_add(&st, 100, evil, 20), STREAM_OK);
	assert_int_equal(stream_add(&alt, 100, evil, 20), STREAM_OK);
	assert_memory_equal(buf, text, 10);		/* Linux: the first */
	assert_memory_equal(buf2, evil, 10);		/* the other */
	assert_memory_equal(buf2 + 10, evil, 10);
	/* out of order, a covering copy: Linux takes it, the other not */
	stream_init(&st, buf, sizeof(buf), 0);
	assert_int_equal(put(&st, 0, 5, 15), STREAM_OK);
	alt.buf = buf2;
	stream_copy(&alt, &st);
	alt.other = 1;
	assert_int_equal(stream_add(&st, 0, evil, 20), STREAM_OK);
	assert_int_equal(stream_add(&alt, 0, evil, 20), STREAM_OK);
	assert_memory_equal(buf, evil, 20);
	assert_memory_equal(buf2, evil, 5);
	assert_memory_equal(buf2 + 5, text + 5, 10);
	assert_memory_equal(buf2 + 15, evil, 5);
}

/* Bytes before the base are old retransmissions, also across 2^32. */
static void
test_before_base_and_wrap(void **state)
{
	uint8_t		 buf[64];
	struct stream	 st;
	uint32_t	 base = 0xfffffff8U;

	(void)state;
	stream_init(&st, buf, sizeof(buf), base);
	assert_int_equal(stream_add(&st, base - 100, text, 10), STREAM_OK);
	assert_int_equal(st.nr, 0);
	/* a segment starting 4 bytes early keeps its tail */
	assert_int_equal(stream_add(&st, base - 4, text, 20), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 16);
	assert_memory_equal(buf, text + 4, 16);
	/* sequence numbers wrap past zero */
	assert_int_equal(stream_add(&st, base + 16, text + 20, 10), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 26);
}

static void
test_bounds(void **state)
{
	uint8_t		 buf[16];
	struct stream	 st;
	uint32_t	 i;

	(void)state;
	stream_init(&st, buf, sizeof(buf), 0);
	assert_int_equal(put(&st, 0, 10, 30), STREAM_PAST_END);
	assert_int_equal(put(&st, 0, 0, 10), STREAM_OK);
	assert_int_equal(stream_contiguous(&st), 16);
	assert_memory_equal(buf, text, 16);
	assert_int_equal(put(&st, 0, 16, 20), STREAM_PAST_END);

	/* more holes than ranges kept */
	stream_init(&st, buf, sizeof(buf), 0);
	for (i = 0; i < STREAM_RANGES && 2 * i + 1 < 16; i++)
		assert_int_equal(put(&st, 0, 2 * i + 1, 2 * i + 2), STREAM_OK);
	{
		uint8_t		 big[256];
		struct stream	 s2;

		stream_init(&s2, big, sizeof(big), 0);
		for (i = 0; i < STREAM_RANGES; i++)
			assert_int_equal(stream_add(&s2, 10 * i + 5, text, 1),
			    STREAM_OK);
		assert_int_equal(stream_add(&s2, 200, text, 1),
		    STREAM_TOO_SCATTERED);
		/* filling a hole is still possible */
		assert_int_equal(stream_add(&s2, 0, text, 6), STREAM_OK);
		assert_int_equal(stream_contiguous(&s2), 6);
	}
}

/* DNS over TCP: judged messages leave the buffer; the rest moves up. */
static void
test_consume(void **state)
{
	uint8_t		 buf[64];
	struct stream	 st;

	(void)state;
	stream_init(&st, buf, sizeof(buf), 100);
	put(&st, 100, 0, 20);
	put(&st, 100, 25, 30);
	stream_consume(&st, 8);
	assert_int_equal(st.base, 108);
	assert_int_equal(stream_contiguous(&st), 12);
	assert_memory_equal(buf, text + 8, 12);
	put(&st, 100, 20, 25);
	assert_int_equal(stream_contiguous(&st), 22);
	assert_memory_equal(buf, text + 8, 22);
	stream_consume(&st, 22);
	assert_int_equal(stream_contiguous(&st), 0);
	assert_int_equal(st.nr, 0);
	put(&st, 100, 30, 36);
	assert_int_equal(stream_contiguous(&st), 6);
	assert_memory_equal(buf, text + 30, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_overlap_linux),
		cmocka_unit_test(test_overlap_other),
		cmocka_unit_test(test_before_base_and_wrap),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_consume),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
