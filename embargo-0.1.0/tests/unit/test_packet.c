/*
 * test_packet.c: IPv4/IPv6 and TCP/UDP headers, built byte by byte to
 * reach every branch, and real packets from tests/data.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "packet.h"
#include "pcap.h"

static size_t
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return (2);
}

/* An IPv4 header for len bytes after it; returns its length (20). */
static size_t
ipv4(uint8_t *b, uint8_t proto, size_t len, uint16_t frag)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(20 + len));
	put16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, "10.77.1.2", b + 12);
	inet_pton(AF_INET, "10.77.2.2", b + 16);
	return (20);
}

static size_t
ipv6(uint8_t *b, uint8_t nh, size_t len)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, (uint16_t)len);
	b[6] = nh;
	b[7] = 64;
	inet_pton(AF_INET6, "fd00:77:1::2", b + 8);
	inet_pton(AF_INET6, "fd00:77:2::2", b + 24);
	return (40);
}

static size_t
tcp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
    int optwords)
{
	size_t	 hl = 20 + 4 * (size_t)optwords;

	memset(b, 0, hl);
	put16(b, sport);
	put16(b + 2, dport);
	b[4] = seq >> 24;
	b[5] = seq >> 16;
	b[6] = seq >> 8;
	b[7] = seq;
	b[12] = (uint8_t)((hl / 4) << 4);
	b[13] = flags;
	return (hl);
}

static size_t
udp(uint8_t *b, uint16_t sport, uint16_t dport, size_t plen)
{
	put16(b, sport);
	put16(b + 2, dport);
	put16(b + 4, (uint16_t)(8 + plen));
	put16(b + 6, 0);
	return (8);
}

static void
test_ipv4_tcp(void **state)
{
	uint8_t		 b[256];
	struct packet	 pk;
	size_t		 n;
	char		 a[64];

	(void)state;
	n = ipv4(b, IPPROTO_TCP, 32 + 5, 0);
	n += tcp(b + n, 51234, 443, 0x11223344, TCPF_ACK | TCPF_PSH, 3);
	memcpy(b + n, "hello", 5);
	n += 5;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_OK);
	assert_int_equal(pk.t.l4, IPPROTO_TCP);
	assert_int_equal(pk.t.sport, 51234);
	assert_int_equal(pk.t.dport, 443);
	assert_int_equal(pk.seq, 0x11223344);
	assert_int_equal(pk.tcpflags, TCPF_ACK | TCPF_PSH);
	assert_int_equal(pk.plen, 5);
	assert_memory_equal(pk.payload, "hello", 5);
	assert_string_equal(addr_ntop(&pk.t.src, a, sizeof(a)), "10.77.1.2");
	assert_string_equal(addr_ntop(&pk.t.dst, a, sizeof(a)), "10.77.2.2");
	/* a packet longer than its total length: the rest is padding */
	assert_int_equal(packet_parse(&pk, b, n + 10), PACKET_OK);
	assert_int_equal(pk.plen, 5);
	/* cut by the copy range: parse what is there */
	assert_int_equal(packet_parse(&pk, b, n - 2), PACKET_OK);
	assert_int_equal(pk.plen, 3);
}

static void
test_ipv4_errors(void **state)
{
	uint8_t		 b[256];
	struct packet	 pk;
	size_t		 n;

	(void)state;
	n = ipv4(b, IPPROTO_UDP, 8 + 4, 0);
	n += udp(b + n, 5353, 53, 4);
	n += 4;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_OK);
	assert_int_equal(pk.plen, 4);
	assert_int_equal(packet_parse(&pk, b, 19), PACKET_ESHORT);
	assert_int_equal(packet_parse(&pk, b, 0), PACKET_ESHORT);
	b[0] = 0x44;				/* IHL 4 */
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EHEADER);
	b[0] = 0x45;
	put16(b + 6, 0x2000);			/* more fragments */
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EFRAGMENT);
	put16(b + 6, 0x0010);			/* an offset */
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EFRAGMENT);
	put16(b + 6, 0x4000);			/* DF is fine */
	assert_int_equal(packet_parse(&pk, b, n), PACKET_OK);
	b[9] = IPPROTO_ICMP;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EPROTO);
	b[9] = IPPROTO_UDP;
	put16(b + 24, 7);			/* UDP length < 8 */
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EHEADER);
	b[0] = 0x55;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EVERSION);
	assert_string_equal(packet_strerror(PACKET_EFRAGMENT), "fragment");
	/* TCP data offset below 5 and beyond the packet */
	n = ipv4(b, IPPROTO_TCP, 20, 0);
	n += tcp(b + n, 1, 2, 0, TCPF_SYN, 0);
	b[20 + 12] = 0x40;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EHEADER);
	b[20 + 12] = 0xf0;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_ESHORT);
}

