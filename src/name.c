/*
 * name.c: normalise domain names from lists and from packets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "name.h"

static int	name_fail(struct name *, enum name_err, unsigned char);
static inline int name_is_wire(unsigned char);
static inline enum name_err name_label_end(const unsigned char *, size_t,
		    size_t, enum name_mode);
static int	name_check(struct name *, enum name_mode);
static int	name_is_ipv4(const char *, size_t);
static int	name_from_idn(struct name *, const char *, size_t);
static enum name_err label_check(const struct name_label *, unsigned char *,
		    int *);
static void	name_keep_raw(struct name *, const struct name_label *, size_t);
static void	name_put_label(struct name *, const struct name_label *);
static void	name_salvage(struct name *, const struct name_label *, size_t,
		    enum name_err);
static int	name_split(struct name *, const char *, size_t);

/*
 * Each byte of a name, lower-cased, or 0 where it may not stand; the
 * dot maps to itself.  One load per byte decides and folds: name_check()
 * runs on every list line at load time and every name in a packet.
 */
static const unsigned char name_map_ldh[256] = {	/* lists: LDH, '_' */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x2d, 0x2e, 0x00,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x5f,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const unsigned char name_map_wire[256] = {	/* packets: printable */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Printable ASCII other than the dot that separates labels. */
static inline int
name_is_wire(unsigned char c)
{
	return (name_map_wire[c] != 0 && c != '.');
}

static int
name_fail(struct name *n, enum name_err err, unsigned char bad)
{
	n->err = err;
	n->bad = bad;
	return (-1);
}

void
name_reset(struct name *n)
{
	n->len = 0;
	n->s[0] = '\0';
	n->err = NAME_OK;
	n->bad = 0;
	n->partial = 0;
	n->unclean = 0;
	n->rawlen = 0;
	n->raw[0] = '\0';
}

/* Is the label valid in a packet name: 1-63 printable bytes, no dot? */
static enum name_err
label_check(const struct name_label *l, unsigned char *bad, int *high)
{
	size_t	 i;

	if (l->len == 0)
		return (NAME_EEMPTYLABEL);
	if (l->len > NAME_LABELMAX)
		return (NAME_ELABELLEN);
	for (i = 0; i < l->len; i++)
		if (!name_is_wire(l->p[i])) {
			*bad = l->p[i];
			*high = l->p[i] >= 0x80;
			for (; i < l->len; i++)
				if (!name_is_wire(l->p[i]) && l->p[i] < 0x80)
					*high = 0;
			return (NAME_ECHAR);
		}
	return (NAME_OK);
}

/* Keep what was sent, labels joined by dots, cut to NAME_RAWMAX. */
static void
name_keep_raw(struct name *n, const struct name_label *l, size_t nl)
{
	size_t	 i, k, off = 0;

	for (i = 0; i < nl && off < NAME_RAWMAX; i++) {
		if (i > 0)
			n->raw[off++] = '.';
		for (k = 0; k < l[i].len && off < NAME_RAWMAX; k++)
			n->raw[off++] = (char)l[i].p[k];
	}
	n->raw[off] = '\0';
	n->rawlen = (uint16_t)off;
	n->unclean = 1;
}

/* Append label l to n->s, folding case; the caller checked it fits. */
static void
name_put_label(struct name *n, const struct name_label *l)
{
	size_t	 i;

	if (n->len > 0)
		n->s[n->len++] = '.';
	for (i = 0; i < l->len; i++)
		n->s[n->len++] = (char)name_map_wire[l->p[i]];
	n->s[n->len] = '\0';
}

/*
 * The valid right-most labels of l[0..nl) into n->s, and why the rest
 * was refused (the right-most fault) in n->err.
 */
static void
name_salvage(struct name *n, const struct name_label *l, size_t nl,
    enum name_err first)
{
	size_t		 i, keep = 0, total = 0;
	enum name_err	 e = first;
	unsigned char	 bad = 0;
	int		 high;

	for (i = nl; i > 0; i--) {
		if ((e = label_check(&l[i - 1], &bad, &high)) != NAME_OK)
			break;
		if (total + (keep > 0) + l[i - 1].len > NAME_MAXLEN) {
			e = NAME_ENAMELEN;
			break;
		}
		total += (keep > 0) + l[i - 1].len;
		keep++;
	}
	if (i == 0)
		e = first;	/* all labels valid: too long, or cut */
	n->len = 0;
	n->s[0] = '\0';
	for (i = nl - keep; i < nl; i++)
		name_put_label(n, &l[i]);
	n->partial = 1;
	name_fail(n, e, e == NAME_ECHAR ? bad : 0);
}

/*
 * A name from a packet, given as its labels in order (DNS wire form,
 * or text cut at the dots); cut says labels were lost on the left.
 * Returns 0 for a clean name, or one whose bytes past ASCII IDNA turns
 * into A-labels (unclean); -1 for a name that is only partly valid:
 * n->s then holds its valid right-most labels (partial), n->err why.
 * No labels at all is the root: valid and empty.
 */
int
name_from_labels(struct name *n, const struct name_label *l, size_t nl,
    int cut)
{
	size_t		 i, total = 0;
	enum name_err	 e, first = NAME_OK;
	unsigned char	 bad = 0;
	int		 high, only_high = 1;

	name_reset(n);
	for (i = 0; i < nl; i++) {
		e = label_check(&l[i], &bad, &high);
		if (e != NAME_OK && first == NAME_OK)
			first = e;
		if (e != NAME_OK && !(e == NAME_ECHAR && high))
			only_high = 0;
		total += (i > 0) + l[i].len;
	}
	if (cut || total > NAME_MAXLEN) {
		if (first == NAME_OK)
			first = NAME_ENAMELEN;
		only_high = 0;
	}
	if (first == NAME_OK) {
		for (i = 0; i < nl; i++)
			name_put_label(n, &l[i]);
		return (0);
	}
	name_keep_raw(n, l, nl);
	if (only_high && name_from_idn(n, n->raw, n->rawlen) == 0 &&
	    name_check(n, NAME_WIRE) == 0)
		return (0);
	name_salvage(n, l, nl, first);
	return (-1);
}

/* Is s[0..len) a dotted-quad IPv4 address? */
static int
name_is_ipv4(const char *s, size_t len)
{
	size_t	 i;
	int	 dots = 0, digits = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (digits == 0)
				return (0);
			dots++;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			if (++digits > 3)
				return (0);
		} else
			return (0);
	}
	return (dots == 3 && digits > 0);
}

