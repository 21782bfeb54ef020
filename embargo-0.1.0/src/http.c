/*
 * http.c: the host an HTTP/1.x request is for, read in place.
 *
 * The input is the client's byte stream from its first byte, as far as
 * it has come; each call starts again from there.  Lines are judged
 * only once they are whole, so a prefix of a good request is never
 * refused, except that a line is too long as soon as that many bytes
 * came without its end, and the method is checked byte by byte so that
 * other protocols are told apart at once.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_LINE_MAX		8192	/* a line's bytes, not its end */
#define HTTP_HEADERS_MAX	100
#define HTTP_VERSION_LEN	8	/* "HTTP/1.1" */

/* A line without its CRLF or bare LF. */
struct http_line {
	const uint8_t	*p;
	size_t		 len;
};

static enum http_status	http_bad(struct http_request *, const char *);
static inline int	http_is_alpha(uint8_t);
static inline int	http_is_digit(uint8_t);
static int		http_is_tchar(uint8_t);
static enum http_status	http_method(const uint8_t *, size_t,
			    struct http_request *);
static enum http_status	http_next_line(const uint8_t *, size_t, size_t *,
			    struct http_line *, struct http_request *);
static enum http_status	http_request_line(const struct http_line *,
			    struct http_request *, struct http_line *);
static enum http_status	http_header(const struct http_line *,
			    struct http_request *, int *);
static enum http_status	http_host(const uint8_t *, size_t,
			    struct http_request *);
static enum http_status	http_target(const struct http_line *,
			    struct http_request *);
static int		http_authority(const uint8_t *, size_t,
			    struct name *);
static int		http_port(const uint8_t *, size_t);
static int		http_is_address(const uint8_t *, size_t);

static enum http_status
http_bad(struct http_request *r, const char *why)
{
	r->err = why;
	return (HTTP_MALFORMED);
}

static inline int
http_is_alpha(uint8_t c)
{
	return ((unsigned)((c | 0x20) - 'a') < 26);
}

static inline int
http_is_digit(uint8_t c)
{
	return ((unsigned)(c - '0') < 10);
}

/* A byte of a token (RFC 9110 5.6.2), such as a field name. */
static int
http_is_tchar(uint8_t c)
{
	return (http_is_alpha(c) || http_is_digit(c) ||
	    (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL));
}

/*
 * Does buf start with one of the usual methods and a space?  1 yes,
 * 0 no, -1 too few bytes to say.
 */
int
http_looks_like(const uint8_t *buf, size_t len)
{
	static const char *const methods[] = {
		"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
		"CONNECT ", "PATCH ", "TRACE "
	};
	size_t	 i, n;
	int	 maybe = 0;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		n = strlen(methods[i]);
		if (memcmp(buf, methods[i], len < n ? len : n) != 0)
			continue;
		if (len >= n)
			return (1);
		maybe = 1;
	}
	return (maybe ? -1 : 0);
}

/*
 * The method: 1 to 15 letters, then a space.  Anything else is not
 * HTTP, and that shows as soon as the byte that breaks it is here.
 */
static enum http_status
http_method(const uint8_t *buf, size_t len, struct http_request *r)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (buf[i] == ' ' && i > 0) {
			memcpy(r->method, buf, i);
			r->method[i] = '\0';
			return (HTTP_DONE);
		}
		if (!http_is_alpha(buf[i]) || i == sizeof(r->method) - 1) {
			r->err = "not an HTTP request";
			return (HTTP_NOT_HTTP);
		}
	}
	return (HTTP_NEED_MORE);
}

/*
 * The line at *off, and *off moved past its end.  HTTP_NEED_MORE while
 * no LF is in sight; a line is too long as soon as HTTP_LINE_MAX bytes
 * and a CRLF could have come and did not.
 */
static enum http_status
http_next_line(const uint8_t *buf, size_t len, size_t *off,
    struct http_line *l, struct http_request *r)
{
	const uint8_t	*p = buf + *off, *lf;
	size_t		 avail = len - *off;

