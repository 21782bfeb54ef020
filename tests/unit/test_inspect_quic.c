/*
 * test_inspect_quic.c: QUIC through the packet path, from IP packet to
 * verdict: ngtcp2's real Initials (tests/data/quic-ngtcp2*.pcap) and
 * the Chrome-shaped handshakes whose ClientHello spans two Initials
 * (tests/data/quic-chrome*.pcap), in both orders; the quic setting;
 * failures and bounds, which give the default verdict but never pass a
 * flow toward a listed address.
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

#include "fixture.h"
#include "inspect.h"
#include "packet.h"
#include "pcap.h"

#define BLOCKLIST	"upd.kaspersky.com\nkaspersky-labs.com\n"
#define PKT_MAX		2048

struct env {
	struct inspect	 in;
	struct stats	 stats;
	struct conf	 conf;
};

static struct env *
env_new(const char *list, const char *cidrs, int drop, uint32_t bufs)
{
	struct env	*e = calloc(1, sizeof(*e));

	e->conf.limit[LIMIT_FLOWS] = 16;
	e->conf.limit[LIMIT_GATHER_BUFFERS] = bufs;
	e->conf.limit[LIMIT_GATHER_BYTES] = 16384;
	e->conf.limit[LIMIT_FLOW_TIMEOUT] = 30;
	e->conf.limit[LIMIT_DECIDED_TIMEOUT] = 5;
	inspect_init(&e->in, &e->conf, &e->stats, NULL, 0);
	e->in.policy = fixture_policy_ip(list, cidrs, ACTION_BLOCK, MODE_BLOCK,
	    drop);
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

static enum verdict run_xor(struct env *, const char *, size_t, size_t,
		    uint8_t, uint16_t);

/*
 * Run datagram i of file (from its IP header) through the path; when
 * flip is not 0, byte flip of the UDP payload is changed first, and
 * when sport is not 0 the client's port (another flow).
 */
static enum verdict
run(struct env *e, const char *file, size_t i, size_t flip, uint16_t sport)
{
	return (run_xor(e, file, i, flip, flip != 0 ? 0x01 : 0, sport));
}

/* The same, with byte off of the UDP payload XORed with x. */
static enum verdict
run_xor(struct env *e, const char *file, size_t i, size_t off, uint8_t x,
    uint16_t sport)
{
	struct pcap	 pc;
	uint8_t		 buf[PKT_MAX];
	size_t		 len, hl;
	enum verdict	 v;

	if (pcap_open(&pc, file) == -1)
		fail_msg("%s", pc.err);
	assert_true(i < pc.n);
	len = pc.pkt[i].len;
	assert_true(len <= sizeof(buf));
	memcpy(buf, pc.pkt[i].ip, len);
	pcap_close(&pc);
	hl = (buf[0] >> 4) == 4 ? (size_t)(buf[0] & 15) * 4 + 8 : 40 + 8;
	buf[hl + off] ^= x;
	if (sport != 0) {
		buf[hl - 8] = (uint8_t)(sport >> 8);
		buf[hl - 7] = (uint8_t)sport;
	}
	v = inspect_packet(&e->in, buf, len);
	return (v);
}

/* gtlsclient: the first Initial holds the ClientHello. */
static void
test_ngtcp2(void **state)
{
	struct env	*e = env_new(BLOCKLIST, NULL, 0, 4);

	(void)state;
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 0, 0, 0), VERDICT_BLOCK);
	/* its later datagrams still in the queue: the flow's verdict */
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 1, 0, 0), VERDICT_BLOCK);
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 3, 0, 0), VERDICT_BLOCK);
	assert_int_equal(run(e, "quic-ngtcp2-v6.pcap", 0, 0, 0), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_PROTO_QUIC), 2);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 2);
	assert_int_equal(count(e, STAT_PROTO_OTHER), 0);
	env_free(e);
	e = env_new("example.com\n", NULL, 0, 4);
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 0, 0, 0), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_PROTO_QUIC), 1);
	env_free(e);
}

/* Chrome's shape: the Initial that completes the ClientHello is judged. */
static void
test_chrome(void **state)
{
	static const char *const	 files[] = { "quic-chrome.pcap",
					    "quic-chrome-v2.pcap" };
	struct env			*e;
	int				 f, rev;

	(void)state;
	for (f = 0; f < 2; f++)
		for (rev = 0; rev < 2; rev++) {
			e = env_new(BLOCKLIST, NULL, 0, 4);
			assert_int_equal(run(e, files[f], rev, 0, 0),
			    VERDICT_PASS);
			assert_int_equal(count(e, STAT_PROTO_QUIC), 0);
			assert_int_equal(run(e, files[f], !rev, 0, 0),
			    VERDICT_BLOCK);
			assert_int_equal(count(e, STAT_PROTO_QUIC), 1);
			assert_int_equal(count(e, STAT_EVENT_BLOCK), 1);
			/* a retransmission of the first: the flow's verdict */
			assert_int_equal(run(e, files[f], rev, 0, 0),
			    VERDICT_BLOCK);
			env_free(e);
		}
	e = env_new("example.com\n", NULL, 0, 4);
	assert_int_equal(run(e, "quic-chrome.pcap", 0, 0, 0), VERDICT_PASS);
	assert_int_equal(run(e, "quic-chrome.pcap", 1, 0, 0), VERDICT_ALLOW);
	env_free(e);
}

/*
 * A 0-RTT packet while the ClientHello is gathered passes uncounted
 * (the Initial that completes it decides); alone it is counted.
 */
