/*
 * test_http.c: requests from real curl runs (tests/data/http-*.pcap, see
 * tests/data/README), every prefix of them, and crafted requests for
 * every rule.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "pcap.h"

#define BUF_MAX		65536

/* What each capture holds. */
static const struct capture {
	const char	*file;
	uint16_t	 port;
	const char	*host;		/* NULL: no name */
	const char	*line;		/* the request line */
} captures[] = {
	/* curl --resolve dnl-01.geo.kaspersky.com:80:10.88.0.80 http://... */
	{ "http-curl.pcap", 80, "dnl-01.geo.kaspersky.com",
	    "GET /bases/av/kdb/i386/kdb-i386-0607g.xml HTTP/1.1" },
	/* curl -H 'Host: S12.UPD.Kaspersky.COM:8080' http://[fd00:88::80]:8080 */
	{ "http-port.pcap", 8080, "s12.upd.kaspersky.com", "GET / HTTP/1.1" },
	/* curl 'http://[fd00:88::80]:8080/index.html' */
	{ "http-ipv6.pcap", 8080, NULL, "GET /index.html HTTP/1.1" },
	/* curl http://10.88.0.80/ */
	{ "http-ipv4.pcap", 80, NULL, "GET / HTTP/1.1" },
	/* curl -x http://10.88.0.80:80 http://s12.upd.kaspersky.com/... */
	{ "http-proxy.pcap", 80, "s12.upd.kaspersky.com",
	    "GET http://s12.upd.kaspersky.com/diffs/updcfg.xml HTTP/1.1" }
};

static void	load_stream(const char *, uint16_t, struct pcap_stream *);
static enum http_status parse(const char *, struct http_request *);
static void	expect_host(const char *, const char *);
static void	expect_bad(const char *, const char *);
static size_t	cut_line(uint8_t *, size_t, const char *);
static size_t	long_header(char *, size_t, const char *);
static enum http_status read_through(const uint8_t *, size_t, size_t,
		    size_t, struct http_reader *);

static void
load_stream(const char *file, uint16_t port, struct pcap_stream *s)
{
	char	 err[512];

	if (pcap_stream_file(file, port, s, err, sizeof(err)) == -1)
		fail_msg("%s", err);
}

static enum http_status
parse(const char *s, struct http_request *r)
{
	return (http_parse_request((const uint8_t *)s, strlen(s), r));
}

/* A whole request naming host (NULL: none). */
static void
expect_host(const char *s, const char *host)
{
	struct http_request	 r;

	if (parse(s, &r) != HTTP_DONE)
		fail_msg("\"%s\": %s", s, r.err ? r.err : "not done");
	assert_null(r.err);
	if (host == NULL) {
		assert_int_equal(r.has_host, 0);
		return;
	}
	assert_int_equal(r.has_host, 1);
	assert_string_equal(r.host.s, host);
}

/* Both names: the Host header's and the request target's (NULL: none). */
static void
expect_names(const char *s, const char *host, const char *target)
{
	struct http_request	 r;

	if (parse(s, &r) != HTTP_DONE)
		fail_msg("\"%s\": %s", s, r.err ? r.err : "not done");
	assert_int_equal(r.has_host, host != NULL);
	if (host != NULL)
		assert_string_equal(r.host.s, host);
	assert_int_equal(r.has_target, target != NULL);
	if (target != NULL)
		assert_string_equal(r.target.s, target);
}

static void
expect_bad(const char *s, const char *why)
{
	struct http_request	 r;

	assert_int_equal(parse(s, &r), HTTP_MALFORMED);
	assert_non_null(r.err);
	assert_string_equal(r.err, why);
}

/* Remove the line that starts with name from buf; the new length. */
static size_t
cut_line(uint8_t *buf, size_t len, const char *name)
{
	uint8_t	*p, *end;

	p = memmem(buf, len, name, strlen(name));
	assert_non_null(p);
	end = memchr(p, '\n', len - (size_t)(p - buf));
	assert_non_null(end);
	end++;
	memmove(p, end, len - (size_t)(end - buf));
	return (len - (size_t)(end - p));
}

