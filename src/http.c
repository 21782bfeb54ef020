/*
 * http.c: the host an HTTP/1.x request is for, read in place.
 *
 * The input is the client's byte stream from its first byte, as far as
 * it has come; each call starts again from there.  Lines are judged
 * only once they are whole, so a prefix of a good request is never
 * refused, and the method is checked byte by byte so that other
 * protocols are told apart at once.
 *
 * Lenient in what it reads, as servers are: empty lines before the
 * request line are skipped, any token is a method, a faulty header line
 * (too long, no colon, a bad byte) is noted and stepped over rather
 * than ending the read, and there is no bound on the number of headers
 * but the bytes the caller gathers.  What a server could take as the
 * host is reported: the first Host header, the last one when there are
 * several, and the request target's authority.  A fault makes the
 * result HTTP_MALFORMED, but the names found are still there.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_LINE_MAX		8192	/* a line's bytes, not its end */
#define HTTP_VERSION_LEN	8	/* "HTTP/1.1" */

/* A line without its CRLF or bare LF. */
struct http_line {
	const uint8_t	*p;
	size_t		 len;
};

static enum http_status	http_bad(struct http_request *, const char *);
static void		http_fault(struct http_request *, const char *);
static size_t		http_skip_empty(const uint8_t *, size_t);
static int		http_is_version(const uint8_t *, size_t);
static inline int	http_is_alpha(uint8_t);
static inline int	http_is_digit(uint8_t);
static int		http_is_tchar(uint8_t);
static enum http_status	http_method(const uint8_t *, size_t,
			    struct http_request *);
static enum http_status	http_next_line(const uint8_t *, size_t, size_t *,
			    struct http_line *, struct http_request *);
static enum http_status	http_request_line(const struct http_line *,
			    struct http_request *, struct http_line *);
static void		http_header(const struct http_line *,
			    struct http_request *, int *);
static void		http_host(const uint8_t *, size_t,
			    struct http_request *, int);
static void		http_body_length(const uint8_t *, const uint8_t *,
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

/* Note the first fault; the read goes on. */
static void
http_fault(struct http_request *r, const char *why)
{
	if (r->err == NULL)
		r->err = why;
}

/* How many CR and LF bytes start buf (empty lines before a request). */
static size_t
http_skip_empty(const uint8_t *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && (buf[i] == '\r' || buf[i] == '\n'); i++)
		;
	return (i);
}

/* Does the line p[0..len) end in " HTTP/1.0" or " HTTP/1.1"? */
static int
http_is_version(const uint8_t *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return (len > HTTP_VERSION_LEN && p[len - HTTP_VERSION_LEN - 1] ==
	    ' ' && (memcmp(p + len - HTTP_VERSION_LEN, "HTTP/1.0",
	    HTTP_VERSION_LEN) == 0 || memcmp(p + len - HTTP_VERSION_LEN,
	    "HTTP/1.1", HTTP_VERSION_LEN) == 0));
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
 * Does buf start an HTTP/1.x request?  At once for the usual methods
 * and a space; for any other token and a space, once the request line
 * is whole and ends in an HTTP/1 version.  Empty lines first are
 * skipped.  1 yes, 0 no, -1 too few bytes to say.
 */
int
http_looks_like(const uint8_t *buf, size_t len)
{
	static const char *const methods[] = {
		"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
		"CONNECT ", "PATCH ", "TRACE "
	};
	const uint8_t	*lf;
	size_t		 i, n, off = http_skip_empty(buf, len);
	int		 maybe = 0;

	buf += off;
	len -= off;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		n = strlen(methods[i]);
		if (memcmp(buf, methods[i], len < n ? len : n) != 0)
			continue;
		if (len >= n)
			return (1);
		maybe = 1;
	}
	for (i = 0; i < len && i < HTTP_METHOD_MAX && http_is_tchar(buf[i]);
	    i++)
		;
	if (i == len)
		return (i < HTTP_METHOD_MAX || maybe ? -1 : 0);
	if (buf[i] != ' ' || i == 0)
		return (maybe ? -1 : 0);
	if ((lf = memchr(buf, '\n', len < HTTP_LINE_MAX + 2 ? len :
	    HTTP_LINE_MAX + 2)) == NULL)
		return (len < HTTP_LINE_MAX + 2 ? -1 : 0);
	return (http_is_version(buf, (size_t)(lf - buf)));
}

/*
 * The method: a token of 1 to HTTP_METHOD_MAX bytes, then a space.
 * Anything else is not HTTP, and that shows as soon as the byte that
 * breaks it is here.
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
		if (!http_is_tchar(buf[i]) || i == HTTP_METHOD_MAX) {
			r->err = "not an HTTP request";
			return (HTTP_NOT_HTTP);
		}
	}
	return (HTTP_NEED_MORE);
}

/*
 * The line at *off, and *off moved past its end.  HTTP_NEED_MORE while
 * no LF is in sight.  A line longer than HTTP_LINE_MAX is a fault, but
 * is still stepped over once its end is here.
 */