/* The label s[start..end) just ended: is it one? */
static inline enum name_err
name_label_end(const unsigned char *s, size_t start, size_t end,
    enum name_mode mode)
{
	if (end == start)
		return (NAME_EEMPTYLABEL);
	if (end - start > NAME_LABELMAX)
		return (NAME_ELABELLEN);
	if (mode == NAME_LIST && (s[start] == '-' || s[end - 1] == '-'))
		return (NAME_EHYPHEN);
	return (NAME_OK);
}

/*
 * Check and fold the text in n->s.  Every label is non-empty and at most
 * 63 bytes, the whole at most 253; bytes are LDH for lists, printable
 * ASCII but the dot for packets.
 */
static int
name_check(struct name *n, enum name_mode mode)
{
	const unsigned char	*map = mode == NAME_LIST ? name_map_ldh :
				    name_map_wire;
	unsigned char		*s = (unsigned char *)n->s, m;
	const size_t		 len = n->len;	/* s[] writes alias n */
	size_t			 i, start = 0;
	enum name_err		 err;

	if (len == 0)
		return (name_fail(n, NAME_EEMPTY, 0));
	if (len > NAME_MAXLEN)
		return (name_fail(n, NAME_ENAMELEN, 0));
	for (i = 0; i < len; i++) {
		if ((m = map[s[i]]) == '.') {
			if ((err = name_label_end(s, start, i, mode)) !=
			    NAME_OK)
				return (name_fail(n, err, 0));
			start = i + 1;
			continue;
		}
		if (m == 0)
			return (name_fail(n, NAME_ECHAR, s[i]));
		s[i] = m;
	}
	if ((err = name_label_end(s, start, len, mode)) != NAME_OK)
		return (name_fail(n, err, 0));
	if (mode == NAME_LIST && name_is_ipv4(n->s, len))
		return (name_fail(n, NAME_EADDRESS, 0));
	return (0);
}

/*
 * Convert a name holding U-labels to A-labels with IDNA2008 and the
 * UTS #46 non-transitional mapping (which also folds case), as browsers
 * and resolvers do.  Only list names take this path.
 */
static int
name_from_idn(struct name *n, const char *in, size_t len)
{
	char	 utf8[NAME_BUFSZ * 4 + 1];
	char	*ascii = NULL;
	size_t	 alen;
	int	 rc;

	if (len >= sizeof(utf8))
		return (name_fail(n, NAME_ENAMELEN, 0));
	memcpy(utf8, in, len);
	utf8[len] = '\0';
	rc = idn2_to_ascii_8z(utf8, &ascii,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		n->bad = (unsigned char)(-rc > 255 ? 255 : -rc);
		n->err = NAME_EIDN;
		return (-1);
	}
	alen = strlen(ascii);
	if (alen > 0 && ascii[alen - 1] == '.')
		alen--;
	if (alen > NAME_MAXLEN) {
		idn2_free(ascii);
		return (name_fail(n, NAME_ENAMELEN, 0));
	}
	memcpy(n->s, ascii, alen);
	n->s[alen] = '\0';
	n->len = alen;
	idn2_free(ascii);
	return (0);
}

