/*
 * embargo.h: the few types every layer shares: verdicts, addresses and
 * the flow tuple.  Everything else belongs to one module.
 */
#ifndef EMBARGO_H
#define EMBARGO_H

#include <netinet/in.h>
#include <stdint.h>

/*
 * What happens to one packet.  PASS lets it through and keeps the flow
 * under inspection; ALLOW and BLOCK also decide the flow, so that the
 * firewall stops queueing it (see embargo-firewall(8)); DROP drops this
 * packet only (a DNS query).
 */
enum verdict {
	VERDICT_PASS,
	VERDICT_ALLOW,
	VERDICT_BLOCK,
	VERDICT_DROP
};

enum proto {
	PROTO_NONE,
	PROTO_DNS,
	PROTO_TLS,
	PROTO_HTTP
};

struct addr {
	uint8_t		 family;	/* AF_INET or AF_INET6 */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
		uint8_t		 b[16];
	}		 u;
};

/* A transport flow in the client-to-server direction. */
struct tuple {
	struct addr	 src;
	struct addr	 dst;
	uint16_t	 sport;		/* host byte order */
	uint16_t	 dport;
	uint8_t		 l4;		/* IPPROTO_TCP or IPPROTO_UDP */
};

#endif
