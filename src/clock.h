/*
 * clock.h: the daemon's two clocks, in milliseconds.
 */
#ifndef EMBARGO_CLOCK_H
#define EMBARGO_CLOCK_H

#include <stdint.h>

uint64_t	 clock_mono_ms(void);
uint64_t	 clock_wall_ms(void);

#endif
