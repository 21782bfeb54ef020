/*
 * dns.c: the questions of a DNS query message, read in place.
 *
 * A cursor walks the message with a sticky error, as in OpenSMTPD's
 * unpack_dns.c: every read checks the bound, the first failure is kept
 * and later reads do nothing.  Names go label by label into a struct
 * name, which folds case and refuses bytes that would move a label
 * boundary once the name is text.  Nothing is allocated and nothing
 * recurses.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sys/socket.h>

#include "dns.h"

#define DNS_QR		0x8000
#define DNS_OPCODE(f)	(((f) >> 11) & 0x0f)
#define DNS_OPCODE_QUERY 0

/*
 * Compression pointers followed in one name.  Resolvers follow a
 * pointer wherever it points in the message (dnsmasq does, into the
 * header and forward too) and stop a loop by counting jumps; so do we,
 * since a name the resolver reads is the name to judge.  Labels read
 * per name are bounded too.
 */
#define DNS_PTRMAX	64
#define DNS_LABELS_PER_NAME	512

#define DNS_LABEL_MASK	0xc0
#define DNS_LABEL_PTR	0xc0
#define DNS_LABEL_EXT	0x40	/* RFC 6891 extended label, unused */
#define DNS_LABEL_RSVD	0x80

struct dns_cursor {
	const uint8_t	*msg;
	size_t		 len;
	size_t		 off;	/* where the next question starts */
	const char	*err;	/* the first failure, kept */
	int		 lenient;	/* a pointer a strict reader refuses */
	int		 unclean;	/* names judged by part of their labels */
	size_t		 reach;		/* the end of the bytes names used */
};

static void	dns_fail(struct dns_cursor *, const char *);
static uint16_t	dns_get16(struct dns_cursor *, size_t);
static int	dns_jump(struct dns_cursor *, size_t *, size_t *, int *);
static int	dns_label(struct dns_cursor *, struct name_ring *, size_t *);
static void	dns_name(struct dns_cursor *, struct name *);
static void	dns_question(struct dns_cursor *, struct dns_question *);
static int	dns_skip_name(const uint8_t *, size_t, size_t *);
static void	dns_find_opt(const uint8_t *, size_t, struct dns_query *);
static int	parse_message(const uint8_t *, size_t, struct dns_query *, int);
static int	dns_rr_addr(const uint8_t *, uint16_t, uint16_t, struct addr *);

static void
dns_fail(struct dns_cursor *c, const char *why)
{
	if (c->err == NULL)
		c->err = why;
}

/* A 16-bit field at off, or 0 and an error past the end. */
static uint16_t
dns_get16(struct dns_cursor *c, size_t off)
{
	if (c->err != NULL)
		return (0);
	if (off > c->len || c->len - off < 2) {
		dns_fail(c, "truncated question");
		return (0);
	}
	return ((uint16_t)(c->msg[off] << 8 | c->msg[off + 1]));
}

/*
 * Follow the compression pointer at *pos, as a resolver would: to any
 * place in the message, at most DNS_PTRMAX times per name (which ends
 * a loop).  A pointer that a strict reader refuses (forward, into the
 * run of labels it ends, or into the header) is noted in c->lenient:
 * such questions cannot be copied into a reply after another header.
 */
static int
dns_jump(struct dns_cursor *c, size_t *pos, size_t *run, int *jumps)
{
	size_t	 target;

	if (c->len - *pos < 2) {
		dns_fail(c, "truncated question");
		return (-1);
	}
	target = (size_t)(c->msg[*pos] & ~DNS_LABEL_MASK) << 8 |
	    c->msg[*pos + 1];
	if (target >= c->len) {
		dns_fail(c, "compression pointer past the end");
		return (-1);
	}
	if (++*jumps > DNS_PTRMAX) {
		dns_fail(c, "compression loop");
		return (-1);
	}
	if (target > *pos || target >= *run || target < DNS_HEADER_LEN)
		c->lenient = 1;
	if (*pos + 2 > c->reach)
		c->reach = *pos + 2;
	*pos = *run = target;
	return (0);
}

