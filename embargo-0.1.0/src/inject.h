/*
 * inject.h: packets the daemon sends itself, as if from a peer: DNS
 * answers to refused queries, TCP resets for refused connections.
 */
#ifndef EMBARGO_INJECT_H
#define EMBARGO_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"

struct inject {
	int	 fd4;		/* raw IPv4, or -1 */
	int	 fd6;		/* raw IPv6, or -1 */
};

int	inject_open(struct inject *, uint32_t);
void	inject_close(struct inject *);
int	inject_udp(const struct inject *, const struct tuple *,
	    const uint8_t *, size_t);
int	inject_rst(const struct inject *, const struct tuple *, uint32_t,
	    uint32_t);
size_t	inject_build_udp(const struct tuple *, const uint8_t *, size_t,
	    uint8_t *, size_t);
size_t	inject_build_rst(const struct tuple *, uint32_t, uint32_t, uint8_t *,
	    size_t);

#endif
