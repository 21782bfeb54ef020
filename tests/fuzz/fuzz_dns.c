/*
 * fuzz_dns: the query and response parsers on arbitrary messages, what
 * they promise when they accept one, and the refusal built from an
 * accepted query, which must read back as a response to it.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"
#include <sys/socket.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The response reading: chain and addresses within bounds, names as names. */
static void
response(const uint8_t *data, size_t size)
{
	struct dns_query	 q;
	struct dns_answer	 ans;
	int			 i;

	if (dns_parse_response(data, size, &q, &ans) == -1) {
		if (q.err == NULL)
			__builtin_trap();
		return;
	}
	if (ans.nchain < 0 || ans.nchain > DNS_CHAIN_MAX || ans.naddr < 0 ||
	    ans.naddr > DNS_ADDR_MAX)
		__builtin_trap();
	for (i = 0; i < ans.nchain; i++)
		if (ans.chain[i].len > NAME_MAXLEN ||
		    strlen(ans.chain[i].s) != ans.chain[i].len)
			__builtin_trap();
	for (i = 0; i < ans.naddr; i++)
		if (ans.addr[i].family != AF_INET &&
		    ans.addr[i].family != AF_INET6)
			__builtin_trap();
}

/* A refusal of q: it fits, and reads back with the same question. */
static void
reply(const uint8_t *data, const struct dns_query *q, enum dns_reject how)
{
	uint8_t			 r[DNS_REPLY_MAX];
	struct dns_query	 rq;
	static struct dns_answer ans;
	int			 n;

	n = dns_build_reply(data, q, how, 10, r, sizeof(r));
	if (n == -1)
		return;			/* too long to answer: dropped */
	if (n < DNS_HEADER_LEN || n > (int)sizeof(r) ||
	    dns_parse_response(r, (size_t)n, &rq, &ans) == -1 ||
	    rq.id != q->id || rq.nq != q->nq ||
	    strcmp(rq.q[0].name.s, q->q[0].name.s) != 0 ||
	    rq.q[0].qtype != q->q[0].qtype)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query	 q;
	char			 type[16];
	int			 i;

	response(data, size);
	if (dns_parse_query(data, size, &q) == -1) {
		if (q.err == NULL || q.nq < 0 || q.nq >= DNS_QMAX)
			__builtin_trap();
		return (0);
	}
	if (q.err != NULL || q.nq < 1 || q.nq > DNS_QMAX ||
	    q.nq != (q.qdcount < DNS_QMAX ? q.qdcount : DNS_QMAX) ||
	    (q.flags & 0xf800) != 0)
		__builtin_trap();
	for (i = 0; i < q.nq; i++) {
		/* a name is text of at most 253 characters, folded */
		if (q.q[i].name.len > NAME_MAXLEN ||
		    strlen(q.q[i].name.s) != q.q[i].name.len ||
		    strpbrk(q.q[i].name.s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
		    NULL)
			__builtin_trap();
		dns_type_name(q.q[i].qtype, type, sizeof(type));
	}
	reply(data, &q, DNS_REJECT_NXDOMAIN);
	reply(data, &q, DNS_REJECT_SINK);
	/* every question, however many: each read at most once */
	{
		struct dns_question	 extra;
		unsigned		 more = 0;

		while (dns_next_question(data, size, &q, &extra) == 1)
			if (++more > q.qdcount || extra.name.len > NAME_MAXLEN)
				__builtin_trap();
	}
	return (0);
}
