/*
 * fuzz_dns: the query parser on arbitrary messages, and what it promises
 * when it accepts one.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query	 q;
	char			 type[16];
	int			 i;

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
	return (0);
}