/*
 * Normalise in[0..len) into n.  Returns 0, or -1 with n->err saying why
 * (name_strerror() turns it into words).
 */
int
name_normalize(struct name *n, const char *in, size_t len, enum name_mode mode)
{
	uint64_t	 w;
	size_t		 i;

	name_reset(n);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return (name_fail(n, NAME_EEMPTY, 0));
	if (mode == NAME_WIRE)
		return (name_split(n, in, len));
	/* any byte past ASCII: eight at a time, then the rest */
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, in + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	for (; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			return (name_from_idn(n, in, len) == -1 ? -1 :
			    name_check(n, NAME_LIST));
	if (len > NAME_MAXLEN)
		return (name_fail(n, NAME_ENAMELEN, 0));
	memcpy(n->s, in, len);
	n->s[len] = '\0';
	n->len = len;
	return (name_check(n, mode));
}

/*
 * A packet's name as text: cut at the dots, the right-most
 * NAME_LABELS_MAX labels kept, then as name_from_labels().
 */
static int
name_split(struct name *n, const char *in, size_t len)
{
	struct name_ring	 r;
	const uint8_t		*p = (const uint8_t *)in, *dot;
	size_t			 k, left = len;

	name_ring_init(&r);
	for (;;) {
		dot = memchr(p, '.', left);
		k = dot != NULL ? (size_t)(dot - p) : left;
		name_ring_add(&r, p, k);
		if (dot == NULL)
			break;
		p = dot + 1;
		left -= k + 1;
	}
	return (name_ring_finish(&r, n));
}

void
name_ring_init(struct name_ring *r)
{
	r->count = 0;
}

/* One more label, in order; only the last NAME_LABELS_MAX are kept. */
void
name_ring_add(struct name_ring *r, const uint8_t *p, size_t len)
{
	struct name_label	*l = &r->l[r->count++ % NAME_LABELS_MAX];

	l->p = p;
	l->len = len;
}

/* The labels gathered in r as a name (see name_from_labels()). */
int
name_ring_finish(struct name_ring *r, struct name *n)
{
	struct name_label	 l[NAME_LABELS_MAX];
	size_t			 i, nl, first;

	nl = r->count < NAME_LABELS_MAX ? r->count : NAME_LABELS_MAX;
	first = r->count - nl;
	for (i = 0; i < nl; i++)
		l[i] = r->l[(first + i) % NAME_LABELS_MAX];
	return (name_from_labels(n, l, nl, r->count > NAME_LABELS_MAX));
}

/* Say in words why a name was refused. */
const char *
name_strerror(const struct name *n, char *buf, size_t size)
{
	switch (n->err) {
	case NAME_OK:
		snprintf(buf, size, "valid name");
		break;
	case NAME_EEMPTY:
		snprintf(buf, size, "empty name");
		break;
	case NAME_EEMPTYLABEL:
		snprintf(buf, size, "empty label");
		break;
	case NAME_ELABELLEN:
		snprintf(buf, size, "label longer than %d bytes",
		    NAME_LABELMAX);
		break;
	case NAME_ENAMELEN:
		snprintf(buf, size, "name longer than %d characters",
		    NAME_MAXLEN);
		break;
	case NAME_ECHAR:
		if (n->bad > 0x20 && n->bad < 0x7f)
			snprintf(buf, size, "invalid character '%c' in label",
			    n->bad);
		else
			snprintf(buf, size, "invalid byte 0x%02x in label",
			    n->bad);
		break;
	case NAME_EHYPHEN:
		snprintf(buf, size, "label starts or ends with a hyphen");
		break;
	case NAME_EADDRESS:
		snprintf(buf, size, "an IPv4 address, not a name");
		break;
	case NAME_EIDN:
		snprintf(buf, size, "invalid internationalised name: %s",
		    idn2_strerror(-(int)n->bad));
		break;
	}
	return (buf);
}

/*
 * The next run of host-name bytes (LDH, '_' and dots) in p[0..len)
 * from *off on that holds a dot and a letter, of at least 4 bytes: a
 * name a message may carry, found without reading the message (bytes
 * held out of order, or a flow seen mid-stream).  Its place in *start
 * and *n, *off moved past it; 0 when there is none.
 */
int
name_scan(const uint8_t *p, size_t len, size_t *off, size_t *start,
    size_t *n)
{
	size_t	 i = *off, a;
	int	 dot, alpha;

	while (i < len) {
		while (i < len && name_map_ldh[p[i]] == 0)
			i++;
		a = i;
		dot = alpha = 0;
		for (; i < len && name_map_ldh[p[i]] != 0; i++) {
			dot |= p[i] == '.';
			alpha |= name_map_ldh[p[i]] >= 'a';
		}
		if (i - a >= 4 && dot && alpha) {
			*start = a;
			*n = i - a;
			*off = i;
			return (1);
		}
	}
	*off = len;
	return (0);
}
