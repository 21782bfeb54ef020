/*
 * test_replay.c: the link layers in front of captured packets, from the
 * real captures under tests/data (Ethernet, Linux cooked v1 and v2) and
 * frames built from their bytes (VLAN tags, raw IP, loopback).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "replay.h"

#define FRAMEMAX	2048

struct frame {
	int	 dlt;
	uint8_t	 b[FRAMEMAX];
	size_t	 len;
};

/* The first frame of a capture under tests/data, as captured. */
static void
first_frame(const char *name, struct frame *f)
{
	char			 path[1024], err[PCAP_ERRBUF_SIZE];
	const char		*top = getenv("top_srcdir");
	struct pcap_pkthdr	*h;
	const u_char		*p;
	pcap_t			*pc;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".",
	    name);
	pc = pcap_open_offline(path, err);
	if (pc == NULL)
		fail_msg("%s: %s", path, err);
	assert_int_equal(pcap_next_ex(pc, &h, &p), 1);
	assert_true(h->caplen <= FRAMEMAX);
	f->dlt = pcap_datalink(pc);
	memcpy(f->b, p, h->caplen);
	f->len = h->caplen;
	pcap_close(pc);
}

static void
expect_ip(const struct frame *f, size_t want, int version)
{
	size_t	 off = 99;

	assert_int_equal(replay_link(f->dlt, f->b, f->len, &off),
	    REPLAY_LINK_IP);
	assert_int_equal(off, want);
	assert_int_equal(f->b[off] >> 4, version);
}

/* The three link types tcpdump wrote for us on Linux. */
static void
test_captured(void **state)
{
	struct frame	 f;

	(void)state;
	first_frame("dns-udp.pcap", &f);
	assert_int_equal(f.dlt, DLT_EN10MB);
	expect_ip(&f, 14, 4);
	first_frame("dns-tcp.pcap", &f);
	assert_int_equal(f.dlt, DLT_LINUX_SLL);
	expect_ip(&f, 16, 6);
	first_frame("tls-openssl.pcap", &f);
	assert_int_equal(f.dlt, 276);	/* LINUX_SLL2 */
	expect_ip(&f, 20, 4);
	first_frame("tls-gnutls.pcap", &f);
	expect_ip(&f, 16, 6);
}

/* Insert an 802.1Q-style tag of type tpid after the MAC addresses. */
static void
add_tag(struct frame *f, uint16_t tpid, uint16_t vid)
{
	memmove(f->b + 16, f->b + 12, f->len - 12);
	f->b[12] = tpid >> 8;
	f->b[13] = tpid & 0xff;
	f->b[14] = vid >> 8;
	f->b[15] = vid & 0xff;
	f->len += 4;
}

/* 802.1Q, QinQ (802.1ad outside), up to REPLAY_VLANMAX tags. */
static void
test_vlan(void **state)
{
	struct frame	 f;
	size_t		 off;
	int		 i;

	(void)state;
	first_frame("dns-udp.pcap", &f);
	add_tag(&f, 0x8100, 42);
	expect_ip(&f, 18, 4);
	add_tag(&f, 0x88a8, 7);
	expect_ip(&f, 22, 4);
	for (i = 2; i < REPLAY_VLANMAX; i++)
		add_tag(&f, 0x8100, 1);
	expect_ip(&f, 14 + 4 * REPLAY_VLANMAX, 4);
	add_tag(&f, 0x8100, 1);
	assert_int_equal(replay_link(f.dlt, f.b, f.len, &off),
	    REPLAY_LINK_OTHER);
	/* a tag cut off */
	assert_int_equal(replay_link(f.dlt, f.b, 16, &off),
	    REPLAY_LINK_SHORT);
}

/* ARP, and frames shorter than their link header. */
static void
test_other(void **state)
{
	struct frame	 f;
	size_t		 off;

	(void)state;
	first_frame("dns-udp.pcap", &f);
	f.b[12] = 0x08;
	f.b[13] = 0x06;		/* ARP */
	assert_int_equal(replay_link(f.dlt, f.b, f.len, &off),
	    REPLAY_LINK_OTHER);
	assert_int_equal(replay_link(DLT_EN10MB, f.b, 13, &off),
	    REPLAY_LINK_SHORT);
	assert_int_equal(replay_link(DLT_LINUX_SLL, f.b, 15, &off),
	    REPLAY_LINK_SHORT);
	assert_int_equal(replay_link(276, f.b, 19, &off), REPLAY_LINK_SHORT);
	assert_int_equal(replay_link(DLT_NULL, f.b, 3, &off),
	    REPLAY_LINK_SHORT);
}

/* Raw IP and the BSD loopback header, built from a real IPv4 packet. */
static void
test_raw_loop(void **state)
{
	struct frame	 f, g;
	size_t		 off;

	(void)state;
	first_frame("dns-udp.pcap", &f);
	g.dlt = DLT_RAW;
	memcpy(g.b, f.b + 14, g.len = f.len - 14);
	expect_ip(&g, 0, 4);
	g.dlt = 229;		/* DLT_IPV6: the header says 4, and is judged */
	expect_ip(&g, 0, 4);
	g.dlt = DLT_NULL;
	memcpy(g.b + 4, f.b + 14, f.len - 14);
	g.len = f.len - 10;
	memcpy(g.b, &(uint32_t){ 2 }, 4);	/* AF_INET, host order */
	expect_ip(&g, 4, 4);
	g.dlt = DLT_LOOP;
	memcpy(g.b, "\0\0\0\x1e", 4);		/* AF_INET6 of macOS, BE */
	expect_ip(&g, 4, 4);
	memcpy(g.b, "\0\0\0\x07", 4);
	assert_int_equal(replay_link(DLT_LOOP, g.b, g.len, &off),
	    REPLAY_LINK_OTHER);
	assert_true(replay_linktype_ok(DLT_EN10MB));
	assert_false(replay_linktype_ok(DLT_IEEE802_11));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_other),
		cmocka_unit_test(test_raw_loop),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
