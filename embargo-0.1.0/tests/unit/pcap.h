/*
 * pcap.h: read classic pcap files for the unit tests.
 *
 * A file is read whole; each packet is handed out as the bytes from its
 * IP header on, whatever the link layer was (EN10MB, LINUX_SLL,
 * LINUX_SLL2, RAW, NULL, LOOP).  Packets that are not IPv4 or IPv6 are
 * left out.  Files are found under $top_srcdir/tests/data (make check
 * sets top_srcdir; "." otherwise).
 */
#ifndef EMBARGO_TEST_PCAP_H
#define EMBARGO_TEST_PCAP_H

#include <stddef.h>
#include <stdint.h>

#define PCAP_LINKTYPE_NULL	0
#define PCAP_LINKTYPE_EN10MB	1
#define PCAP_LINKTYPE_RAW	101
#define PCAP_LINKTYPE_LOOP	108
#define PCAP_LINKTYPE_SLL	113
#define PCAP_LINKTYPE_SLL2	276

#define PCAP_STREAM_MAX		65536
#define PCAP_SEGS_MAX		64

struct pcap_packet {
	const uint8_t	*ip;		/* into struct pcap's data */
	size_t		 len;
};

struct pcap {
	uint8_t			*data;		/* the file, owned */
	size_t			 size;
	uint32_t		 linktype;
	int			 swapped;	/* not in our byte order */
	size_t			 n;
	struct pcap_packet	*pkt;
	char			 err[256];
};

/* The payload a TCP client sent, in sequence order, and its segments. */
struct pcap_stream {
	uint8_t		 buf[PCAP_STREAM_MAX];
	size_t		 len;
	size_t		 nseg;
	size_t		 seg[PCAP_SEGS_MAX];	/* their lengths */
};

int		 pcap_open(struct pcap *, const char *);
int		 pcap_load(struct pcap *, const uint8_t *, size_t);
void		 pcap_close(struct pcap *);
int		 pcap_stream(const struct pcap *, uint16_t,
		    struct pcap_stream *);
const char	*pcap_path(const char *, char *, size_t);
int		 pcap_stream_file(const char *, uint16_t, struct pcap_stream *,
		    char *, size_t);

#endif
