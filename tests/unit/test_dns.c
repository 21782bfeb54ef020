/*
 * test_dns.c: DNS queries from real captures (tests/data/dns-*.pcap, see
 * tests/data/README), crafted malformed messages, and the pcap reader
 * the other parser tests share.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include <ares.h>

#include "dns.h"
#include "packet.h"
#include "pcap.h"

#define MSG_MAX		1024

/* Every crafted query starts with id 0x1234, RD set, no other records. */
#define HDR(qd)	0x12, 0x34, 0x01, 0x00, 0x00, (qd), 0, 0, 0, 0, 0, 0

static void	load(struct pcap *, const char *);
static size_t	udp_payload(const char *, uint16_t, uint16_t, uint8_t *,
		    size_t);
static void	expect_query(const uint8_t *, size_t, uint16_t, const char *,
		    uint16_t);
static void	expect_error(const uint8_t *, size_t, const char *);

static void
load(struct pcap *p, const char *name)
{
	if (pcap_open(p, name) == -1)
		fail_msg("%s", p->err);
}

/* The first UDP payload in a capture from sport to dport (0: any). */
static size_t
udp_payload(const char *file, uint16_t sport, uint16_t dport, uint8_t *buf,
    size_t size)
{
	struct pcap	 p;
	struct packet	 pk;
	size_t		 i, len = 0;
	int		 found = 0;

	load(&p, file);
	for (i = 0; i < p.n && !found; i++) {
		if (packet_parse(&pk, p.pkt[i].ip, p.pkt[i].len) != PACKET_OK ||
		    pk.t.l4 != IPPROTO_UDP ||
		    (sport != 0 && pk.t.sport != sport) ||
		    (dport != 0 && pk.t.dport != dport))
			continue;
		assert_true(pk.plen <= size);
		memcpy(buf, pk.payload, pk.plen);
		len = pk.plen;
		found = 1;
	}
	pcap_close(&p);
	if (!found)
		fail_msg("%s: no UDP packet %u -> %u", file, sport, dport);
	return (len);
}

/* Parse msg; expect one question, name and type as given. */
static void
expect_query(const uint8_t *msg, size_t len, uint16_t id, const char *name,
    uint16_t qtype)
{
	struct dns_query	 q;

	if (dns_parse_query(msg, len, &q) != 0)
		fail_msg("query refused: %s", q.err);
	assert_null(q.err);
	assert_int_equal(q.id, id);
	assert_int_equal(q.qdcount, 1);
	assert_int_equal(q.nq, 1);
	assert_string_equal(q.q[0].name.s, name);
	assert_int_equal(q.q[0].name.len, strlen(name));
	assert_int_equal(q.q[0].qtype, qtype);
	assert_int_equal(q.q[0].qclass, 1);	/* IN */
}

static void
expect_error(const uint8_t *msg, size_t len, const char *why)
{
	struct dns_query	 q;

	assert_int_equal(dns_parse_query(msg, len, &q), -1);
	assert_non_null(q.err);
	assert_string_equal(q.err, why);
}

/* dig -b 10.88.0.1 @10.88.0.53 +noedns ds.kaspersky.com A: id 43526. */
static void
test_udp_query(void **state)
{
	uint8_t			 msg[MSG_MAX];
	size_t			 len;
	struct dns_query	 q;

	(void)state;
	len = udp_payload("dns-udp.pcap", 0, 53, msg, sizeof(msg));
	assert_int_equal(len, 34);
	expect_query(msg, len, 43526, "ds.kaspersky.com", 1);
	assert_int_equal(dns_parse_query(msg, len, &q), 0);
	assert_int_equal(q.flags, 0x0120);	/* RD, AD: dig's defaults */
}

/*
 * dig -6 +tcp @fd00:88::53 s12.upd.kaspersky.com AAAA: id 19162; over
 * IPv6, captured as LINUX_SLL; the message behind a 2-byte length.
 */
