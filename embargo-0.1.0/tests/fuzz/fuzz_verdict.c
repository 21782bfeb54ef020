/*
 * fuzz_verdict: from raw nfnetlink queue messages to verdicts, through
 * every layer: queue_parse, packet, flow gathering, DNS/TLS/HTTP,
 * matching, policy, events and the verdict encoding.  The input is a
 * run of netlink messages (as the kernel would send them), judged in
 * order by one inspector, so TCP flows build up across messages.
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

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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

/* Judge one packet as the worker does, and check the verdict's mark. */
static void
on_packet(const struct queue_pkt *p, void *arg)
{
	struct run	*r = arg;
	enum verdict	 v;
	uint32_t	 mark;
	int		 nfv;

	r->in.now_ms += 10;
	v = inspect_packet(&r->in, p->data, p->len);
	queue_verdict_of(&r->q, v, p->mark, &nfv, &mark);
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
	queue_dispatch(&r.q, buf, size, on_packet, &r);
	inspect_expire(&r.in);
	learn_free(r.in.learn);
	inspect_free(&r.in);
	free(buf);
	return (0);
}
