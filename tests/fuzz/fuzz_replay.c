/*
 * fuzz_replay: the link layers in front of captured packets.  The first
 * byte picks the link type; the rest is the frame.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "replay.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int dlts[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 off = 0;
	int	 dlt;

	if (size < 1)
		return (0);
	dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	if (!replay_linktype_ok(dlt))
		return (0);
	/* the IP header starts inside the frame */
	if (replay_link(dlt, data + 1, size - 1, &off) == REPLAY_LINK_IP &&
	    off > size - 1)
		__builtin_trap();
	return (0);
}