static void
test_tcp_query(void **state)
{
	struct pcap		 p;
	static struct pcap_stream s;
	size_t			 mlen;

	(void)state;
	load(&p, "dns-tcp.pcap");
	assert_int_equal(p.linktype, PCAP_LINKTYPE_SLL);
	assert_int_equal(pcap_stream(&p, 53, &s), 0);
	pcap_close(&p);
	assert_int_equal(s.nseg, 1);
	assert_true(s.len > 2);
	mlen = (size_t)s.buf[0] << 8 | s.buf[1];
	assert_int_equal(mlen, 62);
	assert_int_equal(mlen, s.len - 2);
	expect_query(s.buf + 2, mlen, 19162, "s12.upd.kaspersky.com", 28);
}

/* dig ... DS.Update.KSN.Kaspersky-Labs.COM TXT: id 19262, case folded. */
static void
test_upper_case(void **state)
{
	uint8_t	 msg[MSG_MAX];
	size_t	 len;

	(void)state;
	len = udp_payload("dns-upper.pcap", 0, 53, msg, sizeof(msg));
	assert_non_null(memmem(msg, len, "Kaspersky-Labs", 14));
	expect_query(msg, len, 19262, "ds.update.ksn.kaspersky-labs.com", 16);
}

/*
 * dig +edns=0 +cookie +nsid +bufsize=1232 s12.upd.kaspersky.com HTTPS:
 * id 20220; an OPT record with a cookie and NSID follows the question.
 */
static void
test_edns(void **state)
{
	uint8_t			 msg[MSG_MAX];
	size_t			 len;
	char			 type[16];
	struct dns_query	 q;

	(void)state;
	len = udp_payload("dns-edns.pcap", 0, 53, msg, sizeof(msg));
	assert_int_equal(msg[11], 1);		/* ARCOUNT: the OPT */
	expect_query(msg, len, 20220, "s12.upd.kaspersky.com", 65);
	assert_int_equal(dns_parse_query(msg, len, &q), 0);
	assert_string_equal(dns_type_name(q.q[0].qtype, type, sizeof(type)),
	    "HTTPS");
}

/* dig @10.88.0.53 . NS: id 15998; the root is a valid, empty name. */
static void
test_root(void **state)
{
	uint8_t	 msg[MSG_MAX];
	size_t	 len;

	(void)state;
	len = udp_payload("dns-root.pcap", 0, 53, msg, sizeof(msg));
	expect_query(msg, len, 15998, "", 2);
}

/* The servers' answers in the same captures are not queries. */
static void
test_responses(void **state)
{
	static const char *const files[] = {
		"dns-udp.pcap", "dns-upper.pcap", "dns-edns.pcap",
		"dns-root.pcap"
	};
	uint8_t			 msg[MSG_MAX];
	size_t			 i, len;
	struct dns_query	 q;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		len = udp_payload(files[i], 53, 0, msg, sizeof(msg));
		expect_error(msg, len, "response, not a query");
		dns_parse_query(msg, len, &q);
		assert_int_not_equal(q.id, 0);	/* the header was read */
	}
}

#define ORACLE_MAX	16

/*
 * The A (qtype 1) or AAAA (28) addresses of msg as c-ares reads them:
 * an independent reader to hold dns_parse_response() against.  How
 * many, or -1 when c-ares cannot read it.
 */
static int
ares_addrs(const uint8_t *msg, size_t len, uint16_t qtype, struct addr *out,
    uint32_t *ttl)
{
	struct ares_addrttl	 a4[ORACLE_MAX];
	struct ares_addr6ttl	 a6[ORACLE_MAX];
	int			 n = ORACLE_MAX, i, rc;

	rc = qtype == 1 ? ares_parse_a_reply(msg, (int)len, NULL, a4, &n) :
	    ares_parse_aaaa_reply(msg, (int)len, NULL, a6, &n);
	if (rc == ARES_ENODATA)
		return (0);
	if (rc != ARES_SUCCESS)
		return (-1);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].family = qtype == 1 ? AF_INET : AF_INET6;
		if (qtype == 1)
			out[i].u.v4 = a4[i].ipaddr;
		else
			memcpy(&out[i].u.v6, &a6[i].ip6addr, 16);
		ttl[i] = (uint32_t)(qtype == 1 ? a4[i].ttl : a6[i].ttl);
	}
	return (n);
}

