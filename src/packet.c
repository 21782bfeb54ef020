/*
 * packet.c: walk IPv4/IPv6 and TCP/UDP headers to the payload.
 *
 * Every length is checked against the bytes present before it is used;
 * nothing is copied but the addresses.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "packet.h"

#define IP6_HOPOPTS	0
#define IP6_ROUTING	43
#define IP6_FRAGMENT	44
#define IP6_AH		51
#define IP6_DSTOPTS	60

static enum packet_err	parse_ipv4(struct packet *, const uint8_t *, size_t,
			    const uint8_t **, size_t *, uint8_t *);
static enum packet_err	parse_ipv6(struct packet *, const uint8_t *, size_t,
			    const uint8_t **, size_t *, uint8_t *);
static enum packet_err	parse_l4(struct packet *, const uint8_t *, size_t,
			    uint8_t);

static inline uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/*
 * IPv4: the header, its length, fragments.  A total length of zero is
 * a GSO packet larger than 64 KiB (BIG TCP): its length is the buffer's.
 */
static enum packet_err
parse_ipv4(struct packet *pk, const uint8_t *b, size_t len,
    const uint8_t **l4, size_t *l4len, uint8_t *proto)
{
	size_t	 hl, tot;

	if (len < 20)
		return (PACKET_ESHORT);
	hl = (size_t)(b[0] & 0x0f) * 4;
	tot = get16(b + 2);
	if (tot == 0)
		tot = len;
	if (hl < 20 || hl > tot)
		return (PACKET_EHEADER);
	if (tot > len)
		tot = len;	/* cut by the copy range: parse what is here */
	if (hl > tot)
		return (PACKET_ESHORT);
	if ((get16(b + 6) & 0x3fff) != 0)	/* MF or an offset */
		return (PACKET_EFRAGMENT);
	pk->t.src.family = pk->t.dst.family = AF_INET;
	memcpy(&pk->t.src.u.v4, b + 12, 4);
	memcpy(&pk->t.dst.u.v4, b + 16, 4);
	*proto = b[9];
	*l4 = b + hl;
	*l4len = tot - hl;
	return (PACKET_OK);
}

/*
 * IPv6: walk at most PACKET_EXTMAX extension headers to TCP or UDP.  A
 * fragment header means a fragment unless it is an atomic one (offset
 * zero, no more fragments), which RFC 6946 says to treat as whole.
 */
static enum packet_err
parse_ipv6(struct packet *pk, const uint8_t *b, size_t len,
    const uint8_t **l4, size_t *l4len, uint8_t *proto)
{
	size_t	 off = 40, end, hl;
	uint8_t	 nh;
	int	 n;

	if (len < 40)
		return (PACKET_ESHORT);
	end = 40 + (size_t)get16(b + 4);
	if (end == 40 || end > len)	/* jumbogram, or cut short */
		end = len;
	pk->t.src.family = pk->t.dst.family = AF_INET6;
	memcpy(&pk->t.src.u.v6, b + 8, 16);
	memcpy(&pk->t.dst.u.v6, b + 24, 16);
	nh = b[6];
	for (n = 0; ; n++) {
		if (nh != IP6_HOPOPTS && nh != IP6_ROUTING &&
		    nh != IP6_FRAGMENT && nh != IP6_AH && nh != IP6_DSTOPTS)
			break;
		if (n == PACKET_EXTMAX)
			return (PACKET_EEXT);
		if (end - off < 8)
			return (PACKET_ESHORT);
		if (nh == IP6_FRAGMENT) {
			if ((get16(b + off + 2) & 0xfff9) != 0)
				return (PACKET_EFRAGMENT);
			hl = 8;
		} else if (nh == IP6_AH)
			hl = ((size_t)b[off + 1] + 2) * 4;
		else
			hl = ((size_t)b[off + 1] + 1) * 8;
		if (hl > end - off)
			return (PACKET_ESHORT);
		nh = b[off];
		off += hl;
	}
	*proto = nh;
	*l4 = b + off;
	*l4len = end - off;
	return (PACKET_OK);
}

/* TCP or UDP header, then the payload slice. */
static enum packet_err
parse_l4(struct packet *pk, const uint8_t *b, size_t len, uint8_t proto)
{
	size_t	 hl, ulen;

	if (proto == IPPROTO_TCP) {
		if (len < 20)
			return (PACKET_ESHORT);
		hl = (size_t)(b[12] >> 4) * 4;
		if (hl < 20)
			return (PACKET_EHEADER);
		if (hl > len)
			return (PACKET_ESHORT);
		pk->seq = get32(b + 4);
		pk->ack = get32(b + 8);
		pk->tcpflags = b[13];
	} else if (proto == IPPROTO_UDP) {
		if (len < 8)
			return (PACKET_ESHORT);
		hl = 8;
		ulen = get16(b + 4);
		if (ulen < 8)
			return (PACKET_EHEADER);
		if (ulen < len)
			len = ulen;
	} else
		return (PACKET_EPROTO);
	pk->t.l4 = proto;
	pk->t.sport = get16(b);
	pk->t.dport = get16(b + 2);
	pk->payload = b + hl;
	pk->plen = len - hl;
	return (PACKET_OK);
}

/* Parse one packet starting at its IP header. */
enum packet_err
packet_parse(struct packet *pk, const uint8_t *buf, size_t len)
{
	const uint8_t	*l4;
	size_t		 l4len;
	uint8_t		 proto;
	enum packet_err	 e;

	memset(pk, 0, sizeof(*pk));
	if (len < 1)
		return (PACKET_ESHORT);
	switch (buf[0] >> 4) {
	case 4:
		e = parse_ipv4(pk, buf, len, &l4, &l4len, &proto);
		break;
	case 6:
		e = parse_ipv6(pk, buf, len, &l4, &l4len, &proto);
		break;
	default:
		return (PACKET_EVERSION);
	}
	if (e != PACKET_OK)
		return (e);
	return (parse_l4(pk, l4, l4len, proto));
}

const char *
packet_strerror(enum packet_err e)
{
	static const char *msg[] = {
		"ok", "truncated", "not IPv4 or IPv6", "bad header length",
		"fragment", "not TCP or UDP", "too many extension headers"
	};

	return ((size_t)e < sizeof(msg) / sizeof(msg[0]) ? msg[e] : "?");
}

/* An address as text. */
const char *
addr_ntop(const struct addr *a, char *buf, size_t size)
{
	if (inet_ntop(a->family, a->u.b, buf, (socklen_t)size) == NULL)
		return ("?");
	return (buf);
}

/* An IPv4 or IPv6 address from text into a; 0, or -1 for anything else. */
int
addr_pton(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->u.v6) == 1)
		a->family = AF_INET6;
	else
		return (-1);
	return (0);
}
