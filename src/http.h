/*
 * http.h: the host an HTTP/1.x request is for.
 *
 * http_parse_request() reads the client's TCP byte stream from its
 * first byte up to the end of the request head, keeping no state
 * between calls.  HTTP_NOT_HTTP as soon as the first bytes (after any
 * empty lines) cannot be a method (a token of 1-31 bytes) and a space;
 * HTTP_NEED_MORE until the empty line; HTTP_MALFORMED (err, a static
 * string, says why) for a request with a fault: a bad request line or
 * header, a line over 8 KiB, several Host headers, an invalid host.
 * Faults do not stop the read: the names are reported all the same, so
 * that a caller judges what a server could act on.  Three names:
 * host, the first Host header's (port cut off), host_last, the last
 * one's when there are several, and target, the request target's when
 * it names one (absolute form, for proxies, or CONNECT's authority
 * form).  RFC 9112 3.2.2 has servers and proxies use the target over
 * Host, while others may use Host, so a filter judges them all.  An
 * IPv4 or IPv6 literal is not a name: has_host or has_target stays 0.
 * A name valid only in part is reported with name.partial set.  On
 * HTTP_DONE, head_len and body_len say where the next request on the
 * connection starts (body_len -1: chunked or unclear, it cannot be
 * told).
 *
 * struct http_reader reads a head line by line as its bytes come:
 * http_reader_init(), then http_read() on the bytes from the first one
 * it has not taken (*took says how many it took: whole lines), until
 * it says something else than HTTP_NEED_MORE.  With full set (the
 * caller can hold no more bytes) a line that does not end in them is
 * a fault, stepped over.  The answers are those of one call over the
 * whole head.
 *
 * http_looks_like(): 1 if buf starts with a usual method (GET, POST,
 * HEAD, PUT, DELETE, OPTIONS, CONNECT, PATCH, TRACE) and a space, or
 * with any other token, a space and the rest of a request line ending
 * in HTTP/1.0 or HTTP/1.1; 0 if it cannot; -1 if too short to say.
 */
#ifndef EMBARGO_HTTP_H
#define EMBARGO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"

enum http_status {
	HTTP_DONE,	/* the request line and headers were parsed */
	HTTP_NEED_MORE,	/* no end of headers yet */
	HTTP_NOT_HTTP,	/* not the start of an HTTP/1.x request */
	HTTP_MALFORMED
};

#define HTTP_METHOD_MAX	31	/* bytes of a method token */

struct http_request {
	char		 method[HTTP_METHOD_MAX + 1];
	int		 has_host;	/* the Host header named a host */
	struct name	 host;
	int		 has_host_last;	/* a later Host header did too */
	struct name	 host_last;	/* the last one */
	int		 has_target;	/* the request target named one */
	struct name	 target;
	size_t		 head_len;	/* bytes of the head, empty line too */
	int64_t		 body_len;	/* Content-Length; 0 none; -1 unknown
					   (chunked, or lengths that differ) */
	int		 cl_seen;	/* Content-Length headers read */
	const char	*err;		/* why it was refused */
};

enum http_stage {
	HTTP_AT_START,		/* before the request line is whole */
	HTTP_IN_HEADERS,
	HTTP_AT_END
};

struct http_reader {
	struct http_request r;		/* head_len: bytes taken so far */
	const char	*target_err;	/* the target's fault, ranked last */
	enum http_status status;
	uint8_t		 stage;
	uint8_t		 skipping;	/* in a line too long to read */
	int		 hosts;		/* Host headers so far */
};

void		 http_reader_init(struct http_reader *);
enum http_status http_read(struct http_reader *, const uint8_t *, size_t,
		    size_t *, int);
enum http_status http_parse_request(const uint8_t *, size_t,
		    struct http_request *);
int		 http_looks_like(const uint8_t *, size_t);

#endif
