/*
 * fuzz_name: the name normaliser, in both modes, the label builder, and
 * the promise that an unclean name never escapes a suffix it names.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "name.h"

#define SUFFIX	"upd.kaspersky.com"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A packet name is short, printable, and partial ones stay valid. */
static void
check_wire(const struct name *n, int rc)
{
	struct name	 again;

	if (n->len > NAME_MAXLEN || strlen(n->s) != n->len)
		__builtin_trap();
	if (rc == 0 && n->partial)
		__builtin_trap();
	if (rc == -1 && !n->partial && n->len != 0)
		__builtin_trap();
	if (n->len > 0 && (name_normalize(&again, n->s, n->len, NAME_WIRE) != 0 ||
	    strcmp(again.s, n->s) != 0))
		__builtin_trap();
}

/*
 * Whatever bytes stand before ".upd.kaspersky.com", the name keeps the
 * suffix: as its whole (clean, or IDNA's A-labels) or as its valid
 * right-most labels (partial).
 */
static void
check_suffix(const uint8_t *data, size_t size)
{
	static char	 buf[1024];
	struct name	 n;
	size_t		 k = sizeof(SUFFIX) - 1;

	if (size > sizeof(buf) - k - 1)
		size = sizeof(buf) - k - 1;
	memcpy(buf, data, size);
	buf[size] = '.';
	memcpy(buf + size + 1, SUFFIX, k);
	name_normalize(&n, buf, size + 1 + k, NAME_WIRE);
	if (n.len < k || strcmp(n.s + n.len - k, SUFFIX) != 0 ||
	    (n.len > k && n.s[n.len - k - 1] != '.'))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t			 off = 0, at, k, prev = 0;
	struct name		 n, again;
	struct name_label	 l[NAME_LABELS_MAX];
	char			 why[128];
	size_t			 i, len, nl = 0;
	int			 rc;

	if (name_normalize(&n, (const char *)data, size, NAME_LIST) == 0) {
		/* a normalised list name is stable and valid on the wire */
		if (name_normalize(&again, n.s, n.len, NAME_LIST) != 0 ||
		    strcmp(again.s, n.s) != 0)
			__builtin_trap();
		if (name_normalize(&again, n.s, n.len, NAME_WIRE) != 0)
			__builtin_trap();
	} else
		name_strerror(&n, why, sizeof(why));
	rc = name_normalize(&n, (const char *)data, size, NAME_WIRE);
	check_wire(&n, rc);
	name_strerror(&n, why, sizeof(why));
	/* the same bytes as length-prefixed wire labels */
	for (i = 0; i < size && nl < NAME_LABELS_MAX; i += len + 1) {
		len = data[i] & 0x7f;
		if (i + 1 + len > size)
			break;
		l[nl].p = data + i + 1;
		l[nl++].len = len;
	}
	rc = name_from_labels(&n, l, nl, 0);
	check_wire(&n, rc);
	check_suffix(data, size);
	/* the runs name_scan() finds lie in the input, apart, in order */
	while (name_scan(data, size, &off, &at, &k)) {
		if (at < prev || k < 4 || at + k > size || off != at + k ||
		    memchr(data + at, '.', k) == NULL)
			__builtin_trap();
		prev = off;
	}
	if (off != size)
		__builtin_trap();
	return (0);
}
