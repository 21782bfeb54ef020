/*
 * test_inspect.c: the packet path from IP packet to verdict, with real
 * captured packets (tests/data) and real ClientHello bytes cut into
 * segments in every order that matters.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "big_hello.h"
#include "child.h"
#include "ct.h"
#include "fixture.h"
#include "inspect.h"
#include "learn.h"
#include "log.h"
#include "packet.h"
#include "pcap.h"

#define BLOCKLIST \
	"upd.kaspersky.com\nexact ds.kaspersky.com\n" \
	"geo.kaspersky.com\nallow ok.upd.kaspersky.com\n"

struct env {
	struct inspect	 in;
	struct stats	 stats;
	struct conf	 conf;
};

static struct env *
env_new(const char *list, enum conf_action action, enum conf_mode mode,
    int drop)
{
	struct env	*e = calloc(1, sizeof(*e));

	e->conf.limit[LIMIT_FLOWS] = 16;
	e->conf.limit[LIMIT_GATHER_BUFFERS] = 4;
	e->conf.limit[LIMIT_GATHER_BYTES] = 16384;
	e->conf.limit[LIMIT_FLOW_TIMEOUT] = 30;
	e->conf.limit[LIMIT_DECIDED_TIMEOUT] = 5;
	inspect_init(&e->in, &e->conf, &e->stats, NULL, 0);
	e->in.policy = fixture_policy(list, action, mode, drop);
	e->in.now_ms = 1000;
	return (e);
}

static void
env_free(struct env *e)
{
	policy_unref(e->in.policy);
	inspect_free(&e->in);
	free(e);
}

static uint64_t
count(struct env *e, enum stats_id k)
{
	return (stats_get(&e->stats, k));
}

/*
 * Run the client's packets of a capture (the firewall queues only that
 * direction); v[] gets the verdict of each packet with a payload.
 * Returns how many there were.
 */
static size_t
run_capture(struct env *e, const char *file, enum verdict *v, size_t max)
{
	struct pcap	 pc;
	struct packet	 pk;
	enum verdict	 r;
	size_t		 i, n = 0;

	if (pcap_open(&pc, file) == -1)
		fail_msg("%s", pc.err);
	for (i = 0; i < pc.n; i++) {
		assert_int_equal(packet_parse(&pk, pc.pkt[i].ip,
		    pc.pkt[i].len), PACKET_OK);
		if (pk.t.sport < 1024 || pk.t.sport == 8080)
			continue;	/* from the server */
		r = inspect_packet(&e->in, pc.pkt[i].ip, pc.pkt[i].len);
		if (pk.plen > 0 && n < max)
			v[n++] = r;
	}
	pcap_close(&pc);
	assert_true(n > 0);
	return (n);
}

/*
 * The verdict of a capture's first message; every later packet with a
 * payload must get the same (a decided flow), unless same is 0.
 */
static enum verdict
first_verdict(struct env *e, const char *file, int same)
{
	enum verdict	 v[64];
	size_t		 i, n = run_capture(e, file, v, 64);

	for (i = 1; same && i < n; i++)
		if (v[i] != v[0])
			fail_msg("%s: payload packet %zu: verdict %d, not %d",
			    file, i, v[i], v[0]);
	return (v[0]);
}

/* The bytes a TCP client sent in a capture. */
static void
client_stream(const char *file, uint16_t dport, struct pcap_stream *s)
{
	char	 err[512];

	if (pcap_stream_file(file, dport, s, err, sizeof(err)) == -1)
		fail_msg("%s", err);
}

/* An IPv4 TCP packet 10.9.0.1:sport -> 10.9.0.2:dport. */
static size_t
tcp4(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
    const uint8_t *payload, size_t len)
{
	size_t	 tot = 40 + len;

	memset(b, 0, 40);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = IPPROTO_TCP;
	inet_pton(AF_INET, "10.9.0.1", b + 12);
	inet_pton(AF_INET, "10.9.0.2", b + 16);
	b[20] = sport >> 8;
	b[21] = sport & 0xff;
	b[22] = dport >> 8;
	b[23] = dport & 0xff;
	b[24] = seq >> 24;
	b[25] = seq >> 16;
	b[26] = seq >> 8;
	b[27] = seq;
	b[32] = 5 << 4;
	b[33] = flags;
	if (len > 0)
		memcpy(b + 40, payload, len);
	return (tot);
}

/* Send one segment of a crafted flow; return its verdict. */
static enum verdict
seg(struct env *e, uint16_t sport, uint16_t dport, uint32_t isn,
    const uint8_t *data, size_t off, size_t len)
{
	static uint8_t	 b[70000];
	size_t		 n;

	n = tcp4(b, sport, dport, isn + 1 + (uint32_t)off,
	    TCPF_ACK | TCPF_PSH, data + off, len);
	return (inspect_packet(&e->in, b, n));
}

static enum verdict
syn(struct env *e, uint16_t sport, uint16_t dport, uint32_t isn)
{
	uint8_t	 b[64];

	return (inspect_packet(&e->in, b, tcp4(b, sport, dport, isn, TCPF_SYN,
	    NULL, 0)));
}

/* ---------------------------------------------------------------- DNS */

static void
test_dns_udp(void **state)
{
	struct env	*e;

	(void)state;
	/* dig ds.kaspersky.com A: dropped; the answer packet is not ours */
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	assert_int_equal(first_verdict(e, "dns-udp.pcap", 0), VERDICT_DROP);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
	assert_int_equal(count(e, STAT_PROTO_DNS), 1);
	env_free(e);
	/* not on the list: passes, no event */
	e = env_new("kaspersky-labs.com\n", ACTION_BLOCK, MODE_BLOCK, 0);
	assert_int_equal(first_verdict(e, "dns-udp.pcap", 0), VERDICT_PASS);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 0);
	env_free(e);
	/* audit mode and audit lists pass with an event */
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_AUDIT, 0);
	assert_int_equal(first_verdict(e, "dns-udp.pcap", 0), VERDICT_PASS);
	assert_int_equal(count(e, STAT_EVENT_AUDIT), 1);
	env_free(e);
	e = env_new(BLOCKLIST, ACTION_AUDIT, MODE_BLOCK, 0);
	assert_int_equal(first_verdict(e, "dns-upper.pcap", 0), VERDICT_PASS);
	assert_int_equal(count(e, STAT_EVENT_AUDIT), 0);	/* not listed */
	env_free(e);
	/* upper case on the wire still matches; EDNS; the root query */
	e = env_new("kaspersky-labs.com\nupd.kaspersky.com\n", ACTION_BLOCK,
	    MODE_BLOCK, 0);
	assert_int_equal(first_verdict(e, "dns-upper.pcap", 0), VERDICT_DROP);
	assert_int_equal(first_verdict(e, "dns-edns.pcap", 0), VERDICT_DROP);
	assert_int_equal(first_verdict(e, "dns-root.pcap", 0), VERDICT_PASS);
	env_free(e);
}