/* dns_parse_response() and c-ares agree on the addresses of msg. */
static void
expect_same_addrs(const uint8_t *msg, size_t len, uint16_t qtype, int want)
{
	struct dns_query	 q;
	struct dns_answer	 ans;
	struct addr		 a[ORACLE_MAX];
	uint32_t		 ttl[ORACLE_MAX];
	int			 n, i;

	n = ares_addrs(msg, len, qtype, a, ttl);
	assert_int_equal(n, want);
	assert_int_equal(dns_parse_response(msg, len, &q, &ans), 0);
	assert_int_equal(ans.naddr, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(ans.addr[i].family, a[i].family);
		assert_memory_equal(ans.addr[i].u.b, a[i].u.b, 16);
		assert_int_equal(ans.ttl[i], ttl[i]);
	}
}

/*
 * dnsmasq's answers for cdn-alias.example.net (A over IPv4, AAAA over
 * IPv6): two CNAMEs, cdn-edge.example.net and then
 * dnl-07.geo.kaspersky.com, and its address.  The chain is read in
 * order; c-ares follows it to the address.
 */
static void
test_response_chain(void **state)
{
	static const struct {
		const char	*file;
		uint16_t	 qtype;
		const char	*addr;
	} caps[] = {
		{ "dns-cname.pcap", 1, "10.88.0.80" },
		{ "dns-cname6.pcap", 28, "fd00:88::80" },
	};
	uint8_t			 msg[MSG_MAX];
	struct dns_query	 q;
	struct dns_answer	 ans;
	struct addr		 want;
	size_t			 i, len, cut;

	(void)state;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		len = udp_payload(caps[i].file, 53, 0, msg, sizeof(msg));
		assert_int_equal(dns_parse_response(msg, len, &q, &ans), 0);
		assert_int_equal(ans.nchain, 2);
		assert_int_equal(q.nq, 1);
		assert_string_equal(q.q[0].name.s, "cdn-alias.example.net");
		assert_int_equal(q.q[0].qtype, caps[i].qtype);
		assert_string_equal(ans.chain[0].s, "cdn-edge.example.net");
		assert_string_equal(ans.chain[1].s, "dnl-07.geo.kaspersky.com");
		/* the address, read once, as c-ares reads it */
		assert_int_equal(ans.naddr, 1);
		memset(&want, 0, sizeof(want));
		want.family = caps[i].qtype == 1 ? AF_INET : AF_INET6;
		inet_pton(want.family, caps[i].addr, want.u.b);
		assert_int_equal(ans.addr[0].family, want.family);
		assert_memory_equal(ans.addr[0].u.b, want.u.b,
		    want.family == AF_INET ? 4 : 16);
		expect_same_addrs(msg, len, caps[i].qtype, 1);
		/* a cut answer: the chain stops where the bytes do */
		for (cut = DNS_HEADER_LEN; cut < len; cut++)
			if (dns_parse_response(msg, cut, &q, &ans) == 0)
				assert_true(ans.nchain <= 2 && ans.naddr <= 1);
		/* the query is not a response */
		len = udp_payload(caps[i].file, 0, 53, msg, sizeof(msg));
		assert_int_equal(dns_parse_response(msg, len, &q, &ans), -1);
	}
}

