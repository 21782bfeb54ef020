/*
 * test_queue.c: nfnetlink queue messages in, verdict messages out,
 * without a socket.
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

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "queue.h"

/* A packet message as the kernel sends it. */
static struct nlmsghdr *
packet_msg(uint8_t *buf, uint32_t id, int with_hdr, int with_mark,
    const uint8_t *payload, size_t len, uint32_t skbinfo)
{
	struct nlmsghdr			*nlh;
	struct nfgenmsg			*nfg;
	struct nfqnl_msg_packet_hdr	 ph;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(3);
	memset(&ph, 0, sizeof(ph));
	ph.packet_id = htonl(id);
	ph.hw_protocol = htons(0x0800);
	if (with_hdr)
		mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(ph), &ph);
	if (with_mark)
		mnl_attr_put_u32(nlh, NFQA_MARK, htonl(0x40000001));
	if (skbinfo)
		mnl_attr_put_u32(nlh, NFQA_SKB_INFO, htonl(skbinfo));
	if (payload != NULL)
		mnl_attr_put(nlh, NFQA_PAYLOAD, len, payload);
	return (nlh);
}

static void
test_parse(void **state)
{
	uint8_t			 buf[4096], pay[40];
	struct queue_pkt	 p;

	(void)state;
	memset(pay, 0x45, sizeof(pay));
	assert_int_equal(queue_parse(packet_msg(buf, 7, 1, 1, pay,
	    sizeof(pay), NFQA_SKB_GSO | NFQA_SKB_CSUMNOTREADY), &p), 0);
	assert_int_equal(p.id, 7);
	assert_int_equal(p.mark, 0x40000001);
	assert_int_equal(p.len, 40);
	assert_memory_equal(p.data, pay, 40);
	assert_int_equal(p.gso, 1);

	assert_int_equal(queue_parse(packet_msg(buf, 8, 1, 0, NULL, 0, 0),
	    &p), 0);
	assert_int_equal(p.id, 8);
	assert_int_equal(p.mark, 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(p.gso, 0);

	/* no packet header: nothing to answer */
	assert_int_equal(queue_parse(packet_msg(buf, 9, 0, 1, pay,
	    sizeof(pay), 0), &p), -1);
}

static void
test_verdict_marks(void **state)
{
	struct queue	 q;
	uint32_t	 mark;
	int		 nfv;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.mask = 0x30000000;
	q.seen = 0x10000000;
	q.allow = 0x20000000;
	q.block = 0x30000000;
	/* the other bits of the packet's mark survive */
	queue_verdict_of(&q, VERDICT_PASS, 0x40000001, &nfv, &mark);
	assert_int_equal(nfv, NF_REPEAT);
	assert_int_equal(mark, 0x50000001);
	queue_verdict_of(&q, VERDICT_ALLOW, 0x40000001, &nfv, &mark);
	assert_int_equal(nfv, NF_REPEAT);
	assert_int_equal(mark, 0x60000001);
	queue_verdict_of(&q, VERDICT_BLOCK, 0, &nfv, &mark);
	assert_int_equal(nfv, NF_REPEAT);
	assert_int_equal(mark, 0x30000000);
	queue_verdict_of(&q, VERDICT_DROP, 0x1, &nfv, &mark);
	assert_int_equal(nfv, NF_DROP);

	/* a packet already carrying one of our marks is never repeated */
	queue_verdict_of(&q, VERDICT_PASS, 0x50000001, &nfv, &mark);
	assert_int_equal(nfv, NF_ACCEPT);
	assert_int_equal(mark, 0x50000001);
	queue_verdict_of(&q, VERDICT_ALLOW, 0x10000000, &nfv, &mark);
	assert_int_equal(nfv, NF_ACCEPT);
	assert_int_equal(mark, 0x20000000);
	queue_verdict_of(&q, VERDICT_BLOCK, 0x10000000, &nfv, &mark);
	assert_int_equal(nfv, NF_DROP);

	/* verdict accept: NF_ACCEPT with the mark, NF_DROP for a block */
	q.accept = 1;
	queue_verdict_of(&q, VERDICT_PASS, 0, &nfv, &mark);
	assert_int_equal(nfv, NF_ACCEPT);
	assert_int_equal(mark, 0x10000000);
	queue_verdict_of(&q, VERDICT_ALLOW, 0x1, &nfv, &mark);
	assert_int_equal(nfv, NF_ACCEPT);
	assert_int_equal(mark, 0x20000001);
	queue_verdict_of(&q, VERDICT_BLOCK, 0, &nfv, &mark);
	assert_int_equal(nfv, NF_DROP);
}

/*
 * Rules that queue marked packets again: a packet we repeated comes
 * back with the seen mark and is known by its fingerprint (final, not
 * judged again); another packet with the seen mark is judged; allow
 * and block marks are final verdicts already.  Each is counted.
 */
static void
test_returned(void **state)
{
	static struct queue	 q;
	static struct stats	 st;
	struct queue_pkt	 p, other;
	static uint8_t		 q_tx[4096];
	uint8_t			 a[40] = { 0x45 }, b[40] = { 0x45, 1 };
	enum verdict		 v;
	int			 i;

	(void)state;
	memset(&q, 0, sizeof(q));
	memset(&st, 0, sizeof(st));
	q.mask = 0x30000000;
	q.seen = 0x10000000;
	q.allow = 0x20000000;
	q.block = 0x30000000;
	q.stats = &st;
	q.tx = q_tx;
	q.txsize = sizeof(q_tx);
	memset(&p, 0, sizeof(p));
	p.data = a;
	p.len = sizeof(a);
	other = p;
	other.data = b;
	/* not ours: judge it */
	assert_int_equal(queue_returned(&q, &p, &v), 0);
	queue_verdict(&q, &p, VERDICT_PASS);	/* NF_REPEAT, remembered */
	q.txlen = 0;
	p.mark = other.mark = 0x10000000;
	assert_int_equal(queue_returned(&q, &p, &v), 1);
	assert_int_equal(v, VERDICT_PASS);
	assert_int_equal(stats_get(&st, STAT_REQUEUED), 1);
	assert_int_equal(queue_returned(&q, &other, &v), 0);
	assert_int_equal(stats_get(&st, STAT_MARKED), 1);
	other.mark = 0x20000000;
	assert_int_equal(queue_returned(&q, &other, &v), 1);
	assert_int_equal(v, VERDICT_ALLOW);
	other.mark = 0x30000000;
	assert_int_equal(queue_returned(&q, &other, &v), 1);
	assert_int_equal(v, VERDICT_BLOCK);
	/* a repeated packet is still known after many others */
	p.mark = 0;
	queue_verdict(&q, &p, VERDICT_PASS);
	for (i = 0; i < QUEUE_SENT_MAX - 1; i++) {
		b[2] = (uint8_t)i;
		b[3] = (uint8_t)(i >> 8);
		other.mark = 0;
		queue_verdict(&q, &other, VERDICT_PASS);
		q.txlen = 0;
	}
	p.mark = 0x10000000;
	assert_int_equal(queue_returned(&q, &p, &v), 1);
}

/* The batch holds one verdict message per packet, in order. */
static void
test_verdict_batch(void **state)
{
	struct queue		 q;
	struct queue_pkt	 p;
	const struct nlmsghdr	*nlh;
	struct nlattr		*a;
	const struct nfqnl_msg_verdict_hdr *vh;
	uint32_t		 ids[3] = { 11, 12, 13 }, mark;
	enum verdict		 vs[3] = { VERDICT_PASS, VERDICT_DROP,
				    VERDICT_BLOCK };
	int			 i, len, n = 0, nfv;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.num = 3;
	q.mask = 0x30000000;
	q.seen = 0x10000000;
	q.allow = 0x20000000;
	q.block = 0x30000000;
	q.txsize = 4096;
	q.tx = malloc(q.txsize);
	memset(&p, 0, sizeof(p));
	for (i = 0; i < 3; i++) {
		p.id = ids[i];
		queue_verdict(&q, &p, vs[i]);
	}
	len = (int)q.txlen;
	for (nlh = (const struct nlmsghdr *)q.tx; mnl_nlmsg_ok(nlh, len);
	    nlh = mnl_nlmsg_next(nlh, &len), n++) {
		assert_int_equal(nlh->nlmsg_type,
		    (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT);
		mark = 0;
		vh = NULL;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
			if (mnl_attr_get_type(a) == NFQA_VERDICT_HDR)
				vh = mnl_attr_get_payload(a);
			if (mnl_attr_get_type(a) == NFQA_MARK)
				mark = ntohl(mnl_attr_get_u32(a));
		}
		assert_non_null(vh);
		assert_int_equal(ntohl(vh->id), ids[n]);
		queue_verdict_of(&q, vs[n], 0, &nfv, &(uint32_t){ 0 });
		assert_int_equal(ntohl(vh->verdict), nfv);
		if (vs[n] == VERDICT_DROP)
			assert_int_equal(mark, 0);
		else
			assert_int_equal(mark, vs[n] == VERDICT_PASS ?
			    0x10000000 : 0x30000000);
	}
	assert_int_equal(n, 3);
	free(q.tx);
}

static void
count_cb(const struct queue_pkt *p, void *arg)
{
	uint32_t	*ids = arg;

	ids[ids[0] + 1] = p->id;
	ids[0]++;
}

/*
 * A datagram of several messages is walked in order; a length that
 * does not fit (even one past 2^31, which mnl_nlmsg_ok() would take)
 * ends the walk; an id gap counts lost packets.
 */
static void
test_dispatch(void **state)
{
	struct queue		 q;
	struct stats		 st;
	uint8_t			 buf[8192], pay[20];
	struct nlmsghdr		*nlh;
	uint32_t		 ids[8];
	size_t			 off = 0;

	(void)state;
	memset(&q, 0, sizeof(q));
	memset(&st, 0, sizeof(st));
	q.stats = &st;
	memset(pay, 0x45, sizeof(pay));
	nlh = packet_msg(buf + off, 5, 1, 0, pay, sizeof(pay), 0);
	off += nlh->nlmsg_len;
	nlh = packet_msg(buf + off, 9, 1, 0, pay, sizeof(pay), 0);
	off += nlh->nlmsg_len;
	nlh = packet_msg(buf + off, 10, 0, 0, pay, sizeof(pay), 0);
	off += nlh->nlmsg_len;
	memset(ids, 0, sizeof(ids));
	assert_int_equal(queue_dispatch(&q, buf, off, count_cb, ids), 2);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], 5);
	assert_int_equal(ids[2], 9);
	assert_int_equal(stats_get(&st, STAT_RECV_LOST), 3);
	assert_int_equal(stats_get(&st, STAT_ERR_QUEUE_MSG), 1);

	/* a message claiming more than is there, or past 2^31 */
	nlh = packet_msg(buf, 11, 1, 0, pay, sizeof(pay), 0);
	off = nlh->nlmsg_len;
	nlh->nlmsg_len = 0xfffffff0U;
	memset(ids, 0, sizeof(ids));
	assert_int_equal(queue_dispatch(&q, buf, off, count_cb, ids), 0);
	nlh->nlmsg_len = (uint32_t)off + 4;
	assert_int_equal(queue_dispatch(&q, buf, off, count_cb, ids), 0);
	assert_int_equal(ids[0], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_verdict_marks),
		cmocka_unit_test(test_returned),
		cmocka_unit_test(test_verdict_batch),
		cmocka_unit_test(test_dispatch),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
