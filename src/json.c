/*
 * json.c: escape a string for JSON.  Names from packets may hold '"',
 * '\\', control bytes or bytes that are not UTF-8; nothing else in
 * embargo needs more of JSON.
 *
 * The output is always valid UTF-8 JSON.  Well-formed UTF-8 is copied
 * as it is; each byte that is not part of a well-formed sequence
 * becomes U+FFFD, so the text says something was there.  That loses
 * the byte; a caller that must keep it (the events do) checks
 * json_utf8_valid() and writes the raw bytes in hex beside it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

static size_t	utf8_seq(const unsigned char *);

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t
utf8_seq(const unsigned char *s)
{
	size_t	 n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);	/* also stops at the terminating NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (n);
}

/* Is s well-formed UTF-8 throughout? */
int
json_utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (*p != '\0') {
		if ((n = utf8_seq(p)) == 0)
			return (0);
		p += n;
	}
	return (1);
}

/*
 * Write s, escaped and quoted, into buf (size bytes, always
 * terminated; cut short if it must, never inside a character).
 * Returns the length written.
 */
size_t
json_escape(char *buf, size_t size, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[8];
	size_t			 n = 0, k, seq;

	if (size < 3) {
		if (size > 0)
			buf[0] = '\0';
		return (0);
	}
	buf[n++] = '"';
	for (; *p != '\0'; p += seq) {
		seq = utf8_seq(p);
		if (seq == 0) {
			seq = 1;
			memcpy(esc, "\\ufffd", k = 6);
		} else if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			k = 2;
		} else if (*p < 0x20 || *p == 0x7f)
			k = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", *p);
		else {
			memcpy(esc, p, seq);
			k = seq;
		}
		if (n + k + 2 > size)
			break;
		memcpy(buf + n, esc, k);
		n += k;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return (n);
}