/* The header of a built reply: id, flags, counts. */
static void
expect_reply_header(const uint8_t *r, uint16_t id, uint16_t flags,
    int an, int ar)
{
	assert_int_equal(r[0] << 8 | r[1], id);
	assert_int_equal(r[2] << 8 | r[3], flags);
	assert_int_equal(r[4] << 8 | r[5], 1);
	assert_int_equal(r[6] << 8 | r[7], an);
	assert_int_equal(r[8] << 8 | r[9], 0);
	assert_int_equal(r[10] << 8 | r[11], ar);
}

/*
 * Replies to refused queries: the same id and question, RD copied, RA
 * set; NXDOMAIN, REFUSED, or a sink address (NODATA for other types);
 * an OPT record when the query had one.  c-ares reads them as any
 * client would.
 */
static void
test_reply(void **state)
{
	uint8_t			 msg[MSG_MAX], r[DNS_REPLY_MAX];
	struct dns_query	 q, rq;
	struct dns_answer	 ans;
	size_t			 len;
	int			 n;

	(void)state;
	/* ds.kaspersky.com A, id 43526, RD and AD, no EDNS */
	len = udp_payload("dns-udp.pcap", 0, 53, msg, sizeof(msg));
	assert_int_equal(dns_parse_query(msg, len, &q), 0);
	n = dns_build_reply(msg, &q, DNS_REJECT_NXDOMAIN, 10, r, sizeof(r));
	assert_int_equal(n, (int)len);		/* header and question */
	expect_reply_header(r, 43526, 0x8183, 0, 0);
	assert_memory_equal(r + DNS_HEADER_LEN, msg + DNS_HEADER_LEN,
	    len - DNS_HEADER_LEN);
	assert_int_equal(dns_parse_response(r, (size_t)n, &rq, &ans), 0);
	assert_int_equal(ans.nchain, 0);
	assert_string_equal(rq.q[0].name.s, "ds.kaspersky.com");
	expect_same_addrs(r, (size_t)n, 1, 0);	/* NXDOMAIN: no address */

	n = dns_build_reply(msg, &q, DNS_REJECT_REFUSED, 10, r, sizeof(r));
	expect_reply_header(r, 43526, 0x8185, 0, 0);

	/* the sink: 0.0.0.0 for 42 seconds */
	n = dns_build_reply(msg, &q, DNS_REJECT_SINK, 42, r, sizeof(r));
	expect_reply_header(r, 43526, 0x8180, 1, 0);
	expect_same_addrs(r, (size_t)n, 1, 1);
	assert_int_equal(dns_parse_response(r, (size_t)n, &rq, &ans), 0);
	assert_int_equal(ans.addr[0].family, AF_INET);
	assert_int_equal(ans.addr[0].u.v4.s_addr, 0);
	assert_int_equal(ans.ttl[0], 42);

	/* too small a buffer: refused, nothing half written counts */
	assert_int_equal(dns_build_reply(msg, &q, DNS_REJECT_SINK, 42, r,
	    len + 4), -1);

	/* s12.upd.kaspersky.com HTTPS, id 20220, with an OPT record */
	len = udp_payload("dns-edns.pcap", 0, 53, msg, sizeof(msg));
	assert_int_equal(dns_parse_query(msg, len, &q), 0);
	assert_int_equal(q.edns, 1);
	n = dns_build_reply(msg, &q, DNS_REJECT_SINK, 42, r, sizeof(r));
	expect_reply_header(r, 20220, 0x8180, 0, 1);	/* NODATA */
	assert_int_equal(n, (int)(q.qend + 11));
	assert_int_equal(r[q.qend], 0);				/* root */
	assert_int_equal(r[q.qend + 1] << 8 | r[q.qend + 2], 41);	/* OPT */
	assert_int_equal(r[q.qend + 3] << 8 | r[q.qend + 4], 1232);
	assert_int_equal(r[q.qend + 7] & 0x80, q.edns_do ? 0x80 : 0);
	n = dns_build_reply(msg, &q, DNS_REJECT_REFUSED, 42, r, sizeof(r));
	expect_reply_header(r, 20220, (uint16_t)(0x8085 | (msg[2] & 1) << 8),
	    0, 1);

	/* AAAA: the sink is :: */
	len = udp_payload("dns-cname6.pcap", 0, 53, msg, sizeof(msg));
	assert_int_equal(dns_parse_query(msg, len, &q), 0);
	n = dns_build_reply(msg, &q, DNS_REJECT_SINK, 7, r, sizeof(r));
	expect_same_addrs(r, (size_t)n, 28, 1);
	assert_int_equal(dns_parse_response(r, (size_t)n, &rq, &ans), 0);
	assert_int_equal(ans.addr[0].family, AF_INET6);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&ans.addr[0].u.v6));
	assert_int_equal(ans.ttl[0], 7);
}