	lf = memchr(p, '\n', avail < HTTP_LINE_MAX + 2 ?
	    avail : HTTP_LINE_MAX + 2);
	if (lf == NULL)
		return (avail >= HTTP_LINE_MAX + 2 ?
		    http_bad(r, "line too long") : HTTP_NEED_MORE);
	l->p = p;
	l->len = (size_t)(lf - p);
	*off += l->len + 1;
	if (l->len > 0 && p[l->len - 1] == '\r')
		l->len--;
	if (l->len > HTTP_LINE_MAX)
		return (http_bad(r, "line too long"));
	return (HTTP_DONE);
}

/*
 * "METHOD SP request-target SP HTTP/1.x", the method already checked.
 * The target is any run of visible bytes; *target is set to it.
 */
static enum http_status
http_request_line(const struct http_line *l, struct http_request *r,
    struct http_line *target)
{
	const uint8_t	*p = l->p + strlen(r->method) + 1;
	const uint8_t	*end = l->p + l->len;

	target->p = p;
	while (p < end && *p > 0x20 && *p < 0x7f)
		p++;
	target->len = (size_t)(p - target->p);
	if (p == end || *p != ' ' || target->len == 0)
		return (http_bad(r, "bad request line"));
	p++;
	if ((size_t)(end - p) != HTTP_VERSION_LEN ||
	    (memcmp(p, "HTTP/1.0", HTTP_VERSION_LEN) != 0 &&
	    memcmp(p, "HTTP/1.1", HTTP_VERSION_LEN) != 0))
		return (http_bad(r, "bad HTTP version"));
	return (HTTP_DONE);
}

/*
 * One header line.  Continuation lines (obs-fold) and bare CR or NUL
 * are refused, as RFC 9112 allows, rather than guessed at: a host name
 * must not hide in what one reader joins and another does not.
 */
static enum http_status
http_header(const struct http_line *l, struct http_request *r, int *hosts)
{
	const uint8_t	*colon, *v, *end = l->p + l->len;
	size_t		 i;

	if (l->p[0] == ' ' || l->p[0] == '\t')
		return (http_bad(r, "obsolete line folding"));
	if (memchr(l->p, '\r', l->len) != NULL ||
	    memchr(l->p, '\0', l->len) != NULL)
		return (http_bad(r, "invalid byte in a header"));
	if ((colon = memchr(l->p, ':', l->len)) == NULL)
		return (http_bad(r, "header without a colon"));
	for (i = 0; l->p + i < colon; i++)
		if (!http_is_tchar(l->p[i]))
			return (http_bad(r, "bad header name"));
	if (i == 0)
		return (http_bad(r, "bad header name"));
	if (i != 4 || strncasecmp((const char *)l->p, "host", 4) != 0)
		return (HTTP_DONE);
	if (++*hosts > 1)
		return (http_bad(r, "several Host headers"));
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (http_host(v, (size_t)(end - v), r));
}

/*
 * The Host header's value: a name, or an address literal (no name), or
 * nothing at all (RFC 9112 3.2 allows that when the target has no
 * authority).
 */
static enum http_status
http_host(const uint8_t *v, size_t len, struct http_request *r)
{
	int	 rc;

	if (len == 0)
		return (HTTP_DONE);
	if ((rc = http_authority(v, len, &r->host)) == -1)
		return (http_bad(r, "invalid Host"));
	r->has_host = rc;
	return (HTTP_DONE);
}

/*
 * The host in the request target, if it names one: absolute form "scheme://[userinfo@]host[:port][/...]" (requests to a
 * proxy), or for CONNECT the authority form "host:port".  Origin form
 * ("/path") and "*" name no host.
 */
