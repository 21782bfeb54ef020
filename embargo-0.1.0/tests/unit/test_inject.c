/*
 * test_inject.c: the packets the daemon sends itself, built whole: they
 * must parse as the packets they claim to be, with every checksum
 * right (the receiver drops them otherwise, silently).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "inject.h"
#include "packet.h"

/* The resolver 10.77.2.2:53 answering the client 10.77.1.2:40000. */
static void
tuple(struct tuple *t, int v6, uint8_t l4)
{
	memset(t, 0, sizeof(*t));
	t->src.family = t->dst.family = v6 ? AF_INET6 : AF_INET;
	inet_pton(t->src.family, v6 ? "fd00:77:2::2" : "10.77.2.2", t->src.u.b);
	inet_pton(t->dst.family, v6 ? "fd00:77:1::2" : "10.77.1.2", t->dst.u.b);
	t->sport = l4 == IPPROTO_UDP ? 53 : 443;
	t->dport = 40000;
	t->l4 = l4;
}

/* The one's complement sum of n bytes, folded (RFC 1071), plus extra. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint64_t extra)
{
	uint64_t	 s = extra;
	size_t		 i;

	for (i = 0; i < n; i++)
		s += (i % 2 == 0) ? (uint64_t)p[i] << 8 : p[i];
	while (s > 0xffff)
		s = (s >> 16) + (s & 0xffff);
	return ((uint32_t)s);
}

/* A transport checksum verifies: the sum over pseudo-header and all. */
static void
expect_l4_sum(const uint8_t *b, size_t hlen, size_t len, int v6, uint8_t p)
{
	uint64_t	 pseudo = p + (len - hlen);

	if (v6)
		pseudo += sum16(b + 8, 32, 0);
	else
		pseudo += sum16(b + 12, 8, 0);
	assert_int_equal(sum16(b + hlen, len - hlen, pseudo), 0xffff);
}

static void
expect_same_tuple(const struct tuple *a, const struct tuple *b)
{
	size_t	 n = a->src.family == AF_INET ? 4 : 16;

	assert_int_equal(a->src.family, b->src.family);
	assert_memory_equal(a->src.u.b, b->src.u.b, n);
	assert_memory_equal(a->dst.u.b, b->dst.u.b, n);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->l4, b->l4);
}

static void
test_udp(void **state)
{
	static const uint8_t	 odd[] = "an answer of odd length";
	uint8_t			 b[1200];
	struct tuple		 t;
	struct packet		 pk;
	size_t			 n;
	int			 v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		tuple(&t, v6, IPPROTO_UDP);
		n = inject_build_udp(&t, odd, sizeof(odd) - 1, b, sizeof(b));
		assert_int_equal(n, (v6 ? 40 : 20) + 8 + sizeof(odd) - 1);
		assert_int_equal(packet_parse(&pk, b, n), PACKET_OK);
		expect_same_tuple(&pk.t, &t);
		assert_int_equal(pk.plen, sizeof(odd) - 1);
		assert_memory_equal(pk.payload, odd, pk.plen);
		if (!v6) {
			assert_int_equal(sum16(b, 20, 0), 0xffff);
			assert_int_equal(b[8], 64);		/* TTL */
		}
		expect_l4_sum(b, v6 ? 40 : 20, n, v6, IPPROTO_UDP);
		assert_true(b[(v6 ? 40 : 20) + 6] | b[(v6 ? 40 : 20) + 7]);
		/* too small a buffer builds nothing */
		assert_int_equal(inject_build_udp(&t, odd, sizeof(odd) - 1, b,
		    n - 1), 0);
	}
}

static void
test_rst(void **state)
{
	uint8_t		 b[128];
	struct tuple	 t;
	struct packet	 pk;
	size_t		 n;
	int		 v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		tuple(&t, v6, IPPROTO_TCP);
		/* RST|ACK: seq and ack as given */
		n = inject_build_rst(&t, 0x01020304, 0xa0b0c0d0, b, sizeof(b));
		assert_int_equal(n, (v6 ? 40 : 20) + 20);
		assert_int_equal(packet_parse(&pk, b, n), PACKET_OK);
		expect_same_tuple(&pk.t, &t);
		assert_int_equal(pk.tcpflags, TCPF_RST | TCPF_ACK);
		assert_int_equal(pk.seq, 0x01020304);
		assert_int_equal(pk.ack, 0xa0b0c0d0);
		assert_int_equal(pk.plen, 0);
		expect_l4_sum(b, v6 ? 40 : 20, n, v6, IPPROTO_TCP);
		if (!v6)
			assert_int_equal(sum16(b, 20, 0), 0xffff);
		/* no ack: a bare RST */
		n = inject_build_rst(&t, 7, 0, b, sizeof(b));
		assert_int_equal(packet_parse(&pk, b, n), PACKET_OK);
		assert_int_equal(pk.tcpflags, TCPF_RST);
		expect_l4_sum(b, v6 ? 40 : 20, n, v6, IPPROTO_TCP);
		assert_int_equal(inject_build_rst(&t, 7, 0, b, 30), 0);
	}
}

/* Sending without sockets fails and says so; it never crashes. */
static void
test_closed(void **state)
{
	struct inject	 in = { -1, -1 };
	struct tuple	 t;

	(void)state;
	tuple(&t, 0, IPPROTO_UDP);
	assert_int_equal(inject_udp(&in, &t, (const uint8_t *)"x", 1), -1);
	tuple(&t, 1, IPPROTO_TCP);
	assert_int_equal(inject_rst(&in, &t, 1, 2), -1);
	inject_close(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_closed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
