/*
 * fuzz_name: the name normaliser, in both modes, and the label builder.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "name.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct name	 n, again;
	char		 why[128];
	size_t		 i, len;

	if (name_normalize(&n, (const char *)data, size, NAME_LIST) == 0) {
		/* a normalised list name is stable and valid on the wire */
		if (name_normalize(&again, n.s, n.len, NAME_LIST) != 0 ||
		    strcmp(again.s, n.s) != 0)
			__builtin_trap();
		if (name_normalize(&again, n.s, n.len, NAME_WIRE) != 0)
			__builtin_trap();
	} else
		name_strerror(&n, why, sizeof(why));
	if (name_normalize(&n, (const char *)data, size, NAME_WIRE) == 0 &&
	    (n.len == 0 || n.len > NAME_MAXLEN || strlen(n.s) != n.len))
		__builtin_trap();
	/* the same bytes as length-prefixed wire labels */
	name_reset(&n);
	for (i = 0; i < size; i += len + 1) {
		len = data[i] & 0x7f;
		if (i + 1 + len > size)
			break;
		if (name_add_label(&n, data + i + 1, len) == -1)
			break;
	}
	if (name_finish(&n) == 0 && n.len > NAME_MAXLEN)
		__builtin_trap();
	return (0);
}
