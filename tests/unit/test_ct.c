/*
 * test_ct.c: the conntrack queries.  The requests are checked
 * attribute by attribute and byte for byte against one the kernel
 * echoed; the answers are the kernel's own (tests/data/ct-*.bin, made
 * by tests/data/ct-capture.sh; see tests/data/README), converted to
 * this host's byte order, and a few written here for the errors the
 * kernel seldom gives.  As root, with conntrack(8), a network namespace
 * to make and a NETLINK_NETFILTER socket (not under qemu-user),
 * ct_held() asks the kernel itself.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
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

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "child.h"
#include "ct.h"
#include "pcap.h"

/* A buffer aligned for netlink headers. */
union nlbuf {
	struct nlmsghdr	 h;
	uint8_t		 b[4096];
};

static struct tuple
mk(int family, const char *src, const char *dst, uint16_t sport,
    uint16_t dport)
{
	struct tuple	 t;

	memset(&t, 0, sizeof(t));
	t.src.family = t.dst.family = (uint8_t)family;
	assert_int_equal(inet_pton(family, src, t.src.u.b), 1);
	assert_int_equal(inet_pton(family, dst, t.dst.u.b), 1);
	t.sport = sport;
	t.dport = dport;
	t.l4 = IPPROTO_TCP;
	return (t);
}

/* The attributes of a nest (or of a message past off), by type. */
struct attrs {
	const struct nlattr	*a[16];
	int			 n;
};

static int
collect(const struct nlattr *a, void *arg)
{
	struct attrs	*as = arg;

	assert_true(mnl_attr_get_type(a) < 16);
	assert_null(as->a[mnl_attr_get_type(a)]);
	as->a[mnl_attr_get_type(a)] = a;
	as->n++;
	return (MNL_CB_OK);
}

static void
nest(const struct nlattr *a, struct attrs *as)
{
	memset(as, 0, sizeof(*as));
	assert_non_null(a);
	assert_true(a->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_parse_nested(a, collect, as), MNL_CB_OK);
}

/* a holds len bytes equal to want. */
static void
attr_is(const struct nlattr *a, const void *want, size_t len)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), len);
	assert_memory_equal(mnl_attr_get_payload(a), want, len);
}

/*
 * Check the request in buf (n bytes): a CT_GET for top (CTA_TUPLE_ORIG
 * or _REPLY) naming src:sport -> dst:dport, alen-byte addresses.
 */
static void
check_request(const union nlbuf *buf, size_t n, uint32_t seq, int family,
    int top, const struct addr *src, const struct addr *dst,
    uint16_t sport, uint16_t dport)
{
	const struct nfgenmsg	*nfg;
	struct attrs		 msg, tuple, ip, proto;
	size_t			 alen = family == AF_INET ? 4 : 16;
	uint16_t		 p;
	int			 v4 = family == AF_INET;

	assert_int_equal(n, buf->h.nlmsg_len);
	assert_true(n <= CT_REQUEST_MAX);
	assert_int_equal(buf->h.nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) |
	    IPCTNL_MSG_CT_GET);
	assert_int_equal(buf->h.nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(buf->h.nlmsg_seq, seq);
	nfg = mnl_nlmsg_get_payload(&buf->h);
	assert_int_equal(nfg->nfgen_family, family);
	assert_int_equal(nfg->version, NFNETLINK_V0);
	memset(&msg, 0, sizeof(msg));
	assert_int_equal(mnl_attr_parse(&buf->h, sizeof(*nfg), collect, &msg),
	    MNL_CB_OK);
	assert_int_equal(msg.n, 1);
	nest(msg.a[top], &tuple);
	assert_int_equal(tuple.n, 2);
	nest(tuple.a[CTA_TUPLE_IP], &ip);
	assert_int_equal(ip.n, 2);
	attr_is(ip.a[v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC], src->u.b, alen);
	attr_is(ip.a[v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST], dst->u.b, alen);
	nest(tuple.a[CTA_TUPLE_PROTO], &proto);
	assert_int_equal(proto.n, 3);
	attr_is(proto.a[CTA_PROTO_NUM], "\x06", 1);
	p = htons(sport);
	attr_is(proto.a[CTA_PROTO_SRC_PORT], &p, 2);
	p = htons(dport);
	attr_is(proto.a[CTA_PROTO_DST_PORT], &p, 2);
}