static void
test_captures(void **state)
{
	static struct pcap_stream	 s;
	struct http_request		 r;
	size_t				 i, n;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		load_stream(captures[i].file, captures[i].port, &s);
		n = strlen(captures[i].line);
		assert_memory_equal(s.buf, captures[i].line, n);
		assert_memory_equal(s.buf + n, "\r\n", 2);
		assert_int_equal(http_looks_like(s.buf, s.len), 1);
		assert_int_equal(http_parse_request(s.buf, s.len, &r),
		    HTTP_DONE);
		assert_null(r.err);
		assert_string_equal(r.method, "GET");
		if (captures[i].host == NULL)
			assert_int_equal(r.has_host, 0);
		else {
			assert_int_equal(r.has_host, 1);
			assert_string_equal(r.host.s, captures[i].host);
		}
	}
}

/* Every prefix of a real request needs more; the whole one is done. */
static void
test_prefixes(void **state)
{
	static struct pcap_stream	 s;
	struct http_request		 r;
	size_t				 i, k;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		load_stream(captures[i].file, captures[i].port, &s);
		assert_memory_equal(s.buf + s.len - 4, "\r\n\r\n", 4);
		for (k = 0; k < s.len; k++)
			if (http_parse_request(s.buf, k, &r) != HTTP_NEED_MORE)
				fail_msg("%s: prefix %zu: %s", captures[i].file,
				    k, r.err ? r.err : "not NEED_MORE");
		assert_int_equal(http_parse_request(s.buf, k, &r), HTTP_DONE);
	}
}

/*
 * Feed a reader s in runs of step bytes through a buffer of cap bytes,
 * dropping what it took, as the inspector does; the status at the end.
 */
static enum http_status
read_through(const uint8_t *s, size_t len, size_t step, size_t cap,
    struct http_reader *rd)
{
	static uint8_t	 buf[65536];
	size_t		 have = 0, off = 0, n, took;
	enum http_status st = HTTP_NEED_MORE;

	http_reader_init(rd);
	while (off < len && st == HTTP_NEED_MORE) {
		n = len - off < step ? len - off : step;
		if (n > cap - have)
			n = cap - have;
		memcpy(buf + have, s + off, n);
		have += n;
		off += n;
		st = http_read(rd, buf, have, &took, have == cap);
		memmove(buf, buf + took, have - took);
		have -= took;
	}
	return (st);
}

/*
 * A reader fed in runs of any size, through a buffer that keeps only
 * the line not yet whole, says what one call over the whole head says.
 */
static void
test_reader_runs(void **state)
{
	static const char		 lf[] = "\n\n\n\r\n\nGET / HTTP/1.1\r\n"
	    "Host: ds.kaspersky.com\r\n\r\n";
	static struct pcap_stream	 s;
	struct http_reader		 rd;
	struct http_request		 r;
	size_t				 i, step;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		load_stream(captures[i].file, captures[i].port, &s);
		assert_int_equal(http_parse_request(s.buf, s.len, &r),
		    HTTP_DONE);
		for (step = 1; step <= s.len; step++) {
			assert_int_equal(read_through(s.buf, s.len, step, 256,
			    &rd), HTTP_DONE);
			assert_int_equal(rd.r.has_host, r.has_host);
			assert_string_equal(rd.r.host.s, r.host.s);
			assert_int_equal(rd.r.has_target, r.has_target);
			assert_int_equal(rd.r.head_len, r.head_len);
		}
	}
	/* empty lines before the request, taken on their own, still count */
	for (step = 1; step < 8; step++) {
		assert_int_equal(read_through((const uint8_t *)lf,
		    sizeof(lf) - 1, step, 256, &rd), HTTP_DONE);
		assert_int_equal(rd.r.head_len, sizeof(lf) - 1);
	}
}

/*
 * A head of 40 KB (310 headers, the Host last, then a second Host) is
 * read through a 2 KB buffer with both names; a line longer than the
 * buffer is a fault stepped over, and the lines after it are read.
 */