static void
test_dns_tcp(void **state)
{
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	uint8_t			 two[1024];
	size_t			 n;

	(void)state;
	/* dig +tcp s12.upd.kaspersky.com AAAA over IPv6: the flow blocks */
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	assert_int_equal(first_verdict(e, "dns-tcp.pcap", 1),
	    VERDICT_BLOCK);
	env_free(e);
	/* allowed: passes, and the flow stays under inspection */
	e = env_new("example.org\n", ACTION_BLOCK, MODE_BLOCK, 0);
	assert_int_equal(first_verdict(e, "dns-tcp.pcap", 0), VERDICT_PASS);
	env_free(e);

	/* the same message split after one byte, then mid-question */
	client_stream("dns-tcp.pcap", 53, s);
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	assert_int_equal(syn(e, 4000, 53, 100), VERDICT_PASS);
	assert_int_equal(seg(e, 4000, 53, 100, s->buf, 0, 1), VERDICT_PASS);
	assert_int_equal(seg(e, 4000, 53, 100, s->buf, 1, 20), VERDICT_PASS);
	assert_int_equal(seg(e, 4000, 53, 100, s->buf, 21, s->len - 21),
	    VERDICT_BLOCK);
	env_free(e);

	/* two queries in one segment, an allowed one and then a blocked one */
	e = env_new("upd.kaspersky.com\n", ACTION_BLOCK, MODE_BLOCK, 0);
	client_stream("dns-tcp.pcap", 53, s);
	n = s->len;
	memcpy(two, s->buf, n);
	memcpy(two + n, s->buf, n);
	/* rename the first one's question: s12 -> s12.upd... stays, so
	 * make it "x12" under another suffix by changing the second label */
	two[2 + 12 + 1 + 3 + 1] = 'x';	/* "upd" -> "xpd" */
	assert_int_equal(syn(e, 4001, 53, 7), VERDICT_PASS);
	assert_int_equal(seg(e, 4001, 53, 7, two, 0, n), VERDICT_PASS);
	assert_int_equal(seg(e, 4001, 53, 7, two, n, n), VERDICT_BLOCK);
	env_free(e);
	free(s);
}

/* ---------------------------------------------------------------- TLS */

static void
test_tls_captures(void **state)
{
	struct env	*e;
	enum verdict	 v[8];

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	/* curl, openssl, a split in two segments, a split in two records */
	assert_int_equal(first_verdict(e, "tls-curl.pcap", 1),
	    VERDICT_BLOCK);
	assert_int_equal(first_verdict(e, "tls-openssl.pcap", 1),
	    VERDICT_BLOCK);
	assert_int_equal(first_verdict(e, "tls-split-segments.pcap", 0),
	    VERDICT_PASS);		/* the first piece passes ... */
	assert_int_equal(first_verdict(e, "tls-split-records.pcap", 1),
	    VERDICT_BLOCK);
	/* gnutls-cli over IPv6 to ksn-a.kaspersky-labs.com: not listed */
	assert_int_equal(first_verdict(e, "tls-gnutls.pcap", 1),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 4);
	assert_int_equal(count(e, STAT_PROTO_TLS), 5);
	env_free(e);
	/* the split capture: ... and the piece that completes it blocks */
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	assert_true(run_capture(e, "tls-split-segments.pcap", v, 8) >= 2);
	assert_int_equal(v[0], VERDICT_PASS);
	assert_int_equal(v[1], VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
	env_free(e);
	/* audit: allowed, with an event */
	e = env_new(BLOCKLIST, ACTION_AUDIT, MODE_BLOCK, 0);
	assert_int_equal(first_verdict(e, "tls-curl.pcap", 1),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_EVENT_AUDIT), 1);
	env_free(e);
}

/* Cut the curl ClientHello into three pieces at a and b. */
static void
three(struct pcap_stream *s, size_t *a, size_t *b)
{
	client_stream("tls-curl.pcap", 443, s);
	*a = 100;		/* inside the random / session id */
	*b = 200;		/* inside the extensions */
	assert_true(s->len > 300);
}

static void
test_tls_out_of_order(void **state)
{
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	size_t			 a, b;

	(void)state;
	three(s, &a, &b);
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	/* last, first, middle: the middle completes it */
	syn(e, 5000, 443, 1000);
	assert_int_equal(seg(e, 5000, 443, 1000, s->buf, b, s->len - b),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 5000, 443, 1000, s->buf, 0, a), VERDICT_PASS);
	assert_int_equal(seg(e, 5000, 443, 1000, s->buf, a, b - a),
	    VERDICT_BLOCK);
	/* middle, last, first */
	syn(e, 5001, 443, 0xfffffff0U);		/* and across 2^32 */
	assert_int_equal(seg(e, 5001, 443, 0xfffffff0U, s->buf, a, b - a),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 5001, 443, 0xfffffff0U, s->buf, b,
	    s->len - b), VERDICT_PASS);
	assert_int_equal(seg(e, 5001, 443, 0xfffffff0U, s->buf, 0, a),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 2);
	env_free(e);
	free(s);
}

static void
test_tls_retransmissions(void **state)
{
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	size_t			 a, b;

	(void)state;
	three(s, &a, &b);
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	syn(e, 5002, 443, 50);
	syn(e, 5002, 443, 50);			/* the SYN again */
	assert_int_equal(seg(e, 5002, 443, 50, s->buf, 0, a), VERDICT_PASS);
	assert_int_equal(seg(e, 5002, 443, 50, s->buf, 0, a), VERDICT_PASS);
	/* the name is whole in the first b bytes: judged there */
	assert_int_equal(seg(e, 5002, 443, 50, s->buf, 0, b), VERDICT_BLOCK);
	/* after the decision, a retransmission gets the same verdict */
	assert_int_equal(seg(e, 5002, 443, 50, s->buf, a, s->len - a),
	    VERDICT_BLOCK);
	assert_int_equal(seg(e, 5002, 443, 50, s->buf, 0, a), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
	env_free(e);
	free(s);
}

/*
 * An overlapping segment with another name in it cannot replace the
 * bytes already read (the server's stack delivered them too): the real
 * name blocks as soon as it is whole, and later copies change nothing;
 * cut inside the name, the rest is read from the new copy, as the
 * server reads it.
 */
static void
test_tls_overlap_first_wins(void **state)
{
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	uint8_t			*fake;
	char			*sni;
	size_t			 at, a;

	(void)state;
	client_stream("tls-curl.pcap", 443, s);
	sni = memmem(s->buf, s->len, "s12.upd.kaspersky.com", 21);
	assert_non_null(sni);
	at = (size_t)((uint8_t *)sni - s->buf);
	fake = malloc(s->len);
	memcpy(fake, s->buf, s->len);
	memcpy(fake + at, "s12.upd.kaspersky.xyz", 21);
	a = at - 10;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	syn(e, 5003, 443, 9);
	/* the real first part, the whole name in it ... */
	assert_int_equal(seg(e, 5003, 443, 9, s->buf, 0, at + 25),
	    VERDICT_BLOCK);
	/* ... then the rest, overlapping the name with another */
	assert_int_equal(seg(e, 5003, 443, 9, fake, a, s->len - a),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
	/* cut inside the name: the server reads ...kaspersky.xyz */
	syn(e, 5004, 443, 9);
	assert_int_equal(seg(e, 5004, 443, 9, s->buf, 0, at + 10),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 5004, 443, 9, fake, a, s->len - a),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_OVERLAPS), 0);
	env_free(e);
	free(fake);
	free(s);
}

/*
 * ClientHellos of 17,000 and 40,000 bytes, bigger than gather-bytes
 * (16384), are judged by their server name: in order in 1460-byte
 * segments, the segment that completes the name is dropped, and no
 * bound is hit; with the name first, long before the end; out of order
 * within the buffer's reach, the same; and an allowed name passes.
 */
