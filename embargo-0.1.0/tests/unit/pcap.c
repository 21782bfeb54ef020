/*
 * pcap.c: a small reader of classic pcap files for the unit tests.
 *
 * Both byte orders, microsecond and nanosecond magic, and the link
 * types a Linux or BSD capture gives.  Tests may allocate: the file is
 * read whole and the packet table grows as needed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "pcap.h"

#define PCAP_MAGIC_US	0xa1b2c3d4
#define PCAP_MAGIC_NS	0xa1b23c4d
#define PCAP_FILE_HDR	24
#define PCAP_REC_HDR	16

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8

static int	pcap_fail(struct pcap *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static uint32_t	pcap_u32(const struct pcap *, const uint8_t *);
static int	pcap_strip(const struct pcap *, const uint8_t *, size_t,
		    size_t *);
static int	pcap_strip_ether(const uint8_t *, size_t, size_t *);
static int	pcap_is_family(uint32_t);
static int	pcap_add(struct pcap *, const uint8_t *, size_t);
static int	pcap_parse(struct pcap *);

static int
pcap_fail(struct pcap *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return (-1);
}

/* A 32-bit field in the file's byte order. */
static uint32_t
pcap_u32(const struct pcap *p, const uint8_t *b)
{
	uint32_t	 v;

	memcpy(&v, b, sizeof(v));
	return (p->swapped ? __builtin_bswap32(v) : v);
}

/* The path of tests/data/name under $top_srcdir. */
const char *
pcap_path(const char *name, char *buf, size_t size)
{
	const char	*top = getenv("top_srcdir");

	snprintf(buf, size, "%s/tests/data/%s",
	    top != NULL && *top != '\0' ? top : ".", name);
	return (buf);
}

/* Ethernet, past up to two VLAN tags. */
static int
pcap_strip_ether(const uint8_t *b, size_t len, size_t *off)
{
	size_t		 o = 12;
	unsigned	 type;
	int		 tags;

	for (tags = 0; tags <= 2; tags++) {
		if (len < o + 2)
			return (-1);
		type = (unsigned)b[o] << 8 | b[o + 1];
		if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6) {
			*off = o + 2;
			return (0);
		}
		if (type != ETHERTYPE_VLAN && type != ETHERTYPE_QINQ)
			return (-1);
		o += 4;
	}
	return (-1);
}

/* AF_INET, or AF_INET6 as Linux, the BSDs or macOS number it. */
static int
pcap_is_family(uint32_t af)
{
	return (af == 2 || af == 10 || af == 24 || af == 28 || af == 30);
}

/*
 * The offset of the IP header in one packet of the file's link type;
 * -1 for a packet that carries no IP.
 */
static int
pcap_strip(const struct pcap *p, const uint8_t *b, size_t len, size_t *off)
{
	unsigned	 proto;

	switch (p->linktype) {
	case PCAP_LINKTYPE_EN10MB:
		return (pcap_strip_ether(b, len, off));
	case PCAP_LINKTYPE_SLL:
		if (len < 16)
			return (-1);
		proto = (unsigned)b[14] << 8 | b[15];
		*off = 16;
		break;
	case PCAP_LINKTYPE_SLL2:
		if (len < 20)
			return (-1);
		proto = (unsigned)b[0] << 8 | b[1];
		*off = 20;
		break;
	case PCAP_LINKTYPE_RAW:
		*off = 0;
		return (len > 0 && (b[0] >> 4 == 4 || b[0] >> 4 == 6) ? 0 : -1);
	case PCAP_LINKTYPE_NULL:	/* the capturing host's byte order */
	case PCAP_LINKTYPE_LOOP:	/* network byte order */
		if (len < 4)
			return (-1);
		*off = 4;
		if (p->linktype == PCAP_LINKTYPE_LOOP)
			return (pcap_is_family((uint32_t)b[0] << 24 |
			    (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
			    b[3]) ? 0 : -1);
		return (pcap_is_family(pcap_u32(p, b)) ? 0 : -1);
	default:
		return (-1);
	}
	return (proto == ETHERTYPE_IPV4 || proto == ETHERTYPE_IPV6 ? 0 : -1);
}

static int
pcap_add(struct pcap *p, const uint8_t *ip, size_t len)
{
	struct pcap_packet	*pkt;

	if ((p->n & (p->n - 1)) == 0) {	/* 0, 1, 2, 4...: grow */
		pkt = realloc(p->pkt, (p->n ? p->n * 2 : 1) * sizeof(*pkt));
		if (pkt == NULL)
			return (pcap_fail(p, "out of memory"));
		p->pkt = pkt;
	}
	p->pkt[p->n].ip = ip;
	p->pkt[p->n].len = len;
	p->n++;
	return (0);
}

/* Walk the file in p->data: its header, then every record. */
static int
pcap_parse(struct pcap *p)
{
	const uint8_t	*b = p->data;
	size_t		 off, incl, ipoff;
	uint32_t	 magic;

	if (p->size < PCAP_FILE_HDR)
		return (pcap_fail(p, "short file header"));
	memcpy(&magic, b, sizeof(magic));
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS)
		p->swapped = 0;
	else if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_NS)
		p->swapped = 1;
	else
		return (pcap_fail(p, "not a classic pcap file"));
	if ((pcap_u32(p, b + 4) & 0xffff) != 2)
		return (pcap_fail(p, "pcap version not 2.x"));
	p->linktype = pcap_u32(p, b + 20) & 0xffff;	/* above: FCS bits */
	for (off = PCAP_FILE_HDR; off < p->size; off += incl) {
		if (p->size - off < PCAP_REC_HDR)
			return (pcap_fail(p, "short record header at %zu",
			    off));
		incl = pcap_u32(p, b + off + 8);
		off += PCAP_REC_HDR;
		if (incl > p->size - off)
			return (pcap_fail(p, "short record at %zu", off));
		if (pcap_strip(p, b + off, incl, &ipoff) == 0 &&
		    pcap_add(p, b + off + ipoff, incl - ipoff) == -1)
			return (-1);
	}
	return (0);
}