static void
test_big_head(void **state)
{
	static char		 head[65536];
	struct http_reader	 rd;
	size_t			 n = 0, i;

	(void)state;
	n += (size_t)snprintf(head + n, sizeof(head) - n,
	    "GET / HTTP/1.1\r\n");
	for (i = 0; i < 310; i++)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "X-Pad-%zu: "
		    "%0120zu\r\n", i, i);
	n += (size_t)snprintf(head + n, sizeof(head) - n,
	    "Host: www.example.org\r\nHost: s12.upd.kaspersky.com\r\n\r\n");
	assert_true(n > 40000);
	assert_int_equal(read_through((uint8_t *)head, n, 1460, 2048, &rd),
	    HTTP_MALFORMED);	/* several Host headers */
	assert_string_equal(rd.r.err, "several Host headers");
	assert_true(rd.r.has_host && rd.r.has_host_last);
	assert_string_equal(rd.r.host.s, "www.example.org");
	assert_string_equal(rd.r.host_last.s, "s12.upd.kaspersky.com");
	assert_int_equal(rd.r.head_len, n);

	/* a 3000-byte line through a 2048-byte buffer */
	n = (size_t)snprintf(head, sizeof(head), "GET / HTTP/1.1\r\n"
	    "X-Long: %03000d\r\nHost: ds.kaspersky.com\r\n\r\n", 7);
	assert_int_equal(read_through((uint8_t *)head, n, 1460, 2048, &rd),
	    HTTP_MALFORMED);
	assert_string_equal(rd.r.err, "line too long");
	assert_true(rd.r.has_host);
	assert_string_equal(rd.r.host.s, "ds.kaspersky.com");
	assert_int_equal(rd.r.head_len, n);
}

/*
 * The proxy request without its Host header: the absolute-form target
 * names the host.  With a Host header too, both names are reported,
 * since servers follow the target (RFC 9112 3.2.2) and others Host.
 */
static void
test_absolute_form(void **state)
{
	static struct pcap_stream	 s;
	struct http_request		 r;
	size_t				 len;

	(void)state;
	load_stream("http-proxy.pcap", 80, &s);
	assert_int_equal(http_parse_request(s.buf, s.len, &r), HTTP_DONE);
	assert_int_equal(r.has_target, 1);
	assert_string_equal(r.target.s, "s12.upd.kaspersky.com");
	len = cut_line(s.buf, s.len, "Host:");
	assert_null(memmem(s.buf, len, "Host:", 5));
	assert_int_equal(http_parse_request(s.buf, len, &r), HTTP_DONE);
	assert_int_equal(r.has_host, 0);
	assert_int_equal(r.has_target, 1);
	assert_string_equal(r.target.s, "s12.upd.kaspersky.com");

	expect_names("GET http://User:pw@DS.Kaspersky.com:8080/a@b?c HTTP/1.1"
	    "\r\n\r\n", NULL, "ds.kaspersky.com");
	expect_names("GET HTTPS://a.example? HTTP/1.0\n\n", NULL, "a.example");
	expect_names("GET ftp://b.example#x HTTP/1.0\r\n\r\n", NULL,
	    "b.example");
	expect_names("GET http://[fd00:88::80]:8080/ HTTP/1.1\r\n\r\n", NULL,
	    NULL);
	expect_names("GET http://10.88.0.80/ HTTP/1.1\r\n\r\n", NULL, NULL);
	expect_names("GET / HTTP/1.0\r\n\r\n", NULL, NULL);
	expect_names("OPTIONS * HTTP/1.1\r\n\r\n", NULL, NULL);
	expect_names("GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n"
	    "\r\n", "b.example", "a.example");
	expect_names("GET http://a.example/ HTTP/1.1\r\nHost: 10.1.1.1\r\n"
	    "\r\n", NULL, "a.example");
	expect_names("GET http://a.example/ HTTP/1.1\r\nHost:\r\n\r\n", NULL,
	    "a.example");
	expect_names("CONNECT S12.upd.kaspersky.com:443 HTTP/1.1\r\n\r\n",
	    NULL, "s12.upd.kaspersky.com");
	expect_names("CONNECT [::1]:443 HTTP/1.1\r\n\r\n", NULL, NULL);
	assert_int_equal(parse("GET http://a.example/ HTTP/1.1\r\n"
	    "Host: b.example\r\n\r\n", &r), HTTP_DONE);
	assert_string_equal(r.method, "GET");
	expect_bad("GET http://a..b/ HTTP/1.1\r\n\r\n",
	    "invalid host in request target");
	expect_bad("GET http:///x HTTP/1.1\r\n\r\n",
	    "invalid host in request target");
	expect_bad("CONNECT a.example:https HTTP/1.1\r\n\r\n",
	    "invalid host in request target");
}