/* Every cut of a real query fails, and says where. */
static void
test_truncated(void **state)
{
	uint8_t	 msg[MSG_MAX];
	size_t	 len, cut;

	(void)state;
	len = udp_payload("dns-udp.pcap", 0, 53, msg, sizeof(msg));
	for (cut = 0; cut < DNS_HEADER_LEN; cut++)
		expect_error(msg, cut, "truncated header");
	for (; cut < len; cut++)
		expect_error(msg, cut, "truncated question");
}

static void
test_header_rules(void **state)
{
	uint8_t	 msg[MSG_MAX];
	size_t	 len;

	(void)state;
	len = udp_payload("dns-udp.pcap", 0, 53, msg, sizeof(msg));
	msg[5] = 0;
	expect_error(msg, len, "no question");
	msg[5] = 1;
	msg[2] = 0x20 | 0x01;		/* opcode 4, NOTIFY */
	expect_error(msg, len, "opcode not QUERY");
	msg[2] = 0x28 | 0x01;		/* opcode 5, UPDATE */
	expect_error(msg, len, "opcode not QUERY");
	msg[2] = 0x80 | 0x01;		/* QR */
	expect_error(msg, len, "response, not a query");
}

static void
test_label_rules(void **state)
{
	uint8_t	 msg[MSG_MAX];
	size_t	 len;
	static const uint8_t dot[] = {
		HDR(1), 3, 'a', '.', 'b', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1
	};
	static const uint8_t ctl[] = {
		HDR(1), 3, 'a', 0, 'b', 0, 0, 1, 0, 1
	};
	static const uint8_t reserved[] = {
		HDR(1), 0x81, 'a', 0, 0, 1, 0, 1
	};
	static const uint8_t hdr[] = { HDR(1) };

	struct dns_query	 q;

	(void)state;
	/* odd bytes in a label: the name keeps its valid right-most part */
	assert_int_equal(dns_parse_query(dot, sizeof(dot), &q), 0);
	assert_int_equal(q.q[0].name.partial, 1);
	assert_string_equal(q.q[0].name.s, "com");
	assert_int_equal(q.q[0].name.err, NAME_ECHAR);
	assert_int_equal(q.unclean, 1);
	assert_int_equal(dns_parse_query(ctl, sizeof(ctl), &q), 0);
	assert_int_equal(q.q[0].name.partial, 1);
	assert_int_equal(q.q[0].name.len, 0);
	expect_error(reserved, sizeof(reserved), "reserved label type");

	/* 63 bytes is a label; 64 (0x40, the extended type) is not */
	memcpy(msg, hdr, sizeof(hdr));
	len = sizeof(hdr);
	msg[len++] = 63;
	memset(msg + len, 'k', 63);
	len += 63;
	memcpy(msg + len, "\0\0\1\0\1", 5);
	expect_query(msg, len + 5, 0x1234,
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
	    1);
	msg[sizeof(hdr)] = 64;
	msg[len] = 'k';
	expect_error(msg, len + 5, "label longer than 63 bytes");
}

