/*
 * name.c: normalise domain names from lists and from packets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "name.h"

static inline int	name_is_ldh(unsigned char);
static inline int	name_is_wire(unsigned char);
static inline char	name_lower(unsigned char);
static int	name_fail(struct name *, enum name_err, unsigned char);
static int	name_check(struct name *, enum name_mode);
static int	name_is_ipv4(const char *, size_t);
static int	name_from_idn(struct name *, const char *, size_t);

/* Letter, digit, hyphen or underscore. */
static inline int
name_is_ldh(unsigned char c)
{
	return ((unsigned)((c | 0x20) - 'a') < 26 ||
	    (unsigned)(c - '0') < 10 || c == '-' || c == '_');
}

/* Printable ASCII other than the dot that separates labels. */
static inline int
name_is_wire(unsigned char c)
{
	return (c > 0x20 && c < 0x7f && c != '.');
}

static inline char
name_lower(unsigned char c)
{
	return ((unsigned)(c - 'A') < 26 ? c + ('a' - 'A') : c);
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
}

/*
 * Append one label from DNS wire form, folding case.  A dot or a control
 * byte inside a label would change where labels split once the name is
 * text, so it is an error rather than something to escape.
 */
int
name_add_label(struct name *n, const uint8_t *label, size_t len)
{
	size_t	 i, need;

	if (n->err != NAME_OK)
		return (-1);
	if (len == 0)
		return (name_fail(n, NAME_EEMPTYLABEL, 0));
	if (len > NAME_LABELMAX)
		return (name_fail(n, NAME_ELABELLEN, 0));
	need = n->len + (n->len > 0) + len;
	if (need > NAME_MAXLEN)
		return (name_fail(n, NAME_ENAMELEN, 0));
	if (n->len > 0)
		n->s[n->len++] = '.';
	for (i = 0; i < len; i++) {
		if (!name_is_wire(label[i]))
			return (name_fail(n, NAME_ECHAR, label[i]));
		n->s[n->len++] = name_lower(label[i]);
	}
	n->s[n->len] = '\0';
	return (0);
}

/* End a name built from labels; the root name is valid and empty. */
int
name_finish(struct name *n)
{
	return (n->err == NAME_OK ? 0 : -1);
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

/*
 * Check and fold the text in n->s.  Every label is non-empty and at most
 * 63 bytes, the whole at most 253; bytes are LDH for lists, printable
 * ASCII but the dot for packets.
 */
static int
name_check(struct name *n, enum name_mode mode)
{
	size_t		 i, start = 0;
	unsigned char	 c;
	int		 ok;

	if (n->len == 0)
		return (name_fail(n, NAME_EEMPTY, 0));
	if (n->len > NAME_MAXLEN)
		return (name_fail(n, NAME_ENAMELEN, 0));
	for (i = 0; i <= n->len; i++) {
		if (i == n->len || n->s[i] == '.') {
			if (i == start)
				return (name_fail(n, NAME_EEMPTYLABEL, 0));
			if (i - start > NAME_LABELMAX)
				return (name_fail(n, NAME_ELABELLEN, 0));
			if (mode == NAME_LIST && (n->s[start] == '-' ||
			    n->s[i - 1] == '-'))
				return (name_fail(n, NAME_EHYPHEN, 0));
			start = i + 1;
			continue;
		}
		c = (unsigned char)n->s[i];
		ok = (mode == NAME_LIST) ? name_is_ldh(c) : name_is_wire(c);
		if (!ok)
			return (name_fail(n, NAME_ECHAR, c));
		n->s[i] = name_lower(c);
	}
	if (mode == NAME_LIST && name_is_ipv4(n->s, n->len))
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
	return (name_check(n, NAME_LIST));
}

/*
 * Normalise in[0..len) into n.  Returns 0, or -1 with n->err saying why
 * (name_strerror() turns it into words).
 */
int
name_normalize(struct name *n, const char *in, size_t len, enum name_mode mode)
{
	size_t	 i;

	name_reset(n);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return (name_fail(n, NAME_EEMPTY, 0));
	if (mode == NAME_LIST) {
		for (i = 0; i < len; i++)
			if ((unsigned char)in[i] >= 0x80)
				return (name_from_idn(n, in, len));
	}
	if (len > NAME_MAXLEN)
		return (name_fail(n, NAME_ENAMELEN, 0));
	memcpy(n->s, in, len);
	n->s[len] = '\0';
	n->len = len;
	return (name_check(n, mode));
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
