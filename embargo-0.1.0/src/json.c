/*
 * json.c: escape a string for JSON.  Names from packets may hold '"',
 * '\\' or control bytes; nothing else in embargo needs more of JSON.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

/*
 * Write s, escaped and quoted, into buf (size bytes, always
 * terminated; cut short if it must).  Returns the length written.
 */
size_t
json_escape(char *buf, size_t size, const char *s)
{
	char	 esc[8];
	size_t	 n = 0, k;

	if (size < 3) {
		if (size > 0)
			buf[0] = '\0';
		return (0);
	}
	buf[n++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			snprintf(esc, sizeof(esc), "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*s);
		else
			snprintf(esc, sizeof(esc), "%c", *s);
		k = strlen(esc);
		if (n + k + 2 > size)
			break;
		memcpy(buf + n, esc, k);
		n += k;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return (n);
}