static void
test_tls_big(void **state)
{
	static uint8_t	 b[BIG_MAX];
	static const size_t sizes[] = { 17000, 40000 };
	struct env	*e;
	size_t		 i, len, off, n;
	enum verdict	 v, last;

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	for (i = 0; i < 2; i++) {
		/* the name last: every segment but the last passes */
		len = big_hello(sizes[i], 0, "s12.upd.kaspersky.com", b);
		syn(e, (uint16_t)(7000 + i), 443, 1);
		for (off = 0, v = VERDICT_PASS; off < len; off += n) {
			n = len - off < 1460 ? len - off : 1460;
			v = seg(e, (uint16_t)(7000 + i), 443, 1, b, off, n);
			if (off + n < len)
				assert_int_equal(v, VERDICT_PASS);
		}
		assert_int_equal(v, VERDICT_BLOCK);
		/* the name first: the third segment holds it */
		len = big_hello(sizes[i], 1, "ds.kaspersky.com", b);
		syn(e, (uint16_t)(7010 + i), 443, 1);
		assert_int_equal(seg(e, (uint16_t)(7010 + i), 443, 1, b, 0, 60),
		    VERDICT_PASS);
		assert_int_equal(seg(e, (uint16_t)(7010 + i), 443, 1, b, 60,
		    1400), VERDICT_BLOCK);
		/* pairs of segments swapped */
		len = big_hello(sizes[i], 0, "s12.upd.kaspersky.com", b);
		syn(e, (uint16_t)(7020 + i), 443, 1);
		last = VERDICT_PASS;
		for (off = 0; off < len; off += 2920) {
			n = len - off < 2920 ? len - off : 2920;
			if (n > 1460)
				last = seg(e, (uint16_t)(7020 + i), 443, 1, b,
				    off + 1460, n - 1460);
			if (last == VERDICT_PASS)
				last = seg(e, (uint16_t)(7020 + i), 443, 1, b,
				    off, n > 1460 ? 1460 : n);
		}
		assert_int_equal(last, VERDICT_BLOCK);
		/* allowed: the flow is let go at the end */
		len = big_hello(sizes[i], 0, "www.example.org", b);
		syn(e, (uint16_t)(7030 + i), 443, 1);
		for (off = 0; off < len; off += n) {
			n = len - off < 1460 ? len - off : 1460;
			v = seg(e, (uint16_t)(7030 + i), 443, 1, b, off, n);
		}
		assert_int_equal(v, VERDICT_ALLOW);
	}
	assert_int_equal(count(e, STAT_BOUND_GATHER), 0);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 6);
	env_free(e);
}

/* ---------------------------------------------------------------- HTTP */

/*
 * A request head of 40 KB, bigger than gather-bytes, is read as its
 * lines come: a blocked Host near its end is judged by the segment
 * that completes its line, with no bound hit; an allowed one passes,
 * and the next request on the connection is judged too.
 */
static void
test_http_big(void **state)
{
	static char	 h[65536];
	struct env	*e;
	size_t		 n, i, off, k = 0, hostat;
	enum verdict	 v = VERDICT_PASS;
	int		 round;

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	for (round = 0; round < 2; round++) {
		n = (size_t)snprintf(h, sizeof(h), "GET / HTTP/1.1\r\n");
		for (i = 0; i < 310; i++)
			n += (size_t)snprintf(h + n, sizeof(h) - n,
			    "X-Pad-%zu: %0120zu\r\n", i, i);
		hostat = n;
		n += (size_t)snprintf(h + n, sizeof(h) - n, "Host: %s\r\n"
		    "Accept: */*\r\n\r\n", round == 0 ?
		    "s12.upd.kaspersky.com" : "www.example.org");
		if (round == 1)	/* and a second request, blocked */
			n += (size_t)snprintf(h + n, sizeof(h) - n,
			    "GET / HTTP/1.1\r\nHost: ds.kaspersky.com\r\n\r\n");
		syn(e, (uint16_t)(7100 + round), 80, 1);
		for (off = 0; off < n; off += k) {
			k = n - off < 1460 ? n - off : 1460;
			v = seg(e, (uint16_t)(7100 + round), 80, 1,
			    (const uint8_t *)h, off, k);
			if (v != VERDICT_PASS)
				break;
		}
		/* the segment that holds the end of the blocked line */
		if (round == 0)
			assert_true(off <= hostat + 28 &&
			    off + k > hostat + 28);
		assert_int_equal(v, VERDICT_BLOCK);
	}
	assert_int_equal(count(e, STAT_BOUND_GATHER), 0);
	assert_int_equal(count(e, STAT_HTTP_REQUESTS), 1);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 2);
	env_free(e);
}

static void
test_http(void **state)
{
	struct env	*e;

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	/* Host: dnl-01.geo.kaspersky.com */
	assert_int_equal(first_verdict(e, "http-curl.pcap", 1),
	    VERDICT_BLOCK);
	/* Host: S12.UPD.Kaspersky.COM:8080 over IPv6 */
	assert_int_equal(first_verdict(e, "http-port.pcap", 1),
	    VERDICT_BLOCK);
	/* a proxy request for http://s12.upd.kaspersky.com/... */
	assert_int_equal(first_verdict(e, "http-proxy.pcap", 1),
	    VERDICT_BLOCK);
	/*
	 * Host is an address: nothing to match; the flow stays open for
	 * the connection's next request (keep-alive)
	 */
	assert_int_equal(first_verdict(e, "http-ipv6.pcap", 1),
	    VERDICT_PASS);
	assert_int_equal(first_verdict(e, "http-ipv4.pcap", 1),
	    VERDICT_PASS);
	assert_int_equal(count(e, STAT_PROTO_HTTP), 5);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 3);
	/* a proxy request names the blocked host only in its target */
	{
		const char *req = "GET http://s12.upd.kaspersky.com/u.xml "
		    "HTTP/1.1\r\nHost: allowed.example\r\n\r\n";

		syn(e, 8300, 3128, 1);
		assert_int_equal(seg(e, 8300, 3128, 1, (const uint8_t *)req, 0,
		    strlen(req)), VERDICT_BLOCK);
		/* and the other way round */
		req = "GET http://allowed.example/ HTTP/1.1\r\n"
		    "Host: ds.kaspersky.com\r\n\r\n";
		syn(e, 8301, 3128, 1);
		assert_int_equal(seg(e, 8301, 3128, 1, (const uint8_t *)req, 0,
		    strlen(req)), VERDICT_BLOCK);
	}
	env_free(e);
}

/*
 * Keep-alive: every request on a connection is judged, not only the
 * first; bodies of known length are stepped over, pipelined requests
 * in one segment are each judged, and a chunked body (whose end cannot
 * be told) leaves the flow allowed as before.
 */