/*
 * Four labels of 63: 256 bytes on the wire, one too many; resolvers
 * may still take it, so the right-most labels that fit are kept.
 */
static void
test_name_length(void **state)
{
	uint8_t			 msg[MSG_MAX];
	static const uint8_t	 hdr[] = { HDR(1) };
	size_t			 len, i;
	struct dns_query	 q;

	(void)state;
	memcpy(msg, hdr, sizeof(hdr));
	len = sizeof(hdr);
	for (i = 0; i < 4; i++) {
		msg[len] = i < 3 ? 63 : 61;	/* 3 * 64 + 62 + 1 = 255 */
		memset(msg + len + 1, 'a' + (int)i, msg[len]);
		len += 1 + msg[len];
	}
	memcpy(msg + len, "\0\0\1\0\1", 5);
	assert_int_equal(dns_parse_query(msg, len + 5, &q), 0);
	assert_int_equal(q.q[0].name.len, 253);

	len = sizeof(hdr);
	for (i = 0; i < 4; i++) {
		msg[len] = 63;
		memset(msg + len + 1, 'a' + (int)i, 63);
		len += 64;
	}
	memcpy(msg + len, "\0\0\1\0\1", 5);
	assert_int_equal(dns_parse_query(msg, len + 5, &q), 0);
	assert_int_equal(q.q[0].name.partial, 1);
	assert_int_equal(q.q[0].name.err, NAME_ENAMELEN);
	assert_int_equal(q.q[0].name.len, 3 * 63 + 2);
	assert_int_equal(q.q[0].name.s[0], 'b');
}

/* Good compression between questions, and more than DNS_QMAX of them. */
static void
test_compression(void **state)
{
	static const uint8_t	 two[] = {
		HDR(2),
		9, 'k', 'a', 's', 'p', 'e', 'r', 's', 'k', 'y',
		3, 'c', 'o', 'm', 0, 0, 1, 0, 1,		/* at 12 */
		3, 'W', 'W', 'W', 0xc0, 12, 0, 28, 0, 1
	};
	static const uint8_t	 five[] = {
		HDR(5),
		1, 'a', 0, 0, 1, 0, 1,			/* at 12 */
		1, 'b', 0xc0, 12, 0, 1, 0, 1,			/* at 19 */
		1, 'c', 0xc0, 19, 0, 1, 0, 1,			/* at 27 */
		0xc0, 29, 0, 16, 0, 1,			/* at 35 */
		1, 'e', 0, 0, 1, 0, 1
	};
	struct dns_query	 q;

	(void)state;
	assert_int_equal(dns_parse_query(two, sizeof(two), &q), 0);
	assert_int_equal(q.nq, 2);
	assert_string_equal(q.q[0].name.s, "kaspersky.com");
	assert_string_equal(q.q[1].name.s, "www.kaspersky.com");
	assert_int_equal(q.q[1].qtype, 28);

	assert_int_equal(dns_parse_query(five, sizeof(five), &q), 0);
	assert_int_equal(q.qdcount, 5);
	assert_int_equal(q.nq, DNS_QMAX);
	assert_string_equal(q.q[2].name.s, "c.b.a");
	assert_string_equal(q.q[3].name.s, "b.a");
	assert_int_equal(q.q[3].qtype, 16);
	{
		struct dns_question	 extra;

		/* the fifth is there for whoever asks */
		assert_int_equal(dns_next_question(five, sizeof(five), &q,
		    &extra), 1);
		assert_string_equal(extra.name.s, "e");
		assert_int_equal(dns_next_question(five, sizeof(five), &q,
		    &extra), 0);
	}
}

/*
 * Pointers as resolvers follow them: forward and into the header too
 * (dnsmasq does), a loop ended by the jump bound.  Such a message is
 * lenient: a reply cannot copy its questions.
 */
