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
#define NAME_LABELS_MAX	128	/* right-most labels read from a packet */
#define NAME_RAWMAX	255	/* bytes of an unclean name kept as sent */

/*
 * Where a name comes from decides what it may contain.  Names from
 * lists are host names: LDH labels (underscore tolerated), U-labels
 * converted to A-labels.  Names from packets are only checked for what
 * breaks matching (empty labels, dots or control bytes inside labels,
 * lengths): an odd character must not hide a name from a suffix rule.
 * A packet name with bytes past ASCII that IDNA takes is converted to
 * its A-labels (unclean, but whole); one that fails keeps its valid
 * right-most labels (partial) and says why in err.
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

/*
 * A normalised name and the first error met, if any.  A name from a
 * packet that cannot be normalised whole is not thrown away: s holds
 * its valid right-most labels (partial), so that a rule for a suffix
 * it still names can judge it, and raw what was sent.
 */
struct name {
	char		s[NAME_BUFSZ];
	size_t		len;
	enum name_err	err;
	unsigned char	bad;	/* the offending byte for NAME_ECHAR */
	uint8_t		partial;	/* s: only the valid right-most labels */
	uint8_t		unclean;	/* not clean as sent; raw holds it */
	uint16_t	rawlen;
	char		raw[NAME_RAWMAX + 1];	/* as sent, cut to fit */
};

/* One label as sent: DNS wire form, or text between dots. */
struct name_label {
	const uint8_t	*p;
	size_t		 len;
};

/* The right-most labels of a name read left to right, in a ring. */
struct name_ring {
	struct name_label	 l[NAME_LABELS_MAX];
	size_t			 count;		/* labels added */
};

int		 name_normalize(struct name *, const char *, size_t,
		    enum name_mode);
void		 name_reset(struct name *);
int		 name_from_labels(struct name *, const struct name_label *,
		    size_t, int);
void		 name_ring_init(struct name_ring *);
void		 name_ring_add(struct name_ring *, const uint8_t *, size_t);
int		 name_ring_finish(struct name_ring *, struct name *);
const char	*name_strerror(const struct name *, char *, size_t);
int		 name_scan(const uint8_t *, size_t, size_t *, size_t *,
		    size_t *);

#endif