static void
test_http_keep_alive(void **state)
{
	static const char first[] = "GET / HTTP/1.1\r\nHost: www.example.org"
	    "\r\n\r\n";
	static const char second[] = "GET /u HTTP/1.1\r\nHost: "
	    "s12.upd.kaspersky.com\r\n\r\n";
	static const char post[] = "POST /x HTTP/1.1\r\nHost: www.example.org"
	    "\r\nContent-Length: 10\r\n\r\n0123456789";
	static const char chunked[] = "POST /x HTTP/1.1\r\nHost: a.example\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	char		 both[512];
	struct env	*e;
	size_t		 a = sizeof(first) - 1, b = sizeof(second) - 1;
	size_t		 c = sizeof(post) - 1;

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	/* two requests, two segments: the second is blocked */
	syn(e, 8500, 80, 1);
	assert_int_equal(seg(e, 8500, 80, 1, (const uint8_t *)first, 0, a),
	    VERDICT_PASS);
	memcpy(both, first, a);
	memcpy(both + a, second, b);
	assert_int_equal(seg(e, 8500, 80, 1, (const uint8_t *)both, a, b),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_HTTP_REQUESTS), 1);
	/* pipelined in one segment */
	syn(e, 8501, 80, 1);
	assert_int_equal(seg(e, 8501, 80, 1, (const uint8_t *)both, 0, a + b),
	    VERDICT_BLOCK);
	/* a body of known length, then the next request split in two */
	memcpy(both, post, c);
	memcpy(both + c, second, b);
	syn(e, 8502, 80, 1);
	assert_int_equal(seg(e, 8502, 80, 1, (const uint8_t *)both, 0, c - 4),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 8502, 80, 1, (const uint8_t *)both, c - 4,
	    4 + 20), VERDICT_PASS);
	assert_int_equal(seg(e, 8502, 80, 1, (const uint8_t *)both, c + 20,
	    b - 20), VERDICT_BLOCK);
	/* allowed requests keep the flow open */
	syn(e, 8503, 80, 1);
	memcpy(both, first, a);
	memcpy(both + a, first, a);
	assert_int_equal(seg(e, 8503, 80, 1, (const uint8_t *)both, 0, 2 * a),
	    VERDICT_PASS);
	/* chunked: no way to the next request; allowed as a whole */
	syn(e, 8504, 80, 1);
	assert_int_equal(seg(e, 8504, 80, 1, (const uint8_t *)chunked, 0,
	    sizeof(chunked) - 1), VERDICT_ALLOW);
	env_free(e);
}

/* -------------------------------------------------- everything else */

static void
test_other_protocols(void **state)
{
	struct env	*e;
	const uint8_t	 ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
	uint8_t		 b[128];

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	syn(e, 6000, 22, 1);
	assert_int_equal(seg(e, 6000, 22, 1, ssh, 0, sizeof(ssh) - 1),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_PROTO_OTHER), 1);
	/* one byte cannot tell TLS from HTTP yet: wait for more */
	syn(e, 6001, 8443, 1);
	assert_int_equal(seg(e, 6001, 8443, 1, (const uint8_t *)"\x16", 0, 1),
	    VERDICT_PASS);
	/* a pure ACK and a FIN without data pass */
	assert_int_equal(inspect_packet(&e->in, b, tcp4(b, 6002, 443, 5,
	    TCPF_ACK, NULL, 0)), VERDICT_PASS);
	/* UDP that is not DNS is not ours */
	env_free(e);
}

/* Whatever cannot be judged gets the default verdict, and is counted. */
static void
test_malformed(void **state)
{
	struct env	*e;
	uint8_t		 b[128];
	const uint8_t	 badtls[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 0x02,
	    0x00, 0x00, 0x01, 0x00 };
	size_t		 n;

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	n = tcp4(b, 7000, 443, 1, TCPF_SYN, NULL, 0);
	assert_int_equal(inspect_packet(&e->in, b, 30), VERDICT_PASS);
	assert_int_equal(count(e, STAT_ERR_PACKET), 1);
	b[6] = 0x20;		/* a fragment */
	assert_int_equal(inspect_packet(&e->in, b, n), VERDICT_PASS);
	assert_int_equal(count(e, STAT_ERR_FRAGMENT), 1);
	syn(e, 7001, 443, 1);
	assert_int_equal(seg(e, 7001, 443, 1, badtls, 0, sizeof(badtls)),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_ERR_TLS), 1);
	env_free(e);

	/* fail closed: the same inputs are dropped or blocked */
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 1);
	n = tcp4(b, 7000, 443, 1, TCPF_SYN, NULL, 0);
	assert_int_equal(inspect_packet(&e->in, b, 30), VERDICT_DROP);
	syn(e, 7001, 443, 1);
	assert_int_equal(seg(e, 7001, 443, 1, badtls, 0, sizeof(badtls)),
	    VERDICT_BLOCK);
	(void)n;
	env_free(e);
}

static void
test_bounds(void **state)
{
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	uint8_t			 big[9];
	static const uint8_t	 far[20010];
	uint16_t		 p;

	(void)state;
	client_stream("tls-curl.pcap", 443, s);
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	/* four gather buffers: a fifth flow in mid-gather gets the default */
	for (p = 0; p < 4; p++) {
		syn(e, 8000 + p, 443, 1);
		assert_int_equal(seg(e, 8000 + p, 443, 1, s->buf, 0, 50),
		    VERDICT_PASS);
	}
	syn(e, 8004, 443, 1);
	assert_int_equal(seg(e, 8004, 443, 1, s->buf, 0, 50), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_BOUND_BUFFERS), 1);
	/*
	 * sixteen flows: the seventeenth takes the place of a decided one
	 * (the fifth, decided by the bound above) and is judged as any
	 */
	for (p = 5; p < 16; p++)
		syn(e, 8000 + p, 443, 1);
	assert_int_equal(syn(e, 9000, 443, 1), VERDICT_PASS);
	assert_int_equal(count(e, STAT_BOUND_FLOWS), 1);
	assert_int_equal(seg(e, 9000, 443, 1, s->buf, 0, s->len),
	    VERDICT_BLOCK);
	/* a flood of SYNs cannot keep a connection out of sight */
	for (p = 0; p < 200; p++)
		syn(e, 10000 + p, 443, 1);
	assert_int_equal(syn(e, 9001, 443, 1), VERDICT_PASS);
	assert_int_equal(seg(e, 9001, 443, 1, s->buf, 0, s->len),
	    VERDICT_BLOCK);
	env_free(e);

	/* a ClientHello announcing more than gather-bytes: read on */
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	/* a 16388-byte record starting an 18432-byte ClientHello */
	memcpy(big, "\x16\x03\x01\x40\x04\x01\x00\x48\x00", 9);
	syn(e, 8100, 443, 1);
	assert_int_equal(seg(e, 8100, 443, 1, big, 0, 9), VERDICT_PASS);
	assert_int_equal(count(e, STAT_BOUND_GATHER), 0);
	/* a segment further ahead than the buffer reaches: the bound */
	assert_int_equal(seg(e, 8100, 443, 1, far, 20000, 10), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_BOUND_GATHER), 1);
	env_free(e);
	free(s);
}

/*
 * A bound hit on a flow whose bytes already name a blocked host blocks
 * it by that name (guard): nine disjoint pieces, the name whole in one
 * of them; the same shape with an allowed name gets the default.
 */
static void
test_bound_names(void **state)
{
	static uint8_t		 b[BIG_MAX];
	struct env		*e;
	const char		*names[2] = { "s12.upd.kaspersky.com",
				    "www.example.org" };
	size_t			 len, at, i, k;
	enum verdict		 v = VERDICT_PASS;

	(void)state;
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	for (k = 0; k < 2; k++) {
		len = big_hello(2000, 1, names[k], b);
		at = (size_t)((uint8_t *)memmem(b, len, names[k],
		    strlen(names[k])) - b);
		syn(e, (uint16_t)(7200 + k), 443, 1);
		/* the name's piece first, then eight more, apart */
		assert_int_equal(seg(e, (uint16_t)(7200 + k), 443, 1, b,
		    at - 2, strlen(names[k]) + 4), VERDICT_PASS);
		for (i = 1; i <= 8; i++)
			v = seg(e, (uint16_t)(7200 + k), 443, 1, b,
			    at + 100 * i, 10);
		assert_int_equal(v, k == 0 ? VERDICT_BLOCK : VERDICT_ALLOW);
	}
	assert_int_equal(count(e, STAT_BOUND_SEGMENTS), 2);
	assert_int_equal(count(e, STAT_EXC_BLOCKED), 1);
	assert_int_equal(count(e, STAT_EXC_PASSED), 1);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
	env_free(e);
}

