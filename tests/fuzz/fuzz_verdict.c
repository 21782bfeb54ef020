/*
 * fuzz_verdict: from raw nfnetlink queue messages to verdicts, through
 * every layer: queue_parse, packet, flow gathering, DNS/TLS/HTTP,
 * matching, policy, events and the verdict encoding.  The input is a
 * run of netlink messages (as the kernel would send them), judged in
 * order by one inspector, so TCP flows build up across messages.
 *
 * An input that starts with STREAM_MODE is instead a script of TCP
 * segments carrying a ClientHello for a blocked name, in any order,
 * overlapping, some with a decoy name: whenever the script delivers
 * every byte of the real ClientHello and no decoy, and no exception
 * let the flow pass, the flow must end blocked.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "learn.h"
#include "inspect.h"
#include "log.h"
#include "queue.h"

#include <linux/netfilter.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define STREAM_MODE	0xe5
#define HELLO_MAX	512

static struct policy	*policy;
static struct conf	 conf;

static void
init(void)
{
	log_init(1, -1, 0);
	/* names, a DoT-like port, prefixes over the captures' servers */
	policy = fixture_policy_ip("@ports 853\nupd.kaspersky.com\n"
	    "exact ds.kaspersky.com\nallow ok.upd.kaspersky.com\n"
	    "kaspersky-labs.com\ngeo.kaspersky.com\n",
	    "10.88.0.40/29\nfd00:88::40/125\n", ACTION_BLOCK, MODE_BLOCK, 0);
	policy->canary = 1;
	memset(&conf, 0, sizeof(conf));
	conf.limit[LIMIT_FLOWS] = 64;
	conf.limit[LIMIT_GATHER_BUFFERS] = 8;
	conf.limit[LIMIT_GATHER_BYTES] = 4096;
	conf.limit[LIMIT_FLOW_TIMEOUT] = 30;
	conf.limit[LIMIT_DECIDED_TIMEOUT] = 5;
	conf.mark_mask = 0x30000000;
	conf.mark_seen = 0x10000000;
	conf.mark_allow = 0x20000000;
	conf.mark_block = 0x30000000;
}

struct run {
	struct inspect	 in;
	struct queue	 q;
};

static uint8_t	 hello[HELLO_MAX], decoy[HELLO_MAX];
static size_t	 hellolen;

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A ClientHello record for sni: one suite, one server_name. */
static size_t
make_hello(uint8_t *b, const char *sni)
{
	size_t	 n = 0, sl = strlen(sni), body;

	b[n++] = 22;
	b[n++] = 3;
	b[n++] = 1;
	n += 2;				/* record length */
	b[n++] = 1;
	n += 3;				/* handshake length */
	b[n++] = 3;
	b[n++] = 3;
	memset(b + n, 0x42, 32);
	n += 32;
	b[n++] = 0;			/* session id */
	put16(b + n, 2);
	b[n + 2] = 0x13;
	b[n + 3] = 0x01;
	n += 4;
	b[n++] = 1;
	b[n++] = 0;
	put16(b + n, 9 + sl);		/* extensions */
	put16(b + n + 2, 0);		/* server_name */
	put16(b + n + 4, 5 + sl);
	put16(b + n + 6, 3 + sl);
	b[n + 8] = 0;
	put16(b + n + 9, sl);
	memcpy(b + n + 11, sni, sl);
	n += 11 + sl;
	body = n - 9;
	put16(b + 3, n - 5);
	b[6] = (uint8_t)(body >> 16);
	put16(b + 7, body);
	return (n);
}

/* An IPv4 TCP segment 10.9.0.1:4000 -> 10.9.0.2:443. */
static size_t
tcp4(uint8_t *b, uint32_t seq, uint8_t flags, const uint8_t *d, size_t len)
{
	memset(b, 0, 40);
	b[0] = 0x45;
	put16(b + 2, 40 + len);
	b[8] = 64;
	b[9] = 6;
	b[12] = 10, b[13] = 9, b[15] = 1;
	b[16] = 10, b[17] = 9, b[19] = 2;
	put16(b + 20, 4000);
	put16(b + 22, 443);
	put16(b + 24, seq >> 16);
	put16(b + 26, seq & 0xffff);
	b[32] = 5 << 4;
	b[33] = flags;
	if (len > 0)		/* a SYN has no data, and d may be NULL */
		memcpy(b + 40, d, len);
	return (40 + len);
}