static void
test_request_v4(void **state)
{
	struct tuple	 t = mk(AF_INET, "10.88.0.1", "10.88.0.43", 40000, 443);
	union nlbuf	 buf;
	size_t		 n;

	(void)state;
	memset(&buf, 0xee, sizeof(buf));
	n = ct_request(&buf, sizeof(buf), &t, CT_DIR_ORIG, 7);
	check_request(&buf, n, 7, AF_INET, CTA_TUPLE_ORIG, &t.src, &t.dst,
	    40000, 443);
	/* the reply tuple: the same flow from the server */
	n = ct_request(&buf, sizeof(buf), &t, CT_DIR_REPLY, 8);
	check_request(&buf, n, 8, AF_INET, CTA_TUPLE_REPLY, &t.dst, &t.src,
	    443, 40000);
}

static void
test_request_v6(void **state)
{
	struct tuple	 t = mk(AF_INET6, "fd00:88::1", "fd00:88::43", 40001,
			    443);
	union nlbuf	 buf;
	size_t		 n;

	(void)state;
	n = ct_request(&buf, sizeof(buf), &t, CT_DIR_ORIG, 9);
	check_request(&buf, n, 9, AF_INET6, CTA_TUPLE_ORIG, &t.src, &t.dst,
	    40001, 443);
	n = ct_request(&buf, sizeof(buf), &t, CT_DIR_REPLY, 10);
	check_request(&buf, n, 10, AF_INET6, CTA_TUPLE_REPLY, &t.dst, &t.src,
	    443, 40001);
	/* UDP (QUIC) is asked the same way */
	t.l4 = IPPROTO_UDP;
	n = ct_request(&buf, sizeof(buf), &t, CT_DIR_ORIG, 11);
	assert_true(n > 0);
	/* what conntrack has no entry for, or no room: nothing */
	assert_int_equal(ct_request(&buf, CT_REQUEST_MAX - 1, &t, CT_DIR_ORIG,
	    1), 0);
	t.l4 = IPPROTO_ICMPV6;
	assert_int_equal(ct_request(&buf, sizeof(buf), &t, CT_DIR_ORIG, 1), 0);
	t.l4 = IPPROTO_TCP;
	t.src.family = AF_UNIX;
	assert_int_equal(ct_request(&buf, sizeof(buf), &t, CT_DIR_ORIG, 1), 0);
}

/* ------------------------------------------------ recorded answers */

static uint16_t
le16(const uint8_t *p)
{
	return ((uint16_t)(p[0] | p[1] << 8));
}

static uint32_t
le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Attributes recorded little-endian into host order, nests too. */
static void
attrs_to_host(uint8_t *p, size_t len)
{
	uint16_t	 alen, type;

	while (len >= 4) {
		alen = le16(p);
		type = le16(p + 2);
		if (alen < 4 || alen > len)
			return;
		put16(p, alen);
		put16(p + 2, type);
		if (type & NLA_F_NESTED)
			attrs_to_host(p + 4, alen - 4u);
		alen = (uint16_t)((alen + 3u) & ~3u);
		if (alen >= len)
			return;
		p += alen;
		len -= alen;
	}
}

/*
 * Netlink is in the host's byte order, and the recordings were made on
 * a little-endian host: bring the headers, the error codes and the
 * echoed requests into this host's order (a no-op on little-endian).
 */
static void
to_host(uint8_t *p, size_t len)
{
	uint32_t	 mlen;
	uint16_t	 type;

	while (len >= 16) {
		mlen = le32(p);
		type = le16(p + 4);
		if (mlen < 16 || mlen > len)
			return;
		put32(p, mlen);
		put16(p + 4, type);
		put16(p + 6, le16(p + 6));
		put32(p + 8, le32(p + 8));
		put32(p + 12, le32(p + 12));
		if (type == NLMSG_ERROR && mlen >= 20) {
			put32(p + 16, le32(p + 16));
			to_host(p + 20, mlen - 20);
		} else if (type != NLMSG_ERROR && mlen >= 20)
			attrs_to_host(p + 20, mlen - 20);
		mlen = (mlen + 3u) & ~3u;
		if (mlen >= len)
			return;
		p += mlen;
		len -= mlen;
	}
}