static void
test_host_forms(void **state)
{
	(void)state;
	expect_host("GET / HTTP/1.1\r\nHost:\t S12.upd.Kaspersky.com \t\r\n"
	    "\r\n", "s12.upd.kaspersky.com");
	expect_host("GET / HTTP/1.1\r\nHOST: a.example\r\n\r\n", "a.example");
	expect_host("GET / HTTP/1.1\r\nhOsT:a.example\r\n\r\n", "a.example");
	expect_host("GET / HTTP/1.1\r\nHost: a.example:\r\n\r\n", "a.example");
	expect_host("GET / HTTP/1.1\r\nHost: kaspersky.com.:80\r\n\r\n",
	    "kaspersky.com");
	expect_host("GET / HTTP/1.1\nHost: a.example\nAccept: */*\n\n",
	    "a.example");
	expect_host("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", NULL);
	expect_host("GET / HTTP/1.1\r\nHost: 1.2.3.4:80\r\n\r\n", NULL);
	expect_host("GET / HTTP/1.1\r\nHost: 0x7f000001\r\n\r\n", NULL);
	expect_host("GET / HTTP/1.1\r\nHost: 127.1\r\n\r\n", NULL);
	expect_host("GET / HTTP/1.1\r\nHost: 2130706433.\r\n\r\n", NULL);
	expect_host("GET / HTTP/1.1\r\nHost: v4.0x1g\r\n\r\n", "v4.0x1g");
	expect_host("GET / HTTP/1.1\r\nHosts: a.example\r\n\r\n", NULL);
	expect_host("GET / HTTP/1.1\r\nX-Host: a.example\r\n\r\n", NULL);
	expect_bad("GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", "invalid Host");
	expect_bad("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "invalid Host");
	expect_bad("GET / HTTP/1.1\r\nHost: a.example:80a\r\n\r\n",
	    "invalid Host");
	expect_bad("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "invalid Host");
	expect_bad("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", "invalid Host");
	expect_bad("GET / HTTP/1.1\r\nHost: :80\r\n\r\n", "invalid Host");
	expect_bad("GET / HTTP/1.1\r\nHost: a.example\r\nhost: a.example\r\n"
	    "\r\n", "several Host headers");
	expect_bad("GET / HTTP/1.1\r\nHost: a.example\r\nHost:\r\n\r\n",
	    "several Host headers");
}

static void
test_not_http(void **state)
{
	static struct pcap_stream	 s;
	static const char		 ssh[] = "SSH-2.0-OpenSSH_9.2p1\r\n";
	struct http_request		 r;
	size_t				 k;

	(void)state;
	load_stream("tls-curl.pcap", 443, &s);
	for (k = 1; k <= s.len; k++)
		assert_int_equal(http_parse_request(s.buf, k, &r),
		    HTTP_NOT_HTTP);
	assert_string_equal(r.err, "not an HTTP request");
	assert_int_equal(http_looks_like(s.buf, s.len), 0);
	/* a token until the CR: it could still be a method */
	for (k = 1; k < 22; k++)
		assert_int_equal(http_parse_request((const uint8_t *)ssh, k,
		    &r), HTTP_NEED_MORE);
	for (; k < sizeof(ssh); k++)
		assert_int_equal(http_parse_request((const uint8_t *)ssh, k,
		    &r), HTTP_NOT_HTTP);
	assert_int_equal(http_looks_like((const uint8_t *)ssh,
	    sizeof(ssh) - 1), 0);
	assert_int_equal(parse("", &r), HTTP_NEED_MORE);
	assert_int_equal(parse("GET", &r), HTTP_NEED_MORE);
	assert_int_equal(parse(" GET / HTTP/1.1\r\n\r\n", &r), HTTP_NOT_HTTP);
	assert_int_equal(parse("GE(", &r), HTTP_NOT_HTTP);
	assert_int_equal(parse("GE7 ", &r), HTTP_NEED_MORE);
	assert_int_equal(parse("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF", &r),
	    HTTP_NOT_HTTP);
	assert_int_equal(parse("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE ", &r),
	    HTTP_NEED_MORE);
	assert_int_equal(parse("PROPFIND / HTTP/1.1\r\n\r\n", &r), HTTP_DONE);
	assert_string_equal(r.method, "PROPFIND");
}

static void
test_looks_like(void **state)
{
	static const struct {
		const char	*s;
		int		 want;
	} t[] = {
		{ "", -1 }, { "G", -1 }, { "GE", -1 }, { "GET", -1 },
		{ "GET ", 1 }, { "GET /", 1 }, { "GETX", -1 }, { "get ", -1 },
		{ "P", -1 }, { "PU", -1 }, { "PUT ", 1 }, { "POST ", 1 },
		{ "PATCH ", 1 }, { "HEAD ", 1 }, { "DELETE ", 1 },
		{ "OPTIONS ", 1 }, { "CONNECT ", 1 }, { "TRACE ", 1 },
		{ "C", -1 }, { "CONNEC", -1 }, { "CONNECTS", -1 },
		{ "PROPFIND ", -1 }, { "\x16\x03\x01", 0 }, { "SSH-", -1 },
		/* any token, once the request line ends in HTTP/1.x */
		{ "PROPFIND / HTTP/1.1\r\n", 1 }, { "FOO /x HTTP/1.0\n", 1 },
		{ "get / HTTP/1.1\r\n", 1 }, { "EHLO mail\r\n", 0 },
		{ "PRI * HTTP/2.0\r\n", 0 }, { "GET(", 0 }, { " GET", 0 },
		/* empty lines first are skipped */
		{ "\r\n", -1 }, { "\r\nGET ", 1 }, { "\n\r\nPOST ", 1 }
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (http_looks_like((const uint8_t *)t[i].s, strlen(t[i].s)) !=
		    t[i].want)
			fail_msg("\"%s\": not %d", t[i].s, t[i].want);
}

/* A faulty request (why) that still names host (first) and last. */
static void
expect_faulty(const char *s, const char *why, const char *host,
    const char *last)
{
	struct http_request	 r;

	assert_int_equal(parse(s, &r), HTTP_MALFORMED);
	assert_string_equal(r.err, why);
	assert_int_equal(r.has_host, host != NULL);
	if (host != NULL)
		assert_string_equal(r.host.s, host);
	assert_int_equal(r.has_host_last, last != NULL);
	if (last != NULL)
		assert_string_equal(r.host_last.s, last);
}

/*
 * What servers take, so must we: empty lines before the request, any
 * method, several Host headers (the first and the last are judged),
 * faulty lines stepped over, odd bytes in the name (its valid labels).
 */
static void
test_lenient(void **state)
{
	struct http_request	 r;

	(void)state;
	expect_host("\r\n\r\nGET / HTTP/1.1\r\nHost: ds.kaspersky.com\r\n\r\n",
	    "ds.kaspersky.com");
	expect_host("FOO / HTTP/1.1\r\nHost: ds.kaspersky.com\r\n\r\n",
	    "ds.kaspersky.com");
	expect_faulty("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n"
	    "Host: ds.kaspersky.com\r\n\r\n", "several Host headers",
	    "a.example", "ds.kaspersky.com");
	expect_faulty("GET / HTTP/1.1\r\nBad Name: x\r\n"
	    "Host: ds.kaspersky.com\r\n\r\n", "bad header name",
	    "ds.kaspersky.com", NULL);
	expect_faulty("GET / HTTP/1.1\r\nHost: x\xc3.upd.kaspersky.com\r\n\r\n",
	    "invalid Host", "upd.kaspersky.com", NULL);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a b.upd.kaspersky.com\r\n"
	    "\r\n", &r), HTTP_MALFORMED);
	assert_int_equal(r.host.partial, 1);
	assert_string_equal(r.host.s, "upd.kaspersky.com");
	/* the first Host header is there before the head is whole */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: ds.kaspersky.com\r\n"
	    "X-Pad: y", &r), HTTP_NEED_MORE);
	assert_int_equal(r.has_host, 1);
	assert_string_equal(r.host.s, "ds.kaspersky.com");
	/* a bad port: the name up to the colon, as nginx reads it */
	expect_faulty("GET / HTTP/1.1\r\nHost: ds.kaspersky.com:8x\r\n\r\n",
	    "invalid Host", "ds.kaspersky.com", NULL);
}

