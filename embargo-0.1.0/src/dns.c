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

#include "dns.h"

#define DNS_QR		0x8000
#define DNS_OPCODE(f)	(((f) >> 11) & 0x0f)
#define DNS_OPCODE_QUERY 0

/*
 * Compression pointers followed in one name.  Every pointer must land
 * before the run of labels it ends (see dns_jump()), so the walk always
 * ends; the bound only keeps it short.  In a query, a question's name
 * can point into an earlier question's, which can point into the one
 * before: DNS_QMAX questions need at most three jumps, so eight is
 * already generous.
 */
#define DNS_PTRMAX	8

#define DNS_LABEL_MASK	0xc0
#define DNS_LABEL_PTR	0xc0
#define DNS_LABEL_EXT	0x40	/* RFC 6891 extended label, unused */
#define DNS_LABEL_RSVD	0x80

struct dns_cursor {
	const uint8_t	*msg;
	size_t		 len;
	size_t		 off;	/* where the next question starts */
	const char	*err;	/* the first failure, kept */
};

static void	dns_fail(struct dns_cursor *, const char *);
static uint16_t	dns_get16(struct dns_cursor *, size_t);
static int	dns_jump(struct dns_cursor *, size_t *, size_t *, int *);
static int	dns_label(struct dns_cursor *, struct name *, size_t *);
static void	dns_name(struct dns_cursor *, struct name *);
static void	dns_question(struct dns_cursor *, struct dns_question *);
static int	dns_skip_name(const uint8_t *, size_t, size_t *);
static void	dns_find_opt(const uint8_t *, size_t, struct dns_query *);
static int	parse_message(const uint8_t *, size_t, struct dns_query *, int);

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
 * Follow the compression pointer at *pos.  It must point before *run,
 * the start of the labels read since the last jump: pointing forward
 * could hide a name behind bytes not yet checked, and pointing into the
 * current run would read the same pointer again.  Targets therefore
 * only ever decrease, so no pointer is followed twice.  Nor may it
 * point into the header, which holds no name: a reply built from the
 * query copies its questions after a different header.
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
	if (target > *pos) {
		dns_fail(c, "forward compression pointer");
		return (-1);
	}
	if (target >= *run) {
		dns_fail(c, "compression loop");
		return (-1);
	}
	if (target < DNS_HEADER_LEN) {
		dns_fail(c, "compression pointer into the header");
		return (-1);
	}
	if (++*jumps > DNS_PTRMAX) {
		dns_fail(c, "too many compression pointers");
		return (-1);
	}
	*pos = *run = target;
	return (0);
}

/* Add the label at *pos to n and step over it. */
static int
dns_label(struct dns_cursor *c, struct name *n, size_t *pos)
{
	size_t	 len = c->msg[*pos];

	if (c->len - *pos - 1 < len) {
		dns_fail(c, "truncated question");
		return (-1);
	}
	if (name_add_label(n, c->msg + *pos + 1, len) == -1) {
		switch (n->err) {
		case NAME_ENAMELEN:
			dns_fail(c, "name too long");
			break;
		case NAME_ECHAR:
			dns_fail(c, n->bad == '.' ? "dot inside a label" :
			    "invalid byte in a label");
			break;
		default:
			dns_fail(c, "invalid name");
			break;
		}
		return (-1);
	}
	*pos += 1 + len;
	return (0);
}

/*
 * Decode the name at c->off into n and move c->off past it: past its
 * terminating zero, or past the first pointer if it has one.
 */
static void
dns_name(struct dns_cursor *c, struct name *n)
{
	size_t	 pos = c->off, run = c->off, end = 0;
	int	 jumps = 0;
	uint8_t	 b;

	name_reset(n);
	while (c->err == NULL) {
		if (pos >= c->len) {
			dns_fail(c, "truncated question");
			break;
		}
		b = c->msg[pos];
		if (b == 0) {
			if (jumps == 0)
				end = pos + 1;
			c->off = end;
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
			dns_label(c, n, &pos);
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
 * Read the questions of a query message (for TCP, without its length
 * prefix).  Only QUERY with QR clear is accepted.  A message with more
 * than DNS_QMAX questions keeps the first DNS_QMAX (q->nq) and the
 * rest are not read; q->qdcount still says what the header said, so
 * that a caller can tell.  The answer, authority and additional
 * sections (EDNS OPT included) are not read.  Returns 0, or -1 with
 * q->err saying why.
 */
static int
parse_message(const uint8_t *msg, size_t len, struct dns_query *q,
    int response)
{
	struct dns_cursor	 c = { msg, len, DNS_HEADER_LEN, NULL };
	int			 n;

	q->id = q->flags = q->qdcount = 0;
	q->nq = q->edns = q->edns_do = 0;
	q->qend = DNS_HEADER_LEN;
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
	for (; q->nq < n; q->nq++) {
		dns_question(&c, &q->q[q->nq]);
		if (c.err != NULL) {
			q->err = c.err;
			return (-1);
		}
	}
	q->qend = c.off;
	if (!response && q->nq == q->qdcount)
		dns_find_opt(msg, len, q);
	return (0);
}

/*
 * Read the questions of a query message (for TCP, without its length
 * prefix).  Only QUERY with QR clear is accepted.  A message with more
 * than DNS_QMAX questions keeps the first DNS_QMAX (q->nq) and the
 * rest are not read; q->qdcount still says what the header said, so
 * that a caller can tell.  An EDNS OPT record is noticed (q->edns) for
 * replies built with dns_build_reply().  Returns 0, or -1 with q->err
 * saying why.
 */
int
dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	return (parse_message(msg, len, q, 0));
}

/*
 * A response: its questions as dns_parse_query() reads them, and the
 * names its answer section points to through CNAME records (at most
 * max, in order), so that a name reached through an alias is seen.
 * Addresses are for c-ares to read.  Returns the number of chain names
 * or -1 with q->err set; a response whose answers cannot be read has
 * its chain cut where they stop.
 */
int
dns_parse_response(const uint8_t *msg, size_t len, struct dns_query *q,
    struct name *chain, int max)
{
	struct dns_cursor	 c = { msg, len, 0, NULL };
	struct name		 owner;
	size_t			 i, ancount, rdata;
	uint16_t		 type, rdlen;
	int			 n = 0;

	if (parse_message(msg, len, q, 1) == -1)
		return (-1);
	if (q->nq != q->qdcount)
		return (0);
	ancount = (size_t)(msg[6] << 8 | msg[7]);
	c.off = q->qend;
	for (i = 0; i < ancount && i < 64 && n < max; i++) {
		dns_name(&c, &owner);
		if (c.err != NULL || len - c.off < 10)
			break;
		type = (uint16_t)(msg[c.off] << 8 | msg[c.off + 1]);
		rdlen = (uint16_t)(msg[c.off + 8] << 8 | msg[c.off + 9]);
		c.off += 10;
		if (rdlen > len - c.off)
			break;
		rdata = c.off;
		if (type == 5) {		/* CNAME */
			dns_name(&c, &chain[n]);
			if (c.err != NULL)
				break;
			n++;
		}
		c.off = rdata + rdlen;
	}
	return (n);
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
