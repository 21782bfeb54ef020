/*
 * name.h: domain names in the one form every other module compares:
 * lower-case ASCII, no trailing dot, labels of 1-63 bytes, at most 253
 * characters (255 bytes in DNS wire form).
 */
#ifndef EMBARGO_NAME_H
#define EMBARGO_NAME_H

#include <stddef.h>
#include <stdint.h>

#define NAME_MAXLEN	253	/* characters, without a trailing dot */
#define NAME_BUFSZ	256	/* NAME_MAXLEN, a NUL, room to spare */
#define NAME_LABELMAX	63

/*
 * Where a name comes from decides what it may contain.  Names from
 * lists are host names: LDH labels (underscore tolerated), U-labels
 * converted to A-labels.  Names from packets are only checked for what
 * breaks matching (empty labels, dots or control bytes inside labels,
 * lengths): an odd character must not hide a name from a suffix rule.
 */
enum name_mode {
	NAME_LIST,
	NAME_WIRE
};

enum name_err {
	NAME_OK = 0,
	NAME_EEMPTY,		/* nothing left once the dot is gone */
	NAME_EEMPTYLABEL,	/* "a..b", ".a" */
	NAME_ELABELLEN,		/* a label longer than 63 bytes */
	NAME_ENAMELEN,		/* more than 253 characters */
	NAME_ECHAR,		/* a byte not allowed in a label */
	NAME_EHYPHEN,		/* a label that starts or ends with '-' */
	NAME_EADDRESS,		/* an IPv4 address, not a name */
	NAME_EIDN		/* a U-label that IDNA2008 rejects */
};

/* A normalised name and the first error met, if any. */
struct name {
	char		s[NAME_BUFSZ];
	size_t		len;
	enum name_err	err;
	unsigned char	bad;	/* the offending byte for NAME_ECHAR */
};

int		 name_normalize(struct name *, const char *, size_t,
		    enum name_mode);
void		 name_reset(struct name *);
int		 name_add_label(struct name *, const uint8_t *, size_t);
int		 name_finish(struct name *);
const char	*name_strerror(const struct name *, char *, size_t);

#endif
