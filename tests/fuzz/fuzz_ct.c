/*
 * fuzz_ct: the reader of conntrack's answers.  Whatever the bytes, it
 * stays inside them and says one of its four answers; an error code is
 * given only with "cannot tell"; and the answer does not depend on
 * bytes past the length it was given.  Four bytes come first: the
 * first chooses the sequence number asked about, 4242 to 4245 (the
 * seeds are the recorded answers of tests/data/ct-*.bin behind 0, 1
 * and 2, their own).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/netlink.h>

#include "ct.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct nlmsghdr	 h;
		uint8_t		 b[8192];
	}		 buf;
	uint32_t	 seq;
	int		 r, again, err;

	if (size < 4 || size - 4 > sizeof(buf.b))
		return (0);
	seq = 4242 + (uint32_t)(data[0] % 4);
	size -= 4;
	memcpy(buf.b, data + 4, size);
	r = ct_parse(buf.b, size, seq, &err);
	if (r != CT_HELD && r != CT_GONE && r != CT_UNKNOWN && r != CT_NONE)
		__builtin_trap();
	if ((r == CT_UNKNOWN) != (err != 0))
		__builtin_trap();
	/* what lies past the answer changes nothing */
	memset(buf.b + size, 0xa5, sizeof(buf.b) - size);
	again = ct_parse(buf.b, size, seq, &err);
	if (again != r)
		__builtin_trap();
	return (0);
}
