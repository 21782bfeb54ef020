/*
 * replay.h: embargod -r: captures judged as the queue would judge them.
 */
#ifndef EMBARGO_REPLAY_H
#define EMBARGO_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "policy.h"

/* What replay_link() found in front of a packet. */
enum replay_link {
	REPLAY_LINK_IP,		/* an IPv4 or IPv6 packet follows */
	REPLAY_LINK_SHORT,	/* cut before the link header ended */
	REPLAY_LINK_OTHER	/* ARP, LLDP, ...: not IP */
};

#define REPLAY_VLANMAX	4	/* 802.1Q/802.1ad tags walked */

int		 replay_linktype_ok(int);
enum replay_link replay_link(int, const uint8_t *, size_t, size_t *);
int		 replay_run(const struct conf *, struct policy *, char **, int);

#endif
