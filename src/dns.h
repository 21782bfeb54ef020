/*
 * dns.h: the questions of a DNS query message.
 *
 * dns_parse_query() reads a message as UDP carries it (for TCP, strip
 * the 2-byte length first).  Only a query (QR clear, opcode QUERY) with
 * 1 to 65535 questions is accepted; the first DNS_QMAX are kept in q[],
 * nq says how many, qdcount what the header said, and
 * dns_next_question() reads the rest.  Names are decoded into struct
 * name (case folded, NAME_WIRE rules; a name valid only in part keeps
 * its valid right-most labels).  Compression pointers are followed as
 * resolvers follow them, anywhere in the message, at most 64 per name;
 * a message that needed a pointer a strict reader refuses is lenient,
 * and dns_build_reply() will not copy it.  Sections after the
 * questions are not read.
 * Returns 0, or -1 with err a static string saying why ("truncated
 * header", "response, not a query", "compression loop", ...).
 * Nothing is allocated.
 *
 * dns_type_name() writes a query type's mnemonic ("AAAA", "HTTPS") or
 * "TYPE%u" into buf and returns buf.
 */
#ifndef EMBARGO_DNS_H
#define EMBARGO_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"
#include "name.h"

#define DNS_HEADER_LEN	12
#define DNS_QMAX	4	/* questions kept per message */

struct dns_question {
	struct name	 name;
	uint16_t	 qtype;
	uint16_t	 qclass;
};

struct dns_query {
	uint16_t		 id;
	uint16_t		 flags;
	uint16_t		 qdcount;	/* as the header says */
	uint16_t		 nread;		/* questions read so far */
	int			 nq;		/* questions kept, read whole */
	int			 lenient;	/* pointers a strict reader refuses */
	int			 unclean;	/* names valid only in part */
	struct dns_question	 q[DNS_QMAX];
	size_t			 qend;		/* where the questions end */
	size_t			 reach;		/* the end of what names used */
	int			 edns;		/* an OPT record was sent */
	int			 edns_do;	/* with the DO bit */
	const char		*err;		/* why it was refused, static */
};

/* How a refused query is answered. */
enum dns_reject {
	DNS_REJECT_NXDOMAIN,	/* the name does not exist */
	DNS_REJECT_REFUSED,	/* the server will not say */
	DNS_REJECT_SINK		/* 0.0.0.0 or ::, NODATA for other types */
};

#define DNS_REPLY_MAX	512	/* a reply built here always fits */
#define DNS_CHAIN_MAX	8	/* CNAME targets kept from one answer */
#define DNS_ADDR_MAX	16	/* addresses kept from one answer */

/* What a response's answer section says. */
struct dns_answer {
	struct name	 chain[DNS_CHAIN_MAX];	/* CNAME targets, in order */
	int		 nchain;
	struct addr	 addr[DNS_ADDR_MAX];	/* A and AAAA */
	uint32_t	 ttl[DNS_ADDR_MAX];
	int		 naddr;
};

int		 dns_parse_query(const uint8_t *, size_t, struct dns_query *);
int		 dns_next_question(const uint8_t *, size_t, struct dns_query *,
		    struct dns_question *);
int		 dns_parse_response(const uint8_t *, size_t, struct dns_query *,
		    struct dns_answer *);
const char	*dns_type_name(uint16_t, char *, size_t);
int		 dns_build_reply(const uint8_t *, const struct dns_query *,
		    enum dns_reject, uint32_t, uint8_t *, size_t);

#endif