/* Note the label at *pos in r and step over it. */
static int
dns_label(struct dns_cursor *c, struct name_ring *r, size_t *pos)
{
	size_t	 len = c->msg[*pos];

	if (c->len - *pos - 1 < len) {
		dns_fail(c, "truncated question");
		return (-1);
	}
	if (r->count == DNS_LABELS_PER_NAME) {
		dns_fail(c, "too many labels");
		return (-1);
	}
	name_ring_add(r, c->msg + *pos + 1, len);
	*pos += 1 + len;
	if (*pos > c->reach)
		c->reach = *pos;
	return (0);
}

/*
 * Decode the name at c->off into n and move c->off past it: past its
 * terminating zero, or past the first pointer if it has one.  A name
 * that is valid only in part (odd bytes, too long) is kept as such:
 * n->partial, its valid right-most labels in n->s.
 */
static void
dns_name(struct dns_cursor *c, struct name *n)
{
	struct name_ring	 r;
	size_t			 pos = c->off, run = c->off, end = 0;
	int			 jumps = 0;
	uint8_t			 b;

	name_reset(n);
	name_ring_init(&r);
	while (c->err == NULL) {
		if (pos >= c->len) {
			dns_fail(c, "truncated question");
			break;
		}
		b = c->msg[pos];
		if (pos + 1 > c->reach)
			c->reach = pos + 1;
		if (b == 0) {
			if (jumps == 0)
				end = pos + 1;
			c->off = end;
			if (name_ring_finish(&r, n) == -1)
				c->unclean++;
			break;
		}
		switch (b & DNS_LABEL_MASK) {
		case DNS_LABEL_PTR:
			if (jumps == 0)
				end = pos + 2;
			dns_jump(c, &pos, &run, &jumps);
			break;
		case DNS_LABEL_EXT:
			/* read as a length, 0x40-0x7f is 64-127 */
			dns_fail(c, "label longer than 63 bytes");
			break;
		case DNS_LABEL_RSVD:
			dns_fail(c, "reserved label type");
			break;
		default:
			dns_label(c, &r, &pos);
			break;
		}
	}
}

/* One question: a name, its type and its class. */
static void
dns_question(struct dns_cursor *c, struct dns_question *q)
{
	dns_name(c, &q->name);
	q->qtype = dns_get16(c, c->off);
	q->qclass = dns_get16(c, c->off + 2);
	if (c->err == NULL)
		c->off += 4;
}

/*
 * Read the header and the first DNS_QMAX questions of a message (a
 * query, or a response when response is set).  Questions read before
 * a fault stay in q->q[0..nq): a message that breaks later still says
 * what it asked.  Returns 0, or -1 with q->err saying why.
 */
static int
parse_message(const uint8_t *msg, size_t len, struct dns_query *q,
    int response)
{
	int			 n;

	q->id = q->flags = q->qdcount = q->nread = 0;
	q->nq = q->edns = q->edns_do = q->lenient = q->unclean = 0;
	q->qend = q->reach = DNS_HEADER_LEN;
	q->err = NULL;
	if (len < DNS_HEADER_LEN) {
		q->err = "truncated header";
		return (-1);
	}
	q->id = (uint16_t)(msg[0] << 8 | msg[1]);
	q->flags = (uint16_t)(msg[2] << 8 | msg[3]);
	q->qdcount = (uint16_t)(msg[4] << 8 | msg[5]);
	if (!response && (q->flags & DNS_QR))
		q->err = "response, not a query";
	else if (response && !(q->flags & DNS_QR))
		q->err = "query, not a response";
	else if (DNS_OPCODE(q->flags) != DNS_OPCODE_QUERY)
		q->err = "opcode not QUERY";
	else if (q->qdcount == 0)
		q->err = "no question";
	if (q->err != NULL)
		return (-1);
	n = q->qdcount < DNS_QMAX ? q->qdcount : DNS_QMAX;
	while (q->nq < n) {
		if (dns_next_question(msg, len, q, &q->q[q->nq]) != 1)
			return (-1);
		q->nq++;
	}
	if (!response && q->nq == q->qdcount)
		dns_find_opt(msg, len, q);
	return (0);
}

/*
 * The next question after those read so far (q->nread of q->qdcount,
 * ending at q->qend) into *out.  1 and q moved on; 0 when all were
 * read; -1 with q->err for a question that cannot be read.  Lets a
 * caller judge every question of a message, not only the first few.
 */
int
dns_next_question(const uint8_t *msg, size_t len, struct dns_query *q,
    struct dns_question *out)
{
	struct dns_cursor	 c = { msg, len, q->qend, NULL, 0, 0, 0 };