static enum http_status
http_next_line(const uint8_t *buf, size_t len, size_t *off,
    struct http_line *l, struct http_request *r)
{
	const uint8_t	*p = buf + *off, *lf;
	size_t		 avail = len - *off;

	if ((lf = memchr(p, '\n', avail)) == NULL)
		return (HTTP_NEED_MORE);
	l->p = p;
	l->len = (size_t)(lf - p);
	*off += l->len + 1;
	if (l->len > 0 && p[l->len - 1] == '\r')
		l->len--;
	if (l->len > HTTP_LINE_MAX)
		http_fault(r, "line too long");
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
 * One header line.  Continuation lines (obs-fold), bare CR and NUL are
 * faults, as RFC 9112 allows, rather than guessed at: a host name must
 * not hide in what one reader joins and another does not.  The line is
 * still read for a Host header, since a server may take it anyway.
 */
static void
http_header(const struct http_line *l, struct http_request *r, int *hosts)
{
	const uint8_t	*colon, *v, *end = l->p + l->len;
	size_t		 i;

	if (l->p[0] == ' ' || l->p[0] == '\t') {
		http_fault(r, "obsolete line folding");
		return;
	}
	if (memchr(l->p, '\r', l->len) != NULL ||
	    memchr(l->p, '\0', l->len) != NULL)
		http_fault(r, "invalid byte in a header");
	if ((colon = memchr(l->p, ':', l->len)) == NULL) {
		http_fault(r, "header without a colon");
		return;
	}
	for (i = 0; l->p + i < colon; i++)
		if (!http_is_tchar(l->p[i]))
			break;
	if (i == 0 || l->p + i != colon) {
		http_fault(r, "bad header name");
		if (i != 4 || (colon - l->p != 5 || l->p[4] != ' '))
			return;		/* "Host :" is still read */
	}
	if (i == 14 && strncasecmp((const char *)l->p, "content-length", 14) == 0)
		http_body_length(colon + 1, end, r);
	if (i == 17 &&
	    strncasecmp((const char *)l->p, "transfer-encoding", 17) == 0)
		r->body_len = -1;	/* chunked or worse: no length */
	if (i != 4 || strncasecmp((const char *)l->p, "host", 4) != 0)
		return;
	if (++*hosts > 1)
		http_fault(r, "several Host headers");
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	http_host(v, (size_t)(end - v), r, *hosts > 1);
}

/*
 * A Content-Length value (digits between optional blanks): the body's
 * length, unless another header gave another one or a Transfer-Encoding
 * came, when the length is unknown (-1).
 */
static void
http_body_length(const uint8_t *v, const uint8_t *end, struct http_request *r)
{
	int64_t	 n = 0;
	int	 digits = 0;

	for (; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	for (; v < end && http_is_digit(*v) && n < ((int64_t)1 << 50); v++) {
		n = n * 10 + (*v - '0');
		digits++;
	}
	for (; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	if (digits == 0 || v != end || r->body_len == -1 ||
	    (r->cl_seen > 0 && r->body_len != n))
		r->body_len = -1;
	else
		r->body_len = n;
	r->cl_seen++;
}

/*
 * A Host header's value: a name, or an address literal (no name), or
 * nothing at all (RFC 9112 3.2 allows that when the target has no
 * authority).  The first Host header goes into host, any later one
 * into host_last (the last wins): servers differ in which they use.
 */
static void
http_host(const uint8_t *v, size_t len, struct http_request *r, int later)
{
	struct name	*n = later ? &r->host_last : &r->host;
	int		*has = later ? &r->has_host_last : &r->has_host;
	int		 rc;

	*has = 0;
	if (len == 0)
		return;
	if ((rc = http_authority(v, len, n)) == -1)
		http_fault(r, "invalid Host");
	*has = rc == 1 || (rc == -1 && n->len > 0);
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
		http_fault(r, "invalid host in request target");
	r->has_target = rc == 1 || (rc == -1 && r->target.len > 0);
	return (HTTP_DONE);
}

/*
 * The host of an authority, its port (if any) cut off.  1 and the name
 * in n; 0 for an IPv6 or IPv4 literal, which is not a name; -1 for a
 * faulty one: a bad port, a name valid only in part (n->partial), or
 * no name at all (n->len 0), with what it names still in n.
 */
static int
http_authority(const uint8_t *p, size_t len, struct name *n)
{
	size_t	 i;
	int	 bad;

	name_reset(n);
	if (len == 0)
		return (-1);
	if (p[0] == '[') {
		for (i = 1; i < len && p[i] != ']'; i++)
			;
		if (i == len || http_port(p + i + 1, len - i - 1) == -1)
			return (-1);
		return (0);
	}
	/* the host ends at the first colon, as nginx reads it */
	for (i = 0; i < len && p[i] != ':'; i++)
		;
	bad = http_port(p + i, len - i) == -1;
	if (http_is_address(p, i))
		return (bad ? -1 : 0);
	if (name_normalize(n, (const char *)p, i, NAME_WIRE) == -1)
		bad = 1;
	return (bad ? -1 : 1);
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
 * Start reading a request head (see http.h).
 */
void
http_reader_init(struct http_reader *rd)
{
	struct http_request	*r = &rd->r;

	r->method[0] = '\0';
	r->has_host = r->has_host_last = r->has_target = 0;
	name_reset(&r->host);
	name_reset(&r->host_last);
	name_reset(&r->target);
	r->err = NULL;
	r->head_len = 0;
	r->body_len = 0;
	r->cl_seen = 0;
	rd->target_err = NULL;
	rd->stage = HTTP_AT_START;
	rd->skipping = 0;
	rd->hosts = 0;
	rd->status = HTTP_NEED_MORE;
}

/* The request line is whole: the method was checked, the target read. */
static void
http_first_line(struct http_reader *rd, const struct http_line *l)
{
	struct http_request	*r = &rd->r;
	struct http_line	 target;
	const char		*err;

	if (http_request_line(l, r, &target) != HTTP_DONE || target.len == 0)
		return;
	/* the target's fault ranks after the headers' (http_done()) */
	err = r->err;
	r->err = NULL;
	http_target(&target, r);
	rd->target_err = r->err;
	r->err = err;
}

static enum http_status
http_done(struct http_reader *rd, size_t off)
{
	struct http_request	*r = &rd->r;

	rd->stage = HTTP_AT_END;
	r->head_len += off;
	if (r->err == NULL)
		r->err = rd->target_err;
	return (rd->status = r->err == NULL ? HTTP_DONE : HTTP_MALFORMED);
}

/*
 * Read the next bytes of a request head, buf[0..len), from the first
 * byte the reader has not taken: whole lines are read and *took says
 * how many bytes they were (the caller need not keep them); a line not
 * yet whole is left for the next call, with more bytes after it.  When
 * the caller can hold no more (full) and no line ends in buf, the
 * bytes are taken as part of a line too long to read, a fault, whose
 * rest is stepped over.
 */
enum http_status
http_read(struct http_reader *rd, const uint8_t *buf, size_t len,
    size_t *took, int full)
{
	struct http_request	*r = &rd->r;
	struct http_line	 line;
	const uint8_t		*lf;
	size_t			 off = 0, at;
	enum http_status	 st;

	*took = 0;
	if (rd->status != HTTP_NEED_MORE)
		return (rd->status);
	if (rd->stage == HTTP_AT_START) {
		off = http_skip_empty(buf, len);
		if ((st = http_method(buf + off, len - off, r)) != HTTP_DONE) {
			if (st == HTTP_NEED_MORE && off == len) {
				*took = off;	/* empty lines only */
				r->head_len += off;
			}
			if (st == HTTP_NOT_HTTP)
				rd->status = st;
			return (st);
		}
		if (http_next_line(buf, len, &off, &line, r) != HTTP_DONE) {
			if (!full)
				return (HTTP_NEED_MORE);
			r->err = "request line too long";
			return (rd->status = HTTP_MALFORMED);
		}
		http_first_line(rd, &line);
		rd->stage = HTTP_IN_HEADERS;
	}
	for (;;) {
		if (rd->skipping) {
			if ((lf = memchr(buf + off, '\n', len - off)) == NULL) {
				off = len;
				break;
			}
			off = (size_t)(lf - buf) + 1;
			rd->skipping = 0;
		}
		at = off;
		if (http_next_line(buf, len, &off, &line, r) != HTTP_DONE) {
			if (full && at == 0 && len > 0) {
				http_fault(r, "line too long");
				rd->skipping = 1;
				off = len;
			}
			break;
		}
		if (line.len == 0)
			return (http_done(rd, *took = off));
		http_header(&line, r, &rd->hosts);
	}
	r->head_len += off;
	*took = off;
	return (HTTP_NEED_MORE);
}

/*
 * Read a whole HTTP/1.x request head at once, as much as has come: the
 * request line and the headers up to the empty line; the Host headers'
 * names and the request target's (see http.h).  HTTP_NEED_MORE may
 * come with has_host already set: the first Host header is whole, the
 * head is not.
 */
enum http_status
http_parse_request(const uint8_t *buf, size_t len, struct http_request *r)
{
	struct http_reader	 rd;
	size_t			 took;
	enum http_status	 st;

	http_reader_init(&rd);
	st = http_read(&rd, buf, len, &took, 0);
	*r = rd.r;
	return (st);
}
