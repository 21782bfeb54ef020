/*
 * clock.c: the monotonic clock for timeouts (flows, learned addresses,
 * batches) and the wall clock for events.  A capture replay sets its
 * own clock in the inspector instead.
 */
#include "config.h"

#include <time.h>

#include "clock.h"

/* Milliseconds of CLOCK_MONOTONIC: for anything that expires. */
uint64_t
clock_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Milliseconds since the epoch: for event times. */
uint64_t
clock_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