/* IPv6 with a hop-by-hop, a destination options and an atomic fragment. */
static void
test_ipv6_extensions(void **state)
{
	uint8_t		 b[512];
	struct packet	 pk;
	size_t		 n, ext = 8 + 16 + 8, l4;
	char		 a[64];

	(void)state;
	n = ipv6(b, 0, ext + 8 + 3);
	memset(b + n, 0, ext);
	b[n] = 60;		/* hop-by-hop -> destination options */
	b[n + 1] = 0;		/* 8 bytes */
	b[n + 8] = 44;		/* destination options -> fragment */
	b[n + 9] = 1;		/* 16 bytes */
	b[n + 24] = IPPROTO_UDP;	/* fragment -> UDP, atomic */
	n += ext;
	l4 = n;
	n += udp(b + n, 40000, 53, 3);
	memcpy(b + n, "abc", 3);
	n += 3;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_OK);
	assert_int_equal(pk.t.l4, IPPROTO_UDP);
	assert_int_equal(pk.t.dport, 53);
	assert_int_equal(pk.plen, 3);
	assert_string_equal(addr_ntop(&pk.t.src, a, sizeof(a)),
	    "fd00:77:1::2");
	/* a real fragment: offset or more-fragments */
	put16(b + 40 + 24 + 2, 0x0001);
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EFRAGMENT);
	put16(b + 40 + 24 + 2, 0x0008);
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EFRAGMENT);
	put16(b + 40 + 24 + 2, 0);
	/* an extension header running past the packet */
	b[40 + 9] = 200;
	assert_int_equal(packet_parse(&pk, b, n), PACKET_ESHORT);
	b[40 + 9] = 1;
	(void)l4;
}

static void
test_ipv6_extension_bound(void **state)
{
	uint8_t		 b[512];
	struct packet	 pk;
	size_t		 n;
	int		 i;

	(void)state;
	n = ipv6(b, 60, 10 * 8 + 20);
	for (i = 0; i < 10; i++, n += 8) {
		memset(b + n, 0, 8);
		b[n] = (i == 9) ? IPPROTO_TCP : 60;
	}
	n += tcp(b + n, 1, 443, 0, TCPF_SYN, 0);
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EEXT);
	/* ESP and no-next-header are not TCP or UDP */
	n = ipv6(b, 50, 8);
	memset(b + n, 0, 8);
	assert_int_equal(packet_parse(&pk, b, n + 8), PACKET_EPROTO);
	n = ipv6(b, 59, 0);
	assert_int_equal(packet_parse(&pk, b, n), PACKET_EPROTO);
	assert_int_equal(packet_parse(&pk, b, 39), PACKET_ESHORT);
}

/* Every packet of the real captures parses, v4 and v6, TCP and UDP. */
static void
test_captures(void **state)
{
	static const char *files[] = { "dns-udp.pcap", "dns-tcp.pcap",
	    "tls-curl.pcap", "http-curl.pcap", "http-ipv6.pcap",
	    "tls-split-segments.pcap" };
	struct pcap	 pc;
	struct packet	 pk;
	size_t		 f, i, tcp = 0, udp = 0, v6 = 0;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		if (pcap_open(&pc, files[f]) == -1)
			fail_msg("%s", pc.err);
		assert_true(pc.n > 0);
		for (i = 0; i < pc.n; i++) {
			assert_int_equal(packet_parse(&pk, pc.pkt[i].ip,
			    pc.pkt[i].len), PACKET_OK);
			tcp += pk.t.l4 == IPPROTO_TCP;
			udp += pk.t.l4 == IPPROTO_UDP;
			v6 += pk.t.src.family == AF_INET6;
		}
		pcap_close(&pc);
	}
	assert_true(tcp > 0 && udp > 0 && v6 > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_errors),
		cmocka_unit_test(test_ipv6_extensions),
		cmocka_unit_test(test_ipv6_extension_bound),
		cmocka_unit_test(test_captures),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