static void
test_zero_rtt(void **state)
{
	struct env	*e = env_new(BLOCKLIST, NULL, 0, 4);

	(void)state;
	assert_int_equal(run(e, "quic-chrome.pcap", 0, 0, 0), VERDICT_PASS);
	/* the second Initial's type bits made 0-RTT (0b01) */
	assert_int_equal(run_xor(e, "quic-chrome.pcap", 1, 0, 0x10, 0),
	    VERDICT_PASS);
	assert_int_equal(count(e, STAT_ERR_QUIC), 0);
	assert_int_equal(run(e, "quic-chrome.pcap", 1, 0, 0), VERDICT_BLOCK);
	assert_int_equal(run_xor(e, "quic-chrome.pcap", 1, 0, 0x10, 40000),
	    VERDICT_PASS);
	assert_int_equal(count(e, STAT_ERR_QUIC), 1);
	env_free(e);
}

/*
 * After a Retry the client starts again with a new DCID, and keys from
 * it: the flow's key changes and its ClientHello is gathered anew.
 */
static void
test_retry(void **state)
{
	struct env	*e = env_new(BLOCKLIST, NULL, 0, 4);

	(void)state;
	assert_int_equal(run(e, "quic-chrome-retry.pcap", 0, 0, 0),
	    VERDICT_PASS);
	assert_int_equal(run(e, "quic-chrome-retry.pcap", 1, 0, 0),
	    VERDICT_PASS);
	assert_int_equal(run(e, "quic-chrome-retry.pcap", 2, 0, 0),
	    VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_ERR_QUIC), 0);
	assert_int_equal(count(e, STAT_PROTO_QUIC), 1);
	env_free(e);
}

/* A gap never filled: every datagram passes, the flow stays open. */
static void
test_gap(void **state)
{
	struct env	*e = env_new(BLOCKLIST, NULL, 0, 4);

	(void)state;
	assert_int_equal(run(e, "quic-chrome-gap.pcap", 0, 0, 0), VERDICT_PASS);
	assert_int_equal(run(e, "quic-chrome-gap.pcap", 1, 0, 0), VERDICT_PASS);
	assert_int_equal(count(e, STAT_PROTO_QUIC), 0);
	assert_int_equal(inspect_expire(&e->in), 0);
	e->in.now_ms += 31000;
	assert_int_equal(inspect_expire(&e->in), 1);
	env_free(e);
}

/* quic block: every Initial is dropped; quic allow: UDP like any. */
static void
test_setting(void **state)
{
	struct env	*e = env_new(BLOCKLIST, NULL, 0, 4);

	(void)state;
	e->in.policy->quic = QUIC_BLOCK;
	assert_int_equal(run(e, "quic-chrome.pcap", 0, 0, 0), VERDICT_BLOCK);
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 0, 0, 0), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_QUIC_BLOCKED), 2);
	assert_int_equal(count(e, STAT_EVENT_BLOCK), 0);
	e->in.policy->quic = QUIC_ALLOW;
	assert_int_equal(run(e, "quic-ngtcp2-v6.pcap", 0, 0, 0), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_PROTO_OTHER), 1);
	assert_int_equal(count(e, STAT_PROTO_QUIC), 0);
	env_free(e);
}

/*
 * A datagram that does not decrypt gets the default verdict for itself
 * alone: the flow's next Initial is still read.  Toward a listed
 * address it is blocked whatever the default.
 */
static void
test_failures(void **state)
{
	struct env	*e = env_new(BLOCKLIST, NULL, 0, 4);

	(void)state;
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 0, 600, 0), VERDICT_PASS);
	assert_int_equal(count(e, STAT_ERR_QUIC), 1);
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 0, 0, 0), VERDICT_BLOCK);
	/* an unknown version */
	assert_int_equal(run(e, "quic-ngtcp2-v6.pcap", 0, 2, 0), VERDICT_PASS);
	assert_int_equal(count(e, STAT_QUIC_UNKNOWN), 1);
	env_free(e);
	e = env_new(BLOCKLIST, NULL, 1, 4);
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 0, 600, 0), VERDICT_DROP);
	env_free(e);
	e = env_new("example.com\n", "10.88.0.0/24\n", 0, 4);
	assert_int_equal(run(e, "quic-ngtcp2.pcap", 0, 600, 0), VERDICT_BLOCK);
	assert_int_equal(count(e, STAT_ERR_QUIC), 1);
	env_free(e);
}

/*
 * No gather buffer left: the flow gets the default verdict, decided,
 * and still not toward a listed address.
 */
static void
test_bound(void **state)
{
	struct env	*e;

	(void)state;
	e = env_new(BLOCKLIST, NULL, 0, 1);
	assert_int_equal(run(e, "quic-chrome.pcap", 0, 0, 40000),
	    VERDICT_PASS);			/* holds the one buffer */
	assert_int_equal(run(e, "quic-chrome.pcap", 0, 0, 0), VERDICT_ALLOW);
	assert_int_equal(count(e, STAT_BOUND_BUFFERS), 1);
	assert_int_equal(run(e, "quic-chrome.pcap", 1, 0, 0), VERDICT_ALLOW);
	/* the first flow completes and is blocked */
	assert_int_equal(run(e, "quic-chrome.pcap", 1, 0, 40000),
	    VERDICT_BLOCK);
	env_free(e);
	e = env_new(BLOCKLIST, "10.88.0.43/32\n", 0, 1);
	assert_int_equal(run(e, "quic-chrome.pcap", 0, 0, 40000),
	    VERDICT_PASS);
	assert_int_equal(run(e, "quic-chrome.pcap", 0, 0, 0), VERDICT_BLOCK);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ngtcp2),
		cmocka_unit_test(test_chrome),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_zero_rtt),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_setting),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_bound),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