static void
test_bad_pointers(void **state)
{
	static const uint8_t	 forward[] = {
		HDR(1), 0xc0, 18, 0, 1, 0, 1, 1, 'a', 0
	};
	static const uint8_t	 self[] = { HDR(1), 0xc0, 12, 0, 1, 0, 1 };
	static const uint8_t	 loop[] = {
		HDR(1), 1, 'a', 1, 'b', 0xc0, 12, 0, 1, 0, 1
	};
	/* backwards, but into the question's own labels: a loop too */
	static const uint8_t	 loop2[] = {
		HDR(2), 1, 'a', 0, 0, 1, 0, 1,
		1, 'b', 1, 'c', 0xc0, 21, 0, 1, 0, 1
	};
	static const uint8_t	 cut[] = { HDR(1), 1, 'a', 0xc0 };
	static const uint8_t	 past[] = { HDR(1), 0xc0, 99, 0, 1, 0, 1 };
	struct dns_query	 q;
	uint8_t			 reply[DNS_REPLY_MAX];

	(void)state;
	assert_int_equal(dns_parse_query(forward, sizeof(forward), &q), 0);
	assert_string_equal(q.q[0].name.s, "a");
	assert_int_equal(q.lenient, 1);
	assert_int_equal(dns_build_reply(forward, &q, DNS_REJECT_NXDOMAIN, 60,
	    reply, sizeof(reply)), -1);
	expect_error(self, sizeof(self), "compression loop");
	expect_error(loop, sizeof(loop), "compression loop");
	expect_error(loop2, sizeof(loop2), "compression loop");
	expect_error(cut, sizeof(cut), "truncated question");
	expect_error(past, sizeof(past), "compression pointer past the end");
}

/*
 * A chain of pointers, each landing further back: the fourth question's
 * name jumps through the types and classes of the three before it to
 * the first question's name (the root).  Up to 64 jumps are followed.
 * A pointer into the header is followed too, as dnsmasq does, and
 * reads what bytes are there as labels.
 */
static void
test_pointer_chain(void **state)
{
	uint8_t		 msg[] = {
		0x00, 0x34, 0x01, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0,
		0, 0xc0, 12, 0xc0, 13,			/* q1 at 12 */
		0xc0, 15, 0xc0, 17, 0xc0, 19,		/* q2 at 17 */
		0xc0, 21, 0xc0, 23, 0xc0, 25,		/* q3 at 23 */
		0xc0, 25, 0, 1, 0, 1			/* q4 at 29 */
	};
	static const uint8_t	 header[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
		0xc0, 2, 0, 1, 0, 1
	};
	struct dns_query	 q;

	(void)state;
	assert_int_equal(dns_parse_query(msg, sizeof(msg), &q), 0);
	assert_int_equal(q.nq, 4);
	assert_string_equal(q.q[3].name.s, "");
	assert_int_equal(q.q[0].qtype, 0xc00c);
	assert_int_equal(q.lenient, 0);
	msg[30] = 27;		/* 27 -> 25: one jump more */
	assert_int_equal(dns_parse_query(msg, sizeof(msg), &q), 0);
	assert_int_equal(dns_parse_query(header, sizeof(header), &q), 0);
	assert_int_equal(q.lenient, 1);
	assert_int_equal(q.q[0].name.partial, 1);	/* a label of a NUL */
}

