/*
 * fuzz_packet: IPv4/IPv6 and TCP/UDP header parsing.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet	 pk;

	if (packet_parse(&pk, data, size) != PACKET_OK)
		return (0);
	/* the payload lies inside the input */
	if (pk.payload < data || pk.payload + pk.plen > data + size)
		__builtin_trap();
	return (0);
}