static enum http_status
http_target(const struct http_line *t, struct http_request *r)
{
	const uint8_t	*p = t->p, *end = t->p + t->len, *a;
	int		 rc;

	if (strcmp(r->method, "CONNECT") != 0) {
		if (!http_is_alpha(*p))
			return (HTTP_DONE);
		while (p < end && (http_is_alpha(*p) || http_is_digit(*p) ||
		    *p == '+' || *p == '-' || *p == '.'))
			p++;
		if (end - p < 3 || memcmp(p, "://", 3) != 0)
			return (HTTP_DONE);
		p += 3;
		for (a = p; a < end && *a != '/' && *a != '?' && *a != '#';
		    a++)
			if (*a == '@')
				p = a + 1;	/* after the userinfo */
		end = a;
	}
	if ((rc = http_authority(p, (size_t)(end - p), &r->target)) == -1)
		return (http_bad(r, "invalid host in request target"));
	r->has_target = rc;
	return (HTTP_DONE);
}

/*
 * The host of an authority, its port (if any) cut off.  1 and the name
 * in n; 0 for an IPv6 or IPv4 literal, which is not a name; -1 for
 * anything else.
 */
static int
http_authority(const uint8_t *p, size_t len, struct name *n)
{
	size_t	 i;

	if (len == 0)
		return (-1);
	if (p[0] == '[') {
		for (i = 1; i < len && p[i] != ']'; i++)
			;
		if (i == len || http_port(p + i + 1, len - i - 1) == -1)
			return (-1);
		return (0);
	}
	for (i = 0; i < len && p[i] != ':'; i++)
		;
	if (http_port(p + i, len - i) == -1)
		return (-1);
	if (http_is_address(p, i))
		return (0);
	if (name_normalize(n, (const char *)p, i, NAME_WIRE) == -1)
		return (-1);
	return (1);
}

/* Nothing, or ':' and digits (RFC 3986 allows none). */
static int
http_port(const uint8_t *p, size_t len)
{
	size_t	 i;

	if (len == 0)
		return (0);
	if (p[0] != ':')
		return (-1);
	for (i = 1; i < len; i++)
		if (!http_is_digit(p[i]))
			return (-1);
	return (0);
}

/*
 * An IPv4 address in any form a URL parser takes, "10.88.0.1" as well
 * as "0x0a580001" or "10.88.1": as in the WHATWG URL standard, a host
 * whose last label is a number is an address, never a name.
 */
static int
http_is_address(const uint8_t *p, size_t len)
{
	size_t	 i, start;

	if (len > 0 && p[len - 1] == '.')
		len--;
	for (start = len; start > 0 && p[start - 1] != '.'; start--)
		;
	if (start == len)
		return (0);
	i = start;
	if (len - start >= 2 && p[i] == '0' && (p[i + 1] | 0x20) == 'x') {
		for (i += 2; i < len; i++)
			if (!http_is_digit(p[i]) &&
			    (unsigned)((p[i] | 0x20) - 'a') >= 6)
				return (0);
		return (1);
	}
	for (; i < len; i++)
		if (!http_is_digit(p[i]))
			return (0);
	return (1);
}

/*
 * Read an HTTP/1.x request head: the request line and the headers up to
 * the empty line; the Host header's name and the request target's (see
 * http.h).
 */
enum http_status
http_parse_request(const uint8_t *buf, size_t len, struct http_request *r)
{
	struct http_line	 line, target;
	size_t			 off = 0;
	int			 n, hosts = 0;
	enum http_status	 st;

	r->method[0] = '\0';
	r->has_host = r->has_target = 0;
	name_reset(&r->host);
	name_reset(&r->target);
	r->err = NULL;
	if ((st = http_method(buf, len, r)) != HTTP_DONE)
		return (st);
	if ((st = http_next_line(buf, len, &off, &line, r)) != HTTP_DONE ||
	    (st = http_request_line(&line, r, &target)) != HTTP_DONE)
		return (st);
	for (n = 0;; n++) {
		if (n == HTTP_HEADERS_MAX && off < len && buf[off] != '\r' &&
		    buf[off] != '\n')
			return (http_bad(r, "too many headers"));
		if ((st = http_next_line(buf, len, &off, &line, r)) !=
		    HTTP_DONE)
			return (st);
		if (line.len == 0)
			break;
		if ((st = http_header(&line, r, &hosts)) != HTTP_DONE)
			return (st);
	}
	return (http_target(&target, r));
}
