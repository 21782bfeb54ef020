/*
 * packet.h: an IPv4 or IPv6 packet's transport header and payload.
 */
#ifndef EMBARGO_PACKET_H
#define EMBARGO_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"

#define PACKET_EXTMAX	8	/* IPv6 extension headers walked */

enum packet_err {
	PACKET_OK = 0,
	PACKET_ESHORT,		/* shorter than its headers say */
	PACKET_EVERSION,	/* neither IPv4 nor IPv6 */
	PACKET_EHEADER,		/* a header length out of range */
	PACKET_EFRAGMENT,	/* a fragment: nothing to parse */
	PACKET_EPROTO,		/* not TCP or UDP */
	PACKET_EEXT		/* too many IPv6 extension headers */
};

#define TCPF_FIN	0x01
#define TCPF_SYN	0x02
#define TCPF_RST	0x04
#define TCPF_PSH	0x08
#define TCPF_ACK	0x10

struct packet {
	struct tuple	 t;		/* src is the sender */
	uint8_t		 tcpflags;
	uint32_t	 seq;		/* TCP, host byte order */
	uint32_t	 ack;
	const uint8_t	*payload;
	size_t		 plen;
};

enum packet_err	 packet_parse(struct packet *, const uint8_t *, size_t);
const char	*packet_strerror(enum packet_err);
const char	*addr_ntop(const struct addr *, char *, size_t);
int		 addr_pton(const char *, struct addr *);

#endif