/*
 * No SYN seen (the daemon restarted, or the flow was given up): its
 * bytes cannot be read as a start, so the midstream exception decides:
 * by default the default verdict, unless a list claims the address or
 * the bytes still name a blocked host.
 */
static void
test_midstream_and_expiry(void **state)
{
	static uint8_t		 b[BIG_MAX];
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	size_t			 len;

	(void)state;
	client_stream("tls-curl.pcap", 443, s);
	len = big_hello(100, 1, "www.example.org", b);
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	assert_int_equal(seg(e, 8198, 443, 99, b, 0, len), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_MIDSTREAM), 1);
	assert_int_equal(count(e, STAT_EXC_PASSED), 1);
	/* the name in the bytes blocks, by its own rule */
	assert_int_equal(seg(e, 8199, 443, 99, s->buf, 0, s->len),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EXC_BLOCKED), 1);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
	/* pass means pass, drop means drop */
	e->in.policy->exception[EXC_MIDSTREAM] = EXCA_PASS;
	assert_int_equal(seg(e, 8197, 443, 99, s->buf, 0, s->len),
	    VERDICT_ALLOW);
	e->in.policy->exception[EXC_MIDSTREAM] = EXCA_DROP;
	assert_int_equal(seg(e, 8200, 443, 99, b, 0, len), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EXC_BLOCKED), 2);
	/* decided flows are forgotten after decided-timeout ... */
	e->in.now_ms += 6000;
	assert_int_equal(inspect_expire(&e->in), 4);
	/* ... undecided ones after flow-timeout */
	syn(e, 8201, 443, 1);
	e->in.now_ms += 29000;
	assert_int_equal(inspect_expire(&e->in), 0);
	e->in.now_ms += 2000;
	assert_int_equal(inspect_expire(&e->in), 1);
	assert_int_equal(count(e, STAT_FLOWS_EXPIRED), 5);
	env_free(e);
	free(s);
}

/* A control segment (RST, FIN) of a crafted flow at offset off. */
static enum verdict
ctl_seg(struct env *e, uint16_t sport, uint32_t isn, size_t off, uint8_t fl)
{
	uint8_t	 b[64];

	return (inspect_packet(&e->in, b, tcp4(b, sport, 443,
	    isn + 1 + (uint32_t)off, fl | TCPF_ACK, NULL, 0)));
}

/*
 * Evasions of the stream: data in the SYN (TCP Fast Open) is the start
 * of the stream; a RST or FIN that is not exactly in sequence does not
 * end the flow's inspection; a decoy sent out of order and then
 * covered by a longer piece with the same start is judged in both
 * views, the one Linux keeps and the other.
 */
static void
test_stream_evasions(void **state)
{
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	uint8_t			 b[20000], *decoy;
	char			*sni;
	size_t			 n, at;
	int			 i;

	(void)state;
	client_stream("tls-curl.pcap", 443, s);
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	/* TFO: the whole ClientHello in the SYN */
	n = tcp4(b, 8300, 443, 77, TCPF_SYN, s->buf, s->len);
	assert_int_equal(inspect_packet(&e->in, b, n), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_TFO), 1);
	/* TFO, split: the SYN has the first bytes, the rest follows */
	n = tcp4(b, 8301, 443, 77, TCPF_SYN, s->buf, 40);
	assert_int_equal(inspect_packet(&e->in, b, n), VERDICT_PASS);
	assert_int_equal(seg(e, 8301, 443, 77, s->buf, 40, s->len - 40),
	    VERDICT_BLOCK);

	/* an in-window RST and a FIN far ahead change nothing */
	syn(e, 8302, 443, 5);
	assert_int_equal(seg(e, 8302, 443, 5, s->buf, 0, 30), VERDICT_PASS);
	assert_int_equal(ctl_seg(e, 8302, 5, 1000, TCPF_RST), VERDICT_PASS);
	assert_int_equal(ctl_seg(e, 8302, 5, 5000, TCPF_FIN), VERDICT_PASS);
	assert_int_equal(count(e, STAT_OUT_OF_SEQUENCE), 2);
	assert_int_equal(seg(e, 8302, 443, 5, s->buf, 30, s->len - 30),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_MIDSTREAM), 0);
	/* the exact one does end it */
	syn(e, 8303, 443, 5);
	assert_int_equal(seg(e, 8303, 443, 5, s->buf, 0, 30), VERDICT_PASS);
	assert_int_equal(ctl_seg(e, 8303, 5, 30, TCPF_RST), VERDICT_PASS);
	assert_int_equal(count(e, STAT_OUT_OF_SEQUENCE), 2);

	/*
	 * The decoy: a look-alike name out of order, then the real piece
	 * from the same place and longer (Linux keeps it), then the start:
	 * the flow is judged in both views, and the real name blocks.
	 */
	sni = memmem(s->buf, s->len, "s12.upd.kaspersky.com", 21);
	at = (size_t)((uint8_t *)sni - s->buf);
	decoy = malloc(s->len);
	memcpy(decoy, s->buf, s->len);
	memcpy(decoy + at, "s12.upd.kaspersky.xyz", 21);
	syn(e, 8304, 443, 9);
	assert_int_equal(seg(e, 8304, 443, 9, decoy, 100, at + 21 - 100),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 8304, 443, 9, s->buf, 100, s->len - 100),
	    VERDICT_PASS);
	assert_int_equal(count(e, STAT_OVERLAPS), 1);
	assert_int_equal(count(e, STAT_EVENT_AUDIT), 1);  /* the overlap */
	assert_int_equal(seg(e, 8304, 443, 9, s->buf, 0, 100), VERDICT_BLOCK);
	/* ... the names the other way round: the view Linux drops blocks */
	syn(e, 8305, 443, 9);
	assert_int_equal(seg(e, 8305, 443, 9, s->buf, 100, at + 21 - 100),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 8305, 443, 9, decoy, 100, s->len - 100),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 8305, 443, 9, s->buf, 0, 100), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_OVERLAPS), 2);
	/* ... a retransmission of bytes already read, with the real name */
	syn(e, 8306, 443, 9);
	assert_int_equal(seg(e, 8306, 443, 9, decoy, 0, at + 30),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 8306, 443, 9, s->buf, 0, at + 30),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_OVERLAPS), 3);
	/* two views that both allow: allowed */
	memcpy(decoy + at, "s12.upd.kaspersky.xyy", 21);
	syn(e, 8307, 443, 9);
	memcpy(s->buf + at, "s12.upd.kaspersky.xyz", 21);
	assert_int_equal(seg(e, 8307, 443, 9, decoy, 100, at + 21 - 100),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 8307, 443, 9, s->buf, 100, s->len - 100),
	    VERDICT_PASS);
	assert_int_equal(seg(e, 8307, 443, 9, s->buf, 0, 100), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_OVERLAPS), 4);
	memcpy(s->buf + at, "s12.upd.kaspersky.com", 21);

	/*
	 * An HTTP head has one view: differing copies are the overlap
	 * exception, drop by default; pass lets such a flow go.
	 */
	for (i = 0; i < 2; i++) {
		if (i == 1)
			e->in.policy->exception[EXC_OVERLAP] = EXCA_PASS;
		syn(e, (uint16_t)(8308 + i), 80, 9);
		assert_int_equal(seg(e, (uint16_t)(8308 + i), 80, 9,
		    (const uint8_t *)"GET / HTTP/1.1\r\nHost: www.example.org"
		    "\r\n\r\n", 16, 10), VERDICT_PASS);
		assert_int_equal(seg(e, (uint16_t)(8308 + i), 80, 9,
		    (const uint8_t *)"GET / HTTP/1.1\r\nHost: ds.kaspersky.com"
		    "\r\n\r\n", 0, 42), i == 0 ? VERDICT_BLOCK : VERDICT_ALLOW);
		assert_int_equal(count(e, STAT_EXC_BLOCKED), 1);
	}
	env_free(e);
	free(decoy);
	free(s);
}

