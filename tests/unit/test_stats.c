/*
 * test_stats.c: counters and the verdict latency histogram.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats.h"

/* Every sample lands in the first bucket whose bound holds it. */
static void
test_buckets(void **state)
{
	struct stats	 s;
	int		 k;

	(void)state;
	memset(&s, 0, sizeof(s));
	stats_lat_add(&s, 0);			/* le 5 us */
	stats_lat_add(&s, 5000);		/* le 5 us: bounds are inclusive */
	stats_lat_add(&s, 5001);		/* le 10 us */
	stats_lat_add(&s, 99999);		/* le 100 us */
	stats_lat_add(&s, 100000);		/* le 100 us */
	stats_lat_add(&s, 500000000);		/* le 500 ms, the last bound */
	stats_lat_add(&s, 500000001);		/* +Inf */
	stats_lat_add(&s, UINT64_MAX / 4);	/* +Inf */
	assert_int_equal(s.lat[0], 2);
	assert_int_equal(s.lat[1], 1);
	assert_int_equal(stats_lat_bound_ns[4], 100000);
	assert_int_equal(s.lat[4], 2);
	assert_int_equal(s.lat[STATS_LAT_BUCKETS - 2], 1);
	assert_int_equal(s.lat[STATS_LAT_BUCKETS - 1], 2);
	assert_int_equal(stats_lat_count(&s), 8);
	for (k = 1; k < STATS_LAT_BUCKETS - 1; k++)
		assert_true(stats_lat_bound_ns[k] > stats_lat_bound_ns[k - 1]);
	assert_int_equal(s.lat_sum_ns, 0 + 5000 + 5001 + 99999 + 100000 +
	    500000000 + 500000001 + UINT64_MAX / 4);
}

/* Quantiles are the bound of the bucket they fall in. */
static void
test_quantiles(void **state)
{
	struct stats	 s;
	int		 i;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(stats_lat_quantile_ns(&s, 0.5), 0);	/* no samples */
	for (i = 0; i < 98; i++)
		stats_lat_add(&s, 7000);	/* le 10 us */
	stats_lat_add(&s, 40000);		/* le 50 us */
	stats_lat_add(&s, 2000000);		/* le 2.5 ms */
	assert_int_equal(stats_lat_quantile_ns(&s, 0.5), 10000);
	assert_int_equal(stats_lat_quantile_ns(&s, 0.98), 10000);
	assert_int_equal(stats_lat_quantile_ns(&s, 0.99), 50000);
	assert_int_equal(stats_lat_quantile_ns(&s, 1.0), 2500000);
	stats_lat_add(&s, 600000000);		/* +Inf */
	assert_int_equal(stats_lat_quantile_ns(&s, 1.0), UINT64_MAX);
}

/* Sums over threads add counters, buckets and the time sum. */
static void
test_sum(void **state)
{
	struct stats	 a, b, sum;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&sum, 0, sizeof(sum));
	stats_inc(&a, STAT_PACKETS);
	stats_add(&b, STAT_PACKETS, 2);
	stats_lat_add(&a, 1000);
	stats_lat_add(&b, 1000);
	stats_lat_add(&b, 30000);
	stats_sum(&sum, &a);
	stats_sum(&sum, &b);
	assert_int_equal(stats_get(&sum, STAT_PACKETS), 3);
	assert_int_equal(sum.lat[0], 2);
	assert_int_equal(sum.lat[3], 1);
	assert_int_equal(stats_lat_count(&sum), 3);
	assert_int_equal(sum.lat_sum_ns, 32000);
	assert_string_equal(stats_name(STAT_PACKETS), "packets");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_sum),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