/* Read tests/data/name into buf, in host order; returns its length. */
static size_t
recorded(const char *name, union nlbuf *buf)
{
	char	 path[1024];
	FILE	*f;
	size_t	 n;

	assert_non_null(f = fopen(pcap_path(name, path, sizeof(path)), "rb"));
	n = fread(buf->b, 1, sizeof(buf->b), f);
	fclose(f);
	assert_true(n > 16 && n < sizeof(buf->b));
	to_host(buf->b, n);
	return (n);
}

static void
test_parse_recorded(void **state)
{
	union nlbuf	 buf, req;
	struct tuple	 t;
	size_t		 n, rn;
	int		 err;

	(void)state;
	n = recorded("ct-entry-v4.bin", &buf);
	assert_int_equal(ct_parse(&buf, n, 4242, &err), CT_HELD);
	/* the answer to another query says nothing of this one */
	assert_int_equal(ct_parse(&buf, n, 4241, &err), CT_NONE);
	/* cut short, it is no answer either */
	assert_int_equal(ct_parse(&buf, n - 8, 4242, &err), CT_NONE);
	n = recorded("ct-entry-v6.bin", &buf);
	assert_int_equal(ct_parse(&buf, n, 4243, &err), CT_HELD);
	n = recorded("ct-enoent.bin", &buf);
	assert_int_equal(ct_parse(&buf, n, 4244, &err), CT_GONE);
	assert_int_equal(err, 0);
	/* the kernel echoed the request it refused: ours, byte for byte */
	t = mk(AF_INET, "10.88.0.1", "10.88.0.43", 40002, 443);
	rn = ct_request(&req, sizeof(req), &t, CT_DIR_ORIG, 4244);
	assert_int_equal(n, 20 + rn);
	assert_memory_equal(buf.b + 20, req.b, rn);
}

/* An error answer with code e (negative) to query seq. */
static size_t
error_msg(union nlbuf *buf, uint32_t seq, int e)
{
	struct nlmsgerr	*err;

	memset(buf, 0, sizeof(*buf));
	buf->h.nlmsg_len = (uint32_t)mnl_nlmsg_size(sizeof(*err));
	buf->h.nlmsg_type = NLMSG_ERROR;
	buf->h.nlmsg_seq = seq;
	err = mnl_nlmsg_get_payload(&buf->h);
	err->error = e;
	return (buf->h.nlmsg_len);
}

static void
test_parse_errors(void **state)
{
	union nlbuf	 buf, e;
	struct nlattr	*a;
	size_t		 n, m;
	int		 err;

	(void)state;
	/* no permission, no such subsystem: cannot tell, and why */
	n = error_msg(&buf, 5, -EPERM);
	assert_int_equal(ct_parse(&buf, n, 5, &err), CT_UNKNOWN);
	assert_int_equal(err, EPERM);
	n = error_msg(&buf, 5, -EINVAL);
	assert_int_equal(ct_parse(&buf, n, 5, &err), CT_UNKNOWN);
	assert_int_equal(err, EINVAL);
	/* an acknowledgement is no answer */
	n = error_msg(&buf, 5, 0);
	assert_int_equal(ct_parse(&buf, n, 5, &err), CT_NONE);
	/* an error message too short for its code */
	n = error_msg(&buf, 5, -ENOENT);
	buf.h.nlmsg_len = 18;
	assert_int_equal(ct_parse(&buf, 18, 5, &err), CT_UNKNOWN);
	assert_int_equal(err, EBADMSG);
	/* a stale entry, then this query's ENOENT, in one read */
	m = recorded("ct-entry-v4.bin", &buf);
	assert_int_equal(m % 4, 0);
	n = error_msg(&e, 77, -ENOENT);
	memcpy(buf.b + m, e.b, n);
	assert_int_equal(ct_parse(&buf, m + n, 77, &err), CT_GONE);
	assert_int_equal(ct_parse(&buf, m + n, 4242, &err), CT_HELD);
	/* a length past the buffer, negative as an int (libmnl's check) */
	m = recorded("ct-enoent.bin", &buf);
	buf.h.nlmsg_len = 0x8000005c;
	assert_int_equal(ct_parse(&buf, m, 4244, &err), CT_NONE);
	buf.h.nlmsg_len = (uint32_t)m + 4;
	assert_int_equal(ct_parse(&buf, m, 4244, &err), CT_NONE);
	/* an entry whose attribute runs past its end */
	m = recorded("ct-entry-v4.bin", &buf);
	a = (struct nlattr *)(void *)(buf.b + 20);
	a->nla_len = (uint16_t)(m - 20 + 4);
	assert_int_equal(ct_parse(&buf, m, 4242, &err), CT_UNKNOWN);
	assert_int_equal(err, EBADMSG);
	/* an entry without its original tuple */
	m = recorded("ct-entry-v4.bin", &buf);
	a->nla_type = CTA_STATUS;
	assert_int_equal(ct_parse(&buf, m, 4242, &err), CT_UNKNOWN);
	/* an entry without room for its family header */
	buf.h.nlmsg_len = 18;
	assert_int_equal(ct_parse(&buf, 18, 4242, &err), CT_UNKNOWN);
}