/* ------------------------------------------------ enforcement */

#define ENFORCELIST \
	"exact ksn.kaspersky.com\ngeo.kaspersky.com\nallow ok.example\n"

static struct env *
env_enforce(const char *list, const char *cidrs, enum conf_action action,
    enum conf_mode mode)
{
	struct env	*e = env_new(list, action, mode, 0);

	policy_unref(e->in.policy);
	e->in.policy = fixture_policy_ip(list, cidrs, action, mode, 0);
	e->in.learn = learn_new(64, 300);
	return (e);
}

static void
env_enforce_free(struct env *e)
{
	learn_free(e->in.learn);
	env_free(e);
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * A minimal TLS 1.3-style ClientHello: one cipher suite, and the
 * server_name extension when sni is given, the encrypted_client_hello
 * extension when ech is set.
 */
static size_t
hello(uint8_t *b, const char *sni, int ech)
{
	uint8_t	 ext[300];
	size_t	 e = 0, n = sni ? strlen(sni) : 0, body;

	if (sni != NULL) {
		put16(ext, 0);
		put16(ext + 2, n + 5);
		put16(ext + 4, n + 3);
		ext[6] = 0;
		put16(ext + 7, n);
		memcpy(ext + 9, sni, n);
		e = 9 + n;
	}
	if (ech) {
		put16(ext + e, 0xfe0d);
		put16(ext + e + 2, 4);
		memcpy(ext + e + 4, "\0\0\1\0", 4);
		e += 8;
	}
	body = 2 + 32 + 1 + 4 + 2 + 2 + e;
	b[0] = 0x16;
	b[1] = 3;
	b[2] = 1;
	put16(b + 3, body + 4);
	b[5] = 1;
	b[6] = 0;
	put16(b + 7, body);
	b[9] = 3;
	b[10] = 3;
	memset(b + 11, 0x5a, 32);
	b[43] = 0;				/* no session id */
	put16(b + 44, 2);
	put16(b + 46, 0x1301);
	b[48] = 1;
	b[49] = 0;				/* null compression */
	put16(b + 50, e);
	memcpy(b + 52, ext, e);
	return (52 + e);
}

/* A flow from 10.9.0.1:sport to 10.9.0.2:dport whose first message is m. */
static enum verdict
flow(struct env *e, uint16_t sport, uint16_t dport, const void *m, size_t n)
{
	assert_int_equal(syn(e, sport, dport, 1000), VERDICT_PASS);
	return (seg(e, sport, dport, 1000, m, 0, n));
}

static enum verdict
http_flow(struct env *e, uint16_t sport, const char *req)
{
	return (flow(e, sport, 80, req, strlen(req)));
}

/* A UDP packet 10.9.0.1:sport -> dst:dport carrying payload. */
static enum verdict
udp(struct env *e, const char *dst, uint16_t sport, uint16_t dport,
    const uint8_t *payload, size_t len)
{
	uint8_t	 b[600];

	memset(b, 0, 28);
	b[0] = 0x45;
	put16(b + 2, 28 + len);
	b[8] = 64;
	b[9] = IPPROTO_UDP;
	inet_pton(AF_INET, "10.9.0.1", b + 12);
	inet_pton(AF_INET, dst, b + 16);
	put16(b + 20, sport);
	put16(b + 22, dport);
	put16(b + 24, 8 + len);
	memcpy(b + 28, payload, len);
	return (inspect_packet(&e->in, b, 28 + len));
}

static struct addr
v4(const char *s)
{
	struct addr	 a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	inet_pton(AF_INET, s, &a.u.v4);
	return (a);
}

/*
 * Toward an address learned for a blocked name, a flow that names no
 * host is blocked; one that names a host no rule blocks passes, with
 * an event saying why; ECH passes only with an outer name on an allow
 * list.  Nothing changes once the address has expired.
 */
static void
test_learned_address(void **state)
{
	struct env	*e;
	struct addr	 a = v4("10.9.0.2");
	uint8_t		 h[400];

	(void)state;
	e = env_enforce(ENFORCELIST, NULL, ACTION_BLOCK, MODE_BLOCK);
	/* not learned yet: bare-address flows pass, no event */
	assert_int_equal(http_flow(e, 7000, "GET / HTTP/1.1\r\n\r\n"),
	    VERDICT_PASS);
	assert_int_equal(learn_add(e->in.learn, &a, 60, "ksn.kaspersky.com",
	    "test", e->in.now_ms), 0);
	assert_int_equal(http_flow(e, 7001, "GET / HTTP/1.1\r\n\r\n"),
	    VERDICT_BLOCK);
	assert_int_equal(http_flow(e, 7002,
	    "GET / HTTP/1.1\r\nHost: 10.9.0.2\r\n\r\n"), VERDICT_BLOCK);
	assert_int_equal(flow(e, 7003, 443, h, hello(h, NULL, 0)),
	    VERDICT_BLOCK);
	assert_int_equal(flow(e, 7004, 22, "SSH-2.0-x\r\n", 11),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 4);
	/* a host no rule blocks: passes, and says so */
	assert_int_equal(http_flow(e, 7005,
	    "GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n"), VERDICT_PASS);
	assert_int_equal(flow(e, 7006, 443, h, hello(h, "www.example.org", 0)),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_EVENT_ALLOW), 2);
	/* a blocked name is blocked by its own rule, once */
	assert_int_equal(flow(e, 7007, 443, h, hello(h, "dnl-1.geo.kaspersky.com",
	    0)), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 5);
	/* ECH: the outer name must be on an allow list */
	assert_int_equal(flow(e, 7008, 443, h, hello(h, "public.example", 1)),
	    VERDICT_BLOCK);
	assert_int_equal(flow(e, 7009, 443, h, hello(h, "ok.example", 1)),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_EVENT_ALLOW), 3);
	assert_int_equal(count(e, STAT_ECH), 2);
	/* expired: nothing to enforce */
	e->in.now_ms += 300 * 1000;
	assert_int_equal(http_flow(e, 7010, "GET / HTTP/1.1\r\n\r\n"),
	    VERDICT_PASS);
	/* a learned address whose list is gone (a reload) is ignored */
	assert_int_equal(learn_add(e->in.learn, &a, 60, "x.example", "gone",
	    e->in.now_ms), 0);
	assert_int_equal(http_flow(e, 7011, "GET / HTTP/1.1\r\n\r\n"),
	    VERDICT_PASS);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 6);
	env_enforce_free(e);

	/* audit mode: the same flow passes with an audit event */
	e = env_enforce(ENFORCELIST, NULL, ACTION_BLOCK, MODE_AUDIT);
	learn_add(e->in.learn, &a, 60, "ksn.kaspersky.com", "test",
	    e->in.now_ms);
	assert_int_equal(flow(e, 7100, 443, h, hello(h, NULL, 0)),
	    VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_EVENT_AUDIT), 1);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 0);
	env_enforce_free(e);
}

