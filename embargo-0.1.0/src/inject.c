/*
 * inject.c: send a packet as another host would.
 *
 * A refused DNS query gets its answer from the resolver's address, a
 * refused TCP connection a reset from each end, so that clients fail
 * in milliseconds instead of waiting for timeouts.  The packets are
 * built whole (IP header included, checksums computed) and sent on raw
 * sockets (IPPROTO_RAW), which are opened at start-up: CAP_NET_RAW is
 * needed to open them, not to use them, so the daemon drops it.
 *
 * The tuple given is the packet's own: src is who it claims to come
 * from, dst who receives it.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"

#define IP4_HLEN	20
#define IP6_HLEN	40
#define UDP_HLEN	8
#define TCP_HLEN	20
#define TTL		64

static size_t	ip_header(const struct tuple *, uint8_t, size_t, uint8_t *);
static uint16_t	l4_checksum(const struct tuple *, uint8_t, const uint8_t *,
		    size_t);
static int	send_packet(const struct inject *, const struct tuple *,
		    const uint8_t *, size_t);

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * Open the raw sockets, each marked with mark so that the firewall
 * rules let our own packets be.  A family that cannot be opened is -1
 * (a kernel without IPv6); returns -1 when neither could.
 */
int
inject_open(struct inject *in, uint32_t mark)
{
	int	*fd[2] = { &in->fd4, &in->fd6 };
	int	 af[2] = { AF_INET, AF_INET6 }, i;

	for (i = 0; i < 2; i++) {
		*fd[i] = socket(af[i], SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (*fd[i] != -1 && setsockopt(*fd[i], SOL_SOCKET, SO_MARK,
		    &mark, sizeof(mark)) == -1) {
			log_warn("raw socket: SO_MARK");
			close(*fd[i]);
			*fd[i] = -1;
		} else if (*fd[i] == -1)
			log_warn("raw %s socket", i == 0 ? "IPv4" : "IPv6");
	}
	if (in->fd4 == -1 && in->fd6 == -1) {
		log_warnx("no raw sockets: reject falls back to a silent "
		    "drop (opening them needs CAP_NET_RAW at start-up)");
		return (-1);
	}
	return (0);
}

void
inject_close(struct inject *in)
{
	if (in->fd4 != -1)
		close(in->fd4);
	if (in->fd6 != -1)
		close(in->fd6);
	in->fd4 = in->fd6 = -1;
}

/* The IPv4 or IPv6 header for l4len bytes of protocol proto. */
static size_t
ip_header(const struct tuple *t, uint8_t proto, size_t l4len, uint8_t *b)
{
	uint32_t	 sum = 0;
	size_t		 i;

	if (t->src.family == AF_INET) {
		memset(b, 0, IP4_HLEN);
		b[0] = 0x45;
		put16(b + 2, (uint16_t)(IP4_HLEN + l4len));
		put16(b + 6, 0x4000);			/* DF */
		b[8] = TTL;
		b[9] = proto;
		memcpy(b + 12, &t->src.u.v4, 4);
		memcpy(b + 16, &t->dst.u.v4, 4);
		for (i = 0; i < IP4_HLEN; i += 2)
			sum += (uint32_t)(b[i] << 8 | b[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(b + 10, (uint16_t)~sum);
		return (IP4_HLEN);
	}
	memset(b, 0, IP6_HLEN);
	b[0] = 0x60;
	put16(b + 4, (uint16_t)l4len);
	b[6] = proto;
	b[7] = TTL;
	memcpy(b + 8, &t->src.u.v6, 16);
	memcpy(b + 24, &t->dst.u.v6, 16);
	return (IP6_HLEN);
}

/* The TCP or UDP checksum over the pseudo-header and l4[0..len). */
static uint16_t
l4_checksum(const struct tuple *t, uint8_t proto, const uint8_t *l4,
    size_t len)
{
	uint32_t	 sum = 0;
	size_t		 alen = t->src.family == AF_INET ? 4 : 16, i;

	for (i = 0; i < alen; i += 2) {
		sum += (uint32_t)(t->src.u.b[i] << 8 | t->src.u.b[i + 1]);
		sum += (uint32_t)(t->dst.u.b[i] << 8 | t->dst.u.b[i + 1]);
	}
	sum += proto;
	sum += (uint32_t)len;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(l4[i] << 8 | l4[i + 1]);
	if (len & 1)
		sum += (uint32_t)(l4[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return ((uint16_t)(sum == 0 && proto == IPPROTO_UDP ? 0xffff : sum));
}

/* A whole UDP packet from t->src to t->dst carrying payload. */
size_t
inject_build_udp(const struct tuple *t, const uint8_t *payload, size_t len,
    uint8_t *b, size_t size)
{
	size_t	 h = t->src.family == AF_INET ? IP4_HLEN : IP6_HLEN;
	uint8_t	*u = b + h;

	if (h + UDP_HLEN + len > size)
		return (0);
	ip_header(t, IPPROTO_UDP, UDP_HLEN + len, b);
	put16(u, t->sport);
	put16(u + 2, t->dport);
	put16(u + 4, (uint16_t)(UDP_HLEN + len));
	put16(u + 6, 0);
	memcpy(u + UDP_HLEN, payload, len);
	put16(u + 6, l4_checksum(t, IPPROTO_UDP, u, UDP_HLEN + len));
	return (h + UDP_HLEN + len);
}

/*
 * A TCP reset from t->src to t->dst with sequence number seq and, when
 * ack is not zero, acknowledging ack (RST|ACK).
 */
size_t
inject_build_rst(const struct tuple *t, uint32_t seq, uint32_t ack,
    uint8_t *b, size_t size)
{
	size_t	 h = t->src.family == AF_INET ? IP4_HLEN : IP6_HLEN;
	uint8_t	*tcp = b + h;

	if (h + TCP_HLEN > size)
		return (0);
	ip_header(t, IPPROTO_TCP, TCP_HLEN, b);
	memset(tcp, 0, TCP_HLEN);
	put16(tcp, t->sport);
	put16(tcp + 2, t->dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = ack != 0 ? 0x14 : 0x04;		/* RST|ACK or RST */
	put16(tcp + 16, l4_checksum(t, IPPROTO_TCP, tcp, TCP_HLEN));
	return (h + TCP_HLEN);
}

static int
send_packet(const struct inject *in, const struct tuple *t,
    const uint8_t *b, size_t len)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	if (len == 0)
		return (-1);
	if (t->dst.family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = t->dst.u.v4;
		return (in->fd4 == -1 || sendto(in->fd4, b, len, 0,
		    (struct sockaddr *)&sin, sizeof(sin)) == -1 ? -1 : 0);
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = t->dst.u.v6;
	return (in->fd6 == -1 || sendto(in->fd6, b, len, 0,
	    (struct sockaddr *)&sin6, sizeof(sin6)) == -1 ? -1 : 0);
}

/* Send payload over UDP from t->src to t->dst. */
int
inject_udp(const struct inject *in, const struct tuple *t,
    const uint8_t *payload, size_t len)
{
	uint8_t	 b[IP6_HLEN + UDP_HLEN + 1024];

	return (send_packet(in, t, b, inject_build_udp(t, payload, len, b,
	    sizeof(b))));
}

/* Send a reset from t->src to t->dst. */
int
inject_rst(const struct inject *in, const struct tuple *t, uint32_t seq,
    uint32_t ack)
{
	uint8_t	 b[IP6_HLEN + TCP_HLEN];

	return (send_packet(in, t, b, inject_build_rst(t, seq, ack, b,
	    sizeof(b))));
}