	if (q->err != NULL)
		return (-1);
	if (q->nread == q->qdcount)
		return (0);
	dns_question(&c, out);
	q->lenient |= c.lenient;
	q->unclean += c.unclean;
	if (c.reach > q->reach)
		q->reach = c.reach;
	if (c.err != NULL) {
		q->err = c.err;
		return (-1);
	}
	q->qend = c.off;
	q->nread++;
	return (1);
}

/*
 * Read the questions of a query message (for TCP, without its length
 * prefix).  Only QUERY with QR clear is accepted.  A message with more
 * than DNS_QMAX questions keeps the first DNS_QMAX (q->nq);
 * dns_next_question() reads the others.  An EDNS OPT record is noticed
 * (q->edns) for replies built with dns_build_reply().  Returns 0, or
 * -1 with q->err saying why.
 */
int
dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	return (parse_message(msg, len, q, 0));
}

/* A record's address into a: A (4 bytes) or AAAA (16); 0 or -1. */
static int
dns_rr_addr(const uint8_t *rd, uint16_t type, uint16_t rdlen, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (type == 1 && rdlen == 4)
		a->family = AF_INET;
	else if (type == 28 && rdlen == 16)
		a->family = AF_INET6;
	else
		return (-1);
	memcpy(a->u.b, rd, rdlen);
	return (0);
}

/*
 * A response: its questions as dns_parse_query() reads them, and from
 * its answer section the names CNAME records point to (in order, so
 * that a name reached through an alias is seen) and the A and AAAA
 * addresses with their TTLs, each as many as ans has room for.  Read
 * once, in place, with the same cursor as the questions.  Returns 0, or
 * -1 with q->err set; a response whose answers cannot be read is cut
 * where they stop.
 */
int
dns_parse_response(const uint8_t *msg, size_t len, struct dns_query *q,
    struct dns_answer *ans)
{
	struct dns_cursor	 c = { msg, len, 0, NULL, 0, 0, 0 };
	struct name		 owner;
	size_t			 i, ancount, rdata;
	uint16_t		 type, rdlen;
	uint32_t		 ttl;

	ans->nchain = ans->naddr = 0;
	if (parse_message(msg, len, q, 1) == -1)
		return (-1);
	if (q->nq != q->qdcount)
		return (0);
	ancount = (size_t)(msg[6] << 8 | msg[7]);
	c.off = q->qend;
	for (i = 0; i < ancount && i < 64; i++) {
		dns_name(&c, &owner);
		if (c.err != NULL || len - c.off < 10)
			break;
		type = (uint16_t)(msg[c.off] << 8 | msg[c.off + 1]);
		ttl = (uint32_t)msg[c.off + 4] << 24 |
		    (uint32_t)msg[c.off + 5] << 16 |
		    (uint32_t)msg[c.off + 6] << 8 | msg[c.off + 7];
		rdlen = (uint16_t)(msg[c.off + 8] << 8 | msg[c.off + 9]);
		c.off += 10;
		if (rdlen > len - c.off)
			break;
		rdata = c.off;
		if (type == 5 && ans->nchain < DNS_CHAIN_MAX) {	/* CNAME */
			dns_name(&c, &ans->chain[ans->nchain]);
			if (c.err != NULL)
				break;
			ans->nchain++;
		} else if (ans->naddr < DNS_ADDR_MAX &&
		    dns_rr_addr(msg + rdata, type, rdlen,
		    &ans->addr[ans->naddr]) == 0)
			ans->ttl[ans->naddr++] = ttl > 0x7fffffff ? 0 : ttl;
		c.off = rdata + rdlen;
	}
	return (0);
}

/*
 * Step over a name in a resource record (labels ending in a zero byte
 * or a compression pointer; pointers are not followed, only skipped).
 * Returns 0, or -1 past the end.
 */
static int
dns_skip_name(const uint8_t *msg, size_t len, size_t *off)
{
	size_t	 n = 0;

	while (*off < len && n++ < 128) {
		if ((msg[*off] & DNS_LABEL_MASK) == DNS_LABEL_PTR) {
			*off += 2;
			return (*off <= len ? 0 : -1);
		}
		if (msg[*off] == 0) {
			(*off)++;
			return (0);
		}
		*off += 1 + (size_t)msg[*off];
	}
	return (-1);
}