static void
test_malformed(void **state)
{
	(void)state;
	expect_bad("GET / HTTP/2.0\r\n\r\n", "bad HTTP version");
	expect_bad("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "bad HTTP version");
	expect_bad("GET / HTTP/1.1 \r\n\r\n", "bad HTTP version");
	expect_bad("GET / http/1.1\r\n\r\n", "bad HTTP version");
	expect_bad("GET /  HTTP/1.1\r\n\r\n", "bad HTTP version");
	expect_bad("GET  / HTTP/1.1\r\n\r\n", "bad request line");
	expect_bad("GET /\r\n\r\n", "bad request line");
	expect_bad("GET \r\n\r\n", "bad request line");
	expect_bad("GET /a\tb HTTP/1.1\r\n\r\n", "bad request line");
	expect_bad("GET / HTTP/1.1\r\nHost kaspersky.com\r\n\r\n",
	    "header without a colon");
	expect_bad("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
	    "obsolete line folding");
	expect_bad("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "bad header name");
	expect_bad("GET / HTTP/1.1\r\n: x\r\n\r\n", "bad header name");
	expect_bad("GET / HTTP/1.1\r\nHost : a.example\r\n\r\n",
	    "bad header name");
	expect_bad("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
	    "invalid byte in a header");
	assert_int_equal(http_parse_request((const uint8_t *)
	    "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26,
	    &(struct http_request){ .err = NULL }), HTTP_MALFORMED);
}

/*
 * A request with a header line of len bytes ended by end, then a Host
 * header; the offset where that line ends.
 */
static size_t
long_header(char *buf, size_t len, const char *end)
{
	size_t	 n;

	n = (size_t)snprintf(buf, BUF_MAX, "GET / HTTP/1.1\r\nX: ");
	memset(buf + n, 'a', len - 3);
	n += len - 3;
	snprintf(buf + n, BUF_MAX - n, "%sHost: a.example\r\n\r\n", end);
	return (n);
}

/*
 * A line over 8 KiB is a fault but is stepped over, and there is no
 * bound on the number of headers: the Host header is found anyway.
 */
static void
test_limits(void **state)
{
	static char		 buf[BUF_MAX];
	struct http_request	 r;
	size_t			 n, i;

	(void)state;
	n = long_header(buf, 8192, "\r\n");
	expect_host(buf, "a.example");
	n = long_header(buf, 8193, "\r\n");
	assert_int_equal(http_parse_request((const uint8_t *)buf, n + 1, &r),
	    HTTP_NEED_MORE);	/* no end of line yet */
	expect_faulty(buf, "line too long", "a.example", NULL);
	long_header(buf, 20000, "\n");
	expect_faulty(buf, "line too long", "a.example", NULL);

	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%zu: y\r\n",
		    i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Host: a.example\r\n");
	strcpy(buf + n, "\r\n");
	expect_host(buf, "a.example");
	strcpy(buf + n, "X");
	assert_int_equal(parse(buf, &r), HTTP_NEED_MORE);
	assert_int_equal(r.has_host, 1);
}

/* Where the next request starts: the head's length and the body's. */
static void
test_framing(void **state)
{
	static const struct {
		const char	*s;
		int64_t		 body;
	} t[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET", 0 },
		{ "\r\nGET / HTTP/1.1\r\n\r\n", 0 },
		{ "POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", 12 },
		{ "POST / HTTP/1.1\r\ncontent-length:  7 \r\n\r\n", 7 },
		{ "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\n", -1 },
		{ "POST / HTTP/1.1\r\nContent-Length: 3\r\n"
		    "Content-Length: 3\r\n\r\n", 3 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		    -1 },
		{ "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", -1 },
	};
	struct http_request	 r;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (parse(t[i].s, &r) != HTTP_DONE)
			fail_msg("%zu: not done", i);
		if (r.head_len != (size_t)(strstr(t[i].s, "\r\n\r\n") + 4 -
		    t[i].s) || r.body_len != t[i].body)
			fail_msg("%zu: head %zu body %lld", i, r.head_len,
			    (long long)r.body_len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_reader_runs),
		cmocka_unit_test(test_big_head),
		cmocka_unit_test(test_absolute_form),
		cmocka_unit_test(test_host_forms),
		cmocka_unit_test(test_not_http),
		cmocka_unit_test(test_looks_like),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_lenient),
		cmocka_unit_test(test_framing),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