/* ------------------------------------------------ the kernel itself */

/*
 * In a child, in a network namespace of its own with entries made by
 * conntrack(8): what ct_held() answers.  The exit code says which
 * step failed; 77 when there is no such namespace to make.
 */
static int
kernel_child(void)
{
	struct tuple	 a = mk(AF_INET, "10.88.0.1", "10.88.0.43", 40000, 443);
	struct tuple	 b = mk(AF_INET6, "fd00:88::1", "fd00:88::43", 40001,
			    443);
	struct tuple	 c = mk(AF_INET, "10.88.0.1", "10.88.9.9", 40003, 443);
	struct tuple	 d = a;
	struct ct	*ct;

	if (unshare(CLONE_NEWNET) == -1)
		return (77);
	if (child_sh("conntrack -I -p tcp -s 10.88.0.1 -d 10.88.0.43 "
	    "--sport 40000 --dport 443 --state ESTABLISHED -t 60 "
	    ">/dev/null 2>&1") != 0 ||
	    child_sh("conntrack -I -p tcp -s fd00:88::1 -d fd00:88::43 "
	    "--sport 40001 --dport 443 --state ESTABLISHED -t 60 "
	    ">/dev/null 2>&1") != 0)
		return (77);
	/* a destination rewritten to 10.88.9.9, as a DNAT rule does */
	if (child_sh("conntrack -I -p tcp -s 10.88.0.1 -d 10.88.0.80 "
	    "--sport 40003 --dport 443 -r 10.88.9.9 -q 10.88.0.1 "
	    "--reply-port-src 443 --reply-port-dst 40003 "
	    "--state ESTABLISHED -t 60 >/dev/null 2>&1") != 0)
		return (1);
	if ((ct = ct_open()) == NULL)
		return (77);	/* qemu-user has no NETLINK_NETFILTER */
	if (ct_held(ct, &a) != CT_HELD)
		return (3);
	if (ct_held(ct, &b) != CT_HELD)
		return (4);
	if (ct_held(ct, &c) != CT_HELD)
		return (5);
	d.sport = 40002;
	if (ct_held(ct, &d) != CT_GONE)
		return (6);
	if (child_sh("conntrack -D -p tcp -s 10.88.0.1 -d 10.88.0.43 "
	    "--sport 40000 >/dev/null 2>&1") != 0)
		return (7);
	if (ct_held(ct, &a) != CT_GONE || ct_held(ct, &b) != CT_HELD)
		return (8);
	ct_close(ct);
	return (0);
}

static void
test_kernel(void **state)
{
	(void)state;
	if (geteuid() != 0 || child_sh("command -v conntrack >/dev/null") != 0)
		skip();
	child_run(kernel_child);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_v4),
		cmocka_unit_test(test_request_v6),
		cmocka_unit_test(test_parse_recorded),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_kernel),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