/*
 * The stream mode (see above): data[] is pairs of (offset, length)
 * bytes, the top bit of the length byte choosing the decoy.
 */
static void
run_stream(struct run *r, const uint8_t *data, size_t size)
{
	static uint8_t	 pkt[40 + HELLO_MAX];
	uint8_t		 have[HELLO_MAX];
	size_t		 i, off, len, k;
	enum verdict	 v = VERDICT_PASS;
	int		 decoys = 0, whole;
	uint64_t	 passed;

	if (hellolen == 0) {
		hellolen = make_hello(hello, "s12.upd.kaspersky.com");
		make_hello(decoy, "s12.upd.kaspersky.xyz");
	}
	memset(have, 0, sizeof(have));
	passed = stats_get(r->in.stats, STAT_EXC_PASSED);
	inspect_packet(&r->in, pkt, tcp4(pkt, 1000, 0x02, NULL, 0));
	for (i = 0; i + 1 < size; i += 2) {
		off = data[i] % hellolen;
		len = 1 + (data[i + 1] & 0x7f) % (hellolen - off);
		decoys |= (data[i + 1] & 0x80) != 0;
		for (k = off; k < off + len; k++)
			have[k] = 1;
		r->in.now_ms += 10;
		v = inspect_packet(&r->in, pkt, tcp4(pkt, 1001 + (uint32_t)off,
		    0x18, (data[i + 1] & 0x80 ? decoy : hello) + off, len));
		if (v == VERDICT_BLOCK)
			return;
	}
	for (whole = 1, k = 0; k < hellolen; k++)
		whole &= have[k];
	if (whole && !decoys && v != VERDICT_BLOCK &&
	    stats_get(r->in.stats, STAT_EXC_PASSED) == passed)
		__builtin_trap();
}

/* Judge one packet as the worker does, and check the verdict's mark. */
static void
on_packet(const struct queue_pkt *p, void *arg)
{
	struct run	*r = arg;
	enum verdict	 v;
	uint32_t	 mark;
	int		 nfv;

	r->in.now_ms += 10;
	if (!queue_returned(&r->q, p, &v))
		v = inspect_packet(&r->in, p->data, p->len);
	queue_verdict_of(&r->q, v, p->mark, &nfv, &mark);
	/* a packet that carries our mark is never repeated again */
	if (nfv == NF_REPEAT && (p->mark & r->q.mask) != 0)
		__builtin_trap();
	if (v != VERDICT_DROP && (mark & ~r->q.mask) != (p->mark & ~r->q.mask))
		__builtin_trap();	/* foreign mark bits are kept */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats	 stats;
	static const struct inject closed = { -1, -1 };	/* sends fail */
	struct run		 r;
	uint8_t			*buf;

	if (policy == NULL)
		init();
	if (size > 1 << 20)
		return (0);
	/* the kernel's datagrams are aligned; so is a fresh buffer */
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	inspect_init(&r.in, &conf, &stats, NULL, 0);
	r.in.policy = policy;
	r.in.inject = &closed;
	r.in.learn = learn_new(64, 300);
	memset(&r.q, 0, sizeof(r.q));
	r.q.stats = &stats;
	r.q.mask = conf.mark_mask;
	r.q.seen = conf.mark_seen;
	r.q.allow = conf.mark_allow;
	r.q.block = conf.mark_block;
	if (size > 0 && data[0] == STREAM_MODE)
		run_stream(&r, data + 1, size - 1);
	else
		queue_dispatch(&r.q, buf, size, on_packet, &r);
	inspect_expire(&r.in);
	learn_free(r.in.learn);
	inspect_free(&r.in);
	free(buf);
	return (0);
}