/* An IP list's prefixes, for TCP and for new UDP flows; @ports. */
static void
test_ip_list_and_ports(void **state)
{
	struct env	*e;
	uint8_t		 b[64];

	(void)state;
	e = env_enforce("@ports 853\nexact dns.example\n", "10.9.0.0/30\n",
	    ACTION_BLOCK, MODE_BLOCK);
	assert_int_equal(http_flow(e, 7200, "GET / HTTP/1.1\r\n\r\n"),
	    VERDICT_BLOCK);
	assert_int_equal(udp(e, "10.9.0.2", 5000, 4433, (const uint8_t *)"x",
	    1), VERDICT_BLOCK);
	assert_int_equal(udp(e, "10.9.0.9", 5000, 4433, (const uint8_t *)"x",
	    1), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 2);
	/* the port: a SYN to 853 is blocked at once, TCP or UDP */
	assert_int_equal(inspect_packet(&e->in, b, tcp4(b, 7201, 853, 1,
	    TCPF_SYN, NULL, 0)), VERDICT_BLOCK);
	assert_int_equal(udp(e, "10.9.0.9", 5001, 853, (const uint8_t *)"x",
	    1), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 4);
	env_enforce_free(e);
	/* an audit list's port: logged, and the flow is judged on */
	e = env_enforce("@ports 853\nexact dns.example\n", NULL, ACTION_AUDIT,
	    MODE_BLOCK);
	assert_int_equal(inspect_packet(&e->in, b, tcp4(b, 7202, 853, 1,
	    TCPF_SYN, NULL, 0)), VERDICT_PASS);
	assert_int_equal(count(e, STAT_EVENT_AUDIT), 1);
	env_enforce_free(e);
}

/* A response packet of a capture, by the server's port. */
static enum verdict
response(struct env *e, const char *file)
{
	struct pcap	 pc;
	struct packet	 pk;
	enum verdict	 v = VERDICT_PASS;
	size_t		 i;
	int		 found = 0;

	if (pcap_open(&pc, file) == -1)
		fail_msg("%s", pc.err);
	for (i = 0; i < pc.n && !found; i++) {
		assert_int_equal(packet_parse(&pk, pc.pkt[i].ip,
		    pc.pkt[i].len), PACKET_OK);
		if (pk.t.sport != 53)
			continue;
		v = inspect_packet(&e->in, pc.pkt[i].ip, pc.pkt[i].len);
		found = 1;
	}
	pcap_close(&pc);
	assert_true(found);
	return (v);
}

/*
 * DNS answers (dnsmasq's, for cdn-alias.example.net, which leads to
 * dnl-07.geo.kaspersky.com through two CNAMEs): an answer reaching a
 * blocked name is dropped and its address learned; an audited one
 * passes and teaches nothing; an unlisted one is only counted.
 */
static void
test_dns_answers(void **state)
{
	struct env		*e;
	struct learn_info	 li;
	struct addr		 a = v4("10.88.0.80");
	struct addr		 a6;

	(void)state;
	e = env_enforce(ENFORCELIST, NULL, ACTION_BLOCK, MODE_BLOCK);
	assert_int_equal(response(e, "dns-cname.pcap"), VERDICT_DROP);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
	assert_int_equal(count(e, STAT_LEARNED), 1);
	assert_true(learn_lookup(e->in.learn, &a, e->in.now_ms, &li));
	assert_string_equal(li.name, "dnl-07.geo.kaspersky.com");
	assert_string_equal(li.list, "test");
	assert_int_equal(response(e, "dns-cname6.pcap"), VERDICT_DROP);
	memset(&a6, 0, sizeof(a6));
	a6.family = AF_INET6;
	inet_pton(AF_INET6, "fd00:88::80", &a6.u.v6);
	assert_true(learn_lookup(e->in.learn, &a6, e->in.now_ms, &li));
	/* the query's answer for an unlisted name: counted, passed */
	assert_int_equal(response(e, "dns-root.pcap"), VERDICT_PASS);
	assert_int_equal(count(e, STAT_DNS_ANSWERS), 3);
	env_enforce_free(e);

	e = env_enforce(ENFORCELIST, NULL, ACTION_AUDIT, MODE_BLOCK);
	assert_int_equal(response(e, "dns-cname.pcap"), VERDICT_PASS);
	assert_int_equal(count(e, STAT_EVENT_AUDIT), 1);
	assert_int_equal(count(e, STAT_LEARNED), 0);
	env_enforce_free(e);
}

/* A query for name (type qtype) from 10.9.0.1 to 10.9.0.2:53. */
static enum verdict
query(struct env *e, const char *name, uint16_t qtype)
{
	uint8_t		 m[300] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0,
			    0, 0 };
	size_t		 n = 12;
	const char	*p = name, *dot;

	while (*p != '\0') {
		dot = strchr(p, '.');
		if (dot == NULL)
			dot = p + strlen(p);
		m[n++] = (uint8_t)(dot - p);
		memcpy(m + n, p, (size_t)(dot - p));
		n += (size_t)(dot - p);
		p = *dot ? dot + 1 : dot;
	}
	m[n++] = 0;
	put16(m + n, qtype);
	put16(m + n + 2, 1);
	return (udp(e, "10.9.0.2", 5300, 53, m, n + 4));
}

/*
 * What is answered at once: a reject list's names, a blocked name's
 * HTTPS and SVCB queries, the DoH canary when enabled.  The sockets
 * here are closed, so every answer fails, and is counted so.
 */
static void
test_answered(void **state)
{
	struct inject	 closed = { -1, -1 };
	struct env	*e;

	(void)state;
	e = env_enforce(ENFORCELIST, NULL, ACTION_BLOCK, MODE_BLOCK);
	e->in.inject = &closed;
	/* a block list drops; only its HTTPS and SVCB queries get answers */
	assert_int_equal(query(e, "dnl-1.geo.kaspersky.com", 1), VERDICT_DROP);
	assert_int_equal(count(e, STAT_REJECT_ERRORS), 0);
	assert_int_equal(query(e, "dnl-1.geo.kaspersky.com", 65), VERDICT_DROP);
	assert_int_equal(query(e, "dnl-1.geo.kaspersky.com", 64), VERDICT_DROP);
	assert_int_equal(count(e, STAT_REJECT_ERRORS), 2);
	/* ... unless told not to */
	e->in.policy->refuse_svcb = 0;
	assert_int_equal(query(e, "dnl-1.geo.kaspersky.com", 65), VERDICT_DROP);
	assert_int_equal(count(e, STAT_REJECT_ERRORS), 2);
	/* the canary: passed unless enabled */
	assert_int_equal(query(e, "use-application-dns.net", 1), VERDICT_PASS);
	e->in.policy->canary = 1;
	assert_int_equal(query(e, "use-application-dns.net", 1), VERDICT_DROP);
	assert_int_equal(count(e, STAT_CANARY), 1);
	assert_int_equal(count(e, STAT_REJECT_ERRORS), 3);
	/* no sockets at all: no answer is tried */
	e->in.inject = NULL;
	assert_int_equal(query(e, "use-application-dns.net", 1), VERDICT_PASS);
	assert_int_equal(count(e, STAT_REJECT_ERRORS), 3);
	env_enforce_free(e);

	/* a reject list: DNS answered, TCP reset (here: tried) */
	e = env_enforce(ENFORCELIST, NULL, ACTION_REJECT, MODE_BLOCK);
	e->in.inject = &closed;
	assert_int_equal(query(e, "ksn.kaspersky.com", 28), VERDICT_DROP);
	assert_int_equal(count(e, STAT_REJECT_ERRORS), 1);
	assert_int_equal(http_flow(e, 7300,
	    "GET / HTTP/1.1\r\nHost: ksn.kaspersky.com\r\n\r\n"),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_REJECT_ERRORS), 2);
	env_enforce_free(e);
}