/*
 * Look for an EDNS OPT record (RFC 6891) after the questions: a reply
 * to a query that has one must carry one too.  Best effort: a query
 * whose later sections cannot be read is still a query, just not an
 * EDNS one.
 */
static void
dns_find_opt(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t		 off = q->qend, i, rr;
	uint16_t	 type, rdlen;

	rr = (size_t)(msg[6] << 8 | msg[7]) + (size_t)(msg[8] << 8 | msg[9]) +
	    (size_t)(msg[10] << 8 | msg[11]);
	for (i = 0; i < rr && i < 64; i++) {
		if (dns_skip_name(msg, len, &off) == -1 || len - off < 10)
			return;
		type = (uint16_t)(msg[off] << 8 | msg[off + 1]);
		rdlen = (uint16_t)(msg[off + 8] << 8 | msg[off + 9]);
		if (type == 41) {
			q->edns = 1;
			q->edns_do = (msg[off + 6] & 0x80) != 0;
			return;
		}
		off += 10;
		if (rdlen > len - off)
			return;
		off += rdlen;
	}
}

static size_t
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return (2);
}

/*
 * A reply to the query msg (parsed into q) that refuses it: NXDOMAIN,
 * REFUSED, or for a sink the address 0.0.0.0 or :: with ttl for A or
 * AAAA and no data for other types.  Same id and questions, RD copied,
 * RA set; an OPT record (payload 1232, DO copied) when the query had
 * one.  Returns the reply's length, or -1 when it does not fit.
 */
int
dns_build_reply(const uint8_t *msg, const struct dns_query *q,
    enum dns_reject how, uint32_t ttl, uint8_t *out, size_t size)
{
	size_t		 n, qlen = q->qend - DNS_HEADER_LEN, rdlen = 0;
	uint16_t	 type = q->q[0].qtype, rcode = 0;
	int		 answer = 0;

	/*
	 * Questions read through odd pointers, or through labels past the
	 * questions kept, do not survive the copy: such a query is dropped
	 * unanswered.
	 */
	if (q->lenient || q->nq == 0 || q->reach > q->qend)
		return (-1);
	if (how == DNS_REJECT_NXDOMAIN)
		rcode = 3;
	else if (how == DNS_REJECT_REFUSED)
		rcode = 5;
	else if (type == 1 || type == 28) {
		answer = 1;
		rdlen = type == 1 ? 4 : 16;
	}
	if (DNS_HEADER_LEN + qlen + (answer ? 12 + rdlen : 0) +
	    (q->edns ? 11 : 0) > size)
		return (-1);
	n = put16(out, q->id);
	n += put16(out + n, (uint16_t)(DNS_QR | (q->flags & 0x0100) | 0x0080 |
	    rcode));
	n += put16(out + n, (uint16_t)q->nq);
	n += put16(out + n, (uint16_t)answer);
	n += put16(out + n, 0);
	n += put16(out + n, (uint16_t)q->edns);
	memcpy(out + n, msg + DNS_HEADER_LEN, qlen);
	n += qlen;
	if (answer) {
		n += put16(out + n, 0xc000 | DNS_HEADER_LEN);	/* the qname */
		n += put16(out + n, type);
		n += put16(out + n, 1);				/* IN */
		n += put16(out + n, (uint16_t)(ttl >> 16));
		n += put16(out + n, (uint16_t)ttl);
		n += put16(out + n, (uint16_t)rdlen);
		memset(out + n, 0, rdlen);
		n += rdlen;
	}
	if (q->edns) {
		out[n++] = 0;					/* root */
		n += put16(out + n, 41);			/* OPT */
		n += put16(out + n, 1232);			/* payload */
		n += put16(out + n, 0);				/* rcode, ver */
		n += put16(out + n, q->edns_do ? 0x8000 : 0);
		n += put16(out + n, 0);				/* rdlen */
	}
	return ((int)n);
}

/* The mnemonic of a query type, or "TYPE%u" (RFC 3597) for others. */
const char *
dns_type_name(uint16_t type, char *buf, size_t size)
{
	static const struct {
		uint16_t	 type;
		const char	*name;
	} types[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" },
		{ 12, "PTR" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" },
		{ 33, "SRV" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 255, "ANY" }
	};
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type) {
			snprintf(buf, size, "%s", types[i].name);
			return (buf);
		}
	snprintf(buf, size, "TYPE%u", (unsigned)type);
	return (buf);
}