/* Read a pcap file from memory; p owns a copy. */
int
pcap_load(struct pcap *p, const uint8_t *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	if ((p->data = malloc(len > 0 ? len : 1)) == NULL)
		return (pcap_fail(p, "out of memory"));
	memcpy(p->data, buf, len);
	p->size = len;
	return (pcap_parse(p));
}

/* Read tests/data/name. */
int
pcap_open(struct pcap *p, const char *name)
{
	char	 path[1024];
	FILE	*f;
	long	 size;
	int	 ok;

	memset(p, 0, sizeof(*p));
	pcap_path(name, path, sizeof(path));
	if ((f = fopen(path, "rb")) == NULL)
		return (pcap_fail(p, "%s: cannot open", path));
	ok = fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0;
	if (ok && (p->data = malloc(size > 0 ? (size_t)size : 1)) != NULL) {
		p->size = (size_t)size;
		ok = fread(p->data, 1, p->size, f) == p->size;
	} else
		ok = 0;
	fclose(f);
	if (!ok)
		return (pcap_fail(p, "%s: cannot read", path));
	if (pcap_parse(p) == -1) {
		/* keep the reason, say where */
		char	 why[sizeof(p->err)];

		memcpy(why, p->err, sizeof(why));
		return (pcap_fail(p, "%s: %.200s", name, why));
	}
	return (0);
}

void
pcap_close(struct pcap *p)
{
	free(p->pkt);
	free(p->data);
	memset(p, 0, sizeof(*p));
}

/*
 * The bytes a TCP client sent to port dport, in sequence order from its
 * SYN (or its first segment), each segment once: retransmissions are
 * dropped, a gap is an error.  The first connection to dport only.
 */
int
pcap_stream(const struct pcap *p, uint16_t dport, struct pcap_stream *s)
{
	struct packet	 pk;
	uint32_t	 next = 0;
	uint16_t	 sport = 0;
	size_t		 i;
	int		 started = 0;

	s->len = s->nseg = 0;
	for (i = 0; i < p->n; i++) {
		if (packet_parse(&pk, p->pkt[i].ip, p->pkt[i].len) !=
		    PACKET_OK || pk.t.l4 != IPPROTO_TCP ||
		    pk.t.dport != dport || (started && pk.t.sport != sport))
			continue;
		if (!started) {
			sport = pk.t.sport;
			next = pk.seq + ((pk.tcpflags & TCPF_SYN) ? 1 : 0);
			started = 1;
		}
		if (pk.plen == 0 || (int32_t)(pk.seq - next) < 0)
			continue;
		if (pk.seq != next || s->nseg == PCAP_SEGS_MAX ||
		    pk.plen > sizeof(s->buf) - s->len)
			return (-1);
		memcpy(s->buf + s->len, pk.payload, pk.plen);
		s->len += pk.plen;
		s->seg[s->nseg++] = pk.plen;
		next += (uint32_t)pk.plen;
	}
	return (started ? 0 : -1);
}

/*
 * The client's stream to port dport in tests/data/name, in one call.
 * Returns 0, or -1 with the reason in err.
 */
int
pcap_stream_file(const char *name, uint16_t dport, struct pcap_stream *s,
    char *err, size_t errlen)
{
	struct pcap	 p;
	int		 rc = 0;

	if (pcap_open(&p, name) == -1) {
		snprintf(err, errlen, "%s", p.err);
		return (-1);
	}
	if (pcap_stream(&p, dport, s) == -1 || s->len == 0) {
		snprintf(err, errlen, "%s: no stream to port %u", name, dport);
		rc = -1;
	}
	pcap_close(&p);
	return (rc);
}