static void
test_type_names(void **state)
{
	static const struct {
		uint16_t	 type;
		const char	*name;
	} t[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" },
		{ 12, "PTR" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" },
		{ 33, "SRV" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 255, "ANY" },
		{ 0, "TYPE0" }, { 99, "TYPE99" }, { 65535, "TYPE65535" }
	};
	char	 buf[16];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(dns_type_name(t[i].type, buf, sizeof(buf)),
		    t[i].name);
	assert_string_equal(dns_type_name(65, buf, 3), "HT");
}

/* Put a record of len bytes at out, its header in the given order. */
static size_t
put_record(uint8_t *out, int swap, const uint8_t *data, size_t len)
{
	uint32_t	 h[4] = { 1, 0, (uint32_t)len, (uint32_t)len };
	size_t		 i;

	for (i = 0; i < 4; i++)
		h[i] = swap ? __builtin_bswap32(h[i]) : h[i];
	memcpy(out, h, sizeof(h));
	memcpy(out + sizeof(h), data, len);
	return (sizeof(h) + len);
}

/*
 * The pcap reader: the real Ethernet capture rewritten in memory as
 * big-endian, nanosecond, RAW, NULL and LOOP files gives the same IP
 * packets; the cooked captures are read as they came.
 */
static void
test_pcap_formats(void **state)
{
	static uint8_t	 file[8192];
	struct pcap	 eth, p;
	uint32_t	 hdr[6], af;
	size_t		 i, off;
	int		 form, swap;
	static const uint32_t linktypes[] = {
		PCAP_LINKTYPE_EN10MB, PCAP_LINKTYPE_EN10MB,
		PCAP_LINKTYPE_RAW, PCAP_LINKTYPE_NULL, PCAP_LINKTYPE_NULL,
		PCAP_LINKTYPE_LOOP
	};

	(void)state;
	load(&eth, "dns-udp.pcap");
	assert_int_equal(eth.linktype, PCAP_LINKTYPE_EN10MB);
	assert_int_equal(eth.n, 2);
	for (form = 0; form < 6; form++) {
		swap = (form == 1 || form == 4);
		hdr[0] = form == 1 ? 0xa1b23c4d : 0xa1b2c3d4;
		hdr[1] = 2 | 4 << 16;
		hdr[2] = hdr[3] = 0;
		hdr[4] = 65535;
		hdr[5] = linktypes[form];
		for (i = 0; i < 6; i++)
			hdr[i] = swap ? __builtin_bswap32(hdr[i]) : hdr[i];
		memcpy(file, hdr, sizeof(hdr));
		off = sizeof(hdr);
		for (i = 0; i < eth.n; i++) {
			uint8_t	 rec[2048];
			size_t	 l = 0;

			if (form <= 1) {	/* Ethernet again */
				memset(rec, 0, 12);
				memcpy(rec + 12, "\x08\x00", 2);
				l = 14;
			} else if (form >= 3) {
				af = form == 5 ? htonl(2) :
				    swap ? __builtin_bswap32(2) : 2;
				memcpy(rec, &af, 4);
				l = 4;
			}
			memcpy(rec + l, eth.pkt[i].ip, eth.pkt[i].len);
			off += put_record(file + off, swap, rec,
			    l + eth.pkt[i].len);
		}
		if (pcap_load(&p, file, off) == -1)
			fail_msg("form %d: %s", form, p.err);
		assert_int_equal(p.swapped, swap);
		assert_int_equal(p.linktype, linktypes[form]);
		assert_int_equal(p.n, eth.n);
		for (i = 0; i < p.n; i++) {
			assert_int_equal(p.pkt[i].len, eth.pkt[i].len);
			assert_memory_equal(p.pkt[i].ip, eth.pkt[i].ip,
			    p.pkt[i].len);
		}
		pcap_close(&p);
	}
	assert_int_equal(pcap_load(&p, file, 10), -1);
	assert_string_equal(p.err, "short file header");
	pcap_close(&p);
	assert_int_equal(pcap_load(&p, file, off - 1), -1);
	pcap_close(&p);
	pcap_close(&eth);

	load(&p, "dns-edns.pcap");
	assert_int_equal(p.linktype, PCAP_LINKTYPE_SLL2);
	assert_int_equal(p.n, 2);
	pcap_close(&p);
	assert_int_equal(pcap_open(&p, "no-such-file.pcap"), -1);
	pcap_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_query),
		cmocka_unit_test(test_tcp_query),
		cmocka_unit_test(test_upper_case),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_response_chain),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_label_rules),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_pointer_chain),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_pcap_formats),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