/*
 * A bound never passes a flow toward an address a list claims (guard,
 * the default): it is judged by that list, as a flow naming nothing.
 */
static void
test_guard(void **state)
{
	struct env	*e;
	uint8_t		 big[9];
	static const uint8_t far[20010];

	(void)state;
	memcpy(big, "\x16\x03\x01\x40\x04\x01\x00\x48\x00", 9);
	e = env_enforce(ENFORCELIST, "10.9.0.0/24\n", ACTION_BLOCK,
	    MODE_BLOCK);
	syn(e, 8400, 443, 1);
	/* the start of a big ClientHello, then bytes too far ahead */
	assert_int_equal(seg(e, 8400, 443, 1, big, 0, 9), VERDICT_PASS);
	assert_int_equal(seg(e, 8400, 443, 1, far, 20000, 10), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_BOUND_GATHER), 1);
	assert_int_equal(count(e, STAT_EXC_BLOCKED), 1);
	/* midstream too */
	assert_int_equal(seg(e, 8401, 443, 1, big, 0, 9), VERDICT_BLOCK);
	/* pass means pass */
	e->in.policy->exception[EXC_GATHER_BYTES] = EXCA_PASS;
	syn(e, 8402, 443, 1);
	assert_int_equal(seg(e, 8402, 443, 1, far, 20000, 10), VERDICT_ALLOW);
	env_enforce_free(e);
	/* unclaimed: the default verdict */
	e = env_enforce(ENFORCELIST, "10.8.0.0/24\n", ACTION_BLOCK,
	    MODE_BLOCK);
	syn(e, 8403, 443, 1);
	assert_int_equal(seg(e, 8403, 443, 1, far, 20000, 10), VERDICT_ALLOW);
	env_enforce_free(e);
}

/* ---------------------------------------------------------------- conntrack */

/*
 * conntrack(8): make (-I) or delete (-D) the entry of
 * 10.9.0.1:sport -> 10.9.0.2:443; 0 when it did.
 */
static int
ct_tool(const char *op, uint16_t sport)
{
	char	 cmd[512];

	snprintf(cmd, sizeof(cmd), "conntrack %s -p tcp -s 10.9.0.1 "
	    "-d 10.9.0.2 --sport %u --dport 443 %s >/dev/null 2>&1", op, sport,
	    strcmp(op, "-I") == 0 ? "--state ESTABLISHED -t 600" : "");
	return (child_sh(cmd));
}

/*
 * In a child with a network namespace (and conntrack table) of its
 * own.  An undecided flow past flow-timeout is kept while conntrack
 * holds its connection, so that a ClientHello after a long wait is
 * judged by its name, not as a midstream flow; it goes once conntrack
 * forgot the connection, or when conntrack cannot tell.  A pass asks
 * about 64 flows at most.  Returns the step that failed, 0, or 77
 * (no namespace, no conntrack(8), no NETLINK_NETFILTER under qemu-user).
 */
static int
conntrack_child(void)
{
	struct pcap_stream	*s = malloc(sizeof(*s));
	struct env		*e;
	uint16_t		 p;

	if (unshare(CLONE_NEWNET) == -1 || ct_tool("-I", 8400) != 0 ||
	    ct_tool("-I", 8402) != 0)
		return (77);
	client_stream("tls-curl.pcap", 443, s);
	e = env_new(BLOCKLIST, ACTION_BLOCK, MODE_BLOCK, 0);
	if ((e->in.ct = ct_open()) == NULL)
		return (77);	/* qemu-user has no NETLINK_NETFILTER */
	syn(e, 8400, 443, 1);		/* held */
	syn(e, 8401, 443, 1);		/* not known to conntrack */
	syn(e, 8402, 443, 1);		/* held, then deleted */
	e->in.now_ms += 31000;
	if (inspect_expire(&e->in) != 1 || count(e, STAT_CT_KEPT) != 2 ||
	    count(e, STAT_CT_UNKNOWN) != 0)
		return (2);
	/* the blocked name, 31 s after the handshake: judged by its SNI */
	if (seg(e, 8400, 443, 1, s->buf, 0, s->len) != VERDICT_BLOCK ||
	    count(e, STAT_MIDSTREAM) != 0)
		return (3);
	/*
	 * conntrack forgot 8402: so does the table, at its next timeout
	 * (before that, 8400 goes, decided)
	 */
	if (ct_tool("-D", 8402) != 0)
		return (4);
	e->in.now_ms += 29000;
	if (inspect_expire(&e->in) != 1 || flow_count(e->in.flows) != 1)
		return (5);
	e->in.now_ms += 2000;
	if (inspect_expire(&e->in) != 1 || count(e, STAT_CT_KEPT) != 2)
		return (6);
	/* 70 idle flows: 64 asked about, the others at the next pass */
	flow_table_free(e->in.flows);
	e->in.flows = flow_table_new(128, 4, 16384, 0)	/* SYNs only */;
	for (p = 9000; p < 9070; p++)
		syn(e, p, 443, 1);
	e->in.now_ms += 31000;
	if (inspect_expire(&e->in) != 64 || count(e, STAT_BOUND_CT_ASK) != 1)
		return (7);
	if (inspect_expire(&e->in) != 6 || count(e, STAT_BOUND_CT_ASK) != 1)
		return (8);
	/* without CAP_NET_ADMIN conntrack cannot tell: flow-timeout rules */
	syn(e, 8400, 443, 1);
	if (setuid(65534) == -1)
		return (9);
	e->in.now_ms += 31000;
	if (inspect_expire(&e->in) != 1 || count(e, STAT_CT_UNKNOWN) != 1 ||
	    count(e, STAT_CT_KEPT) != 2)
		return (10);
	env_free(e);
	free(s);
	return (0);
}

static void
test_conntrack(void **state)
{
	(void)state;
	if (geteuid() != 0 || child_sh("command -v conntrack >/dev/null") != 0)
		skip();
	child_run(conntrack_child);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_udp),
		cmocka_unit_test(test_dns_tcp),
		cmocka_unit_test(test_tls_captures),
		cmocka_unit_test(test_tls_out_of_order),
		cmocka_unit_test(test_tls_big),
		cmocka_unit_test(test_bound_names),
		cmocka_unit_test(test_http_big),
		cmocka_unit_test(test_tls_retransmissions),
		cmocka_unit_test(test_tls_overlap_first_wins),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_other_protocols),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_midstream_and_expiry),
		cmocka_unit_test(test_stream_evasions),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_http_keep_alive),
		cmocka_unit_test(test_learned_address),
		cmocka_unit_test(test_ip_list_and_ports),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_answered),
		cmocka_unit_test(test_conntrack),
	};

	log_init(1, -1, 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
