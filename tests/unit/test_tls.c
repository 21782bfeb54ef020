/*
 * test_tls.c: ClientHellos from real clients (tests/data/tls-*.pcap, see
 * tests/data/README), fed whole, byte by byte and re-cut into records;
 * crafted ClientHellos for every rule.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "big_hello.h"
#include "pcap.h"
#include "tls.h"

#define BUF_MAX		65536
#define B16(x)		(((x) >> 8) & 0xff), ((x) & 0xff)

/* What each capture holds; n is where its ClientHello ends. */
static const struct capture {
	const char	*file;
	size_t		 n;
	const char	*sni;
	const char	*alpn;
} captures[] = {
	/* curl -k --resolve ... https://s12.upd.kaspersky.com/ */
	{ "tls-curl.pcap", 517, "s12.upd.kaspersky.com", "h2,http/1.1" },
	/* openssl s_client -servername s12.upd.kaspersky.com */
	{ "tls-openssl.pcap", 327, "s12.upd.kaspersky.com", "" },
	/* gnutls-cli --sni-hostname=... --alpn=h2 --alpn=http/1.1, IPv6 */
	{ "tls-gnutls.pcap", 424, "ksn-a.kaspersky-labs.com", "h2,http/1.1" },
	/* Python ssl: two TCP segments, cut inside the server name */
	{ "tls-split-segments.pcap", 517, "s12.upd.kaspersky.com",
	    "h2,http/1.1" },
	/* Python ssl: two TLS records, cut inside the handshake header */
	{ "tls-split-records.pcap", 522, "s12.upd.kaspersky.com",
	    "h2,http/1.1" }
};

static void	load_stream(const char *, uint16_t, struct pcap_stream *);
static enum tls_status parse(const uint8_t *, size_t, struct tls_hello *);
static enum tls_status read_in_runs(const uint8_t *, size_t, size_t,
		    struct tls_hello *);
static void	expect_hello(const uint8_t *, size_t, const char *,
		    const char *);
static void	expect_bad(const uint8_t *, size_t, const char *);
static size_t	recut(const uint8_t *, size_t, size_t, size_t, uint8_t *);
static size_t	wrap(const uint8_t *, size_t, uint8_t *);
static size_t	with_exts(const uint8_t *, size_t, uint8_t *);
static void	expect_exts(const uint8_t *, size_t, const char *);
static void	expect_sni(const uint8_t *, size_t, const char *, int);

static void
load_stream(const char *file, uint16_t port, struct pcap_stream *s)
{
	char	 err[512];

	if (pcap_stream_file(file, port, s, err, sizeof(err)) == -1)
		fail_msg("%s", err);
}

static enum tls_status
parse(const uint8_t *s, size_t len, struct tls_hello *h)
{
	return (tls_parse_hello(s, len, h));
}

/* Feed s to a reader in runs of step bytes; the status at the end. */
static enum tls_status
read_in_runs(const uint8_t *s, size_t len, size_t step, struct tls_hello *h)
{
	static struct tls_reader	 r;
	size_t				 off, n;

	tls_reader_init(&r, 1, 0);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		if (tls_read(&r, s + off, n) != TLS_NEED_MORE)
			break;
	}
	*h = r.h;
	return (r.status);
}

static void
expect_hello(const uint8_t *s, size_t len, const char *sni, const char *alpn)
{
	struct tls_hello	 h;

	if (parse(s, len, &h) != TLS_DONE)
		fail_msg("not parsed: %s", h.err ? h.err : "(no error)");
	assert_null(h.err);
	assert_true(h.has_sni);
	assert_string_equal(h.sni.s, sni);
	assert_string_equal(h.alpn, alpn);
	assert_int_equal(h.tls13, 1);
	assert_int_equal(h.ech, 0);
}

static void
expect_bad(const uint8_t *s, size_t len, const char *why)
{
	struct tls_hello	 h;

	assert_int_equal(parse(s, len, &h), TLS_MALFORMED);
	assert_non_null(h.err);
	assert_string_equal(h.err, why);
}

/*
 * Re-cut the handshake message of a one-record stream s into records
 * of step bytes, the first one holding first bytes (0: step).
 */
static size_t
recut(const uint8_t *s, size_t len, size_t first, size_t step, uint8_t *out)
{
	const uint8_t	*hs = s + 5;
	size_t		 hslen = (size_t)s[3] << 8 | s[4];
	size_t		 off = 0, n, o = 0;

	assert_true(hslen + 5 <= len);
	while (off < hslen) {
		n = off == 0 && first > 0 ? first : step;
		if (n > hslen - off)
			n = hslen - off;
		out[o++] = 22;
		out[o++] = s[1];
		out[o++] = s[2];
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
		memcpy(out + o, hs + off, n);
		o += n;
		off += n;
	}
	return (o);
}

/* A ClientHello body in a handshake header in one record. */
static size_t
wrap(const uint8_t *body, size_t blen, uint8_t *out)
{
	out[0] = 22;
	out[1] = 3;
	out[2] = 1;
	out[3] = (uint8_t)((blen + 4) >> 8);
	out[4] = (uint8_t)(blen + 4);
	out[5] = 1;
	out[6] = (uint8_t)(blen >> 16);
	out[7] = (uint8_t)(blen >> 8);
	out[8] = (uint8_t)blen;
	memcpy(out + 9, body, blen);
	return (9 + blen);
}

/* A plain ClientHello around the given extensions block. */
static size_t
with_exts(const uint8_t *exts, size_t elen, uint8_t *out)
{
	uint8_t	 body[BUF_MAX];
	size_t	 n = hello_head(body);

	body[n++] = (uint8_t)(elen >> 8);
	body[n++] = (uint8_t)elen;
	memcpy(body + n, exts, elen);
	return (wrap(body, n + elen, out));
}

/* Extensions that must be refused with why. */
static void
expect_exts(const uint8_t *exts, size_t elen, const char *why)
{
	static uint8_t	 s[BUF_MAX];

	expect_bad(s, with_exts(exts, elen, s), why);
}

/*
 * A ClientHello with these extensions parses, with the server name
 * sni (NULL: none), valid only in part when partial.
 */
static void
expect_sni(const uint8_t *exts, size_t elen, const char *sni, int partial)
{
	static uint8_t		 s[BUF_MAX];
	struct tls_hello	 h;

	assert_int_equal(parse(s, with_exts(exts, elen, s), &h), TLS_DONE);
	assert_int_equal(h.has_sni, sni != NULL);
	if (sni == NULL)
		return;
	assert_string_equal(h.sni.s, sni);
	assert_int_equal(h.sni.partial, partial);
}

/*
 * What servers take, so must we: empty handshake records before and
 * inside the ClientHello (OpenSSL skips them), a ":port" after the
 * server name (nginx cuts it), raw UTF-8 in the name (its A-label).
 */
static void
test_lenient(void **state)
{
	static struct pcap_stream	 st;
	static uint8_t			 out[BUF_MAX], cut[BUF_MAX];
	static const uint8_t		 port[] = {
		0, 0, 0, 25, 0, 23, 0, 0, 20, 'd', 's', '.', 'k', 'a', 's',
		'p', 'e', 'r', 's', 'k', 'y', '.', 'c', 'o', 'm', ':', '4',
		'4', '3'
	};
	static const uint8_t		 utf8[] = {
		0, 0, 0, 26, 0, 24, 0, 0, 21, 'x', 0xc3, 0xa9, '.', 'u', 'p',
		'd', '.', 'k', 'a', 's', 'p', 'e', 'r', 's', 'k', 'y', '.',
		'c', 'o', 'm'
	};
	size_t				 len, i, k;

	(void)state;
	load_stream("tls-curl.pcap", 443, &st);
	/* three empty records first */
	for (i = 0; i < 3; i++)
		memcpy(out + 5 * i, "\x16\x03\x01\x00\x00", 5);
	memcpy(out + 15, st.buf, st.len);
	expect_hello(out, st.len + 15, "s12.upd.kaspersky.com", "h2,http/1.1");
	for (k = 1; k < 15 + 517; k++)
		assert_int_equal(parse(out, k, &(struct tls_hello){ 0 }),
		    TLS_NEED_MORE);
	/* and one between two fragments of the ClientHello */
	len = recut(st.buf, st.len, 100, 4096, cut);
	memcpy(out, cut, 105);
	memcpy(out + 105, "\x16\x03\x01\x00\x00", 5);
	memcpy(out + 110, cut + 105, len - 105);
	expect_hello(out, len + 5, "s12.upd.kaspersky.com", "h2,http/1.1");

	expect_sni(port, sizeof(port), "ds.kaspersky.com", 0);
	expect_sni(utf8, sizeof(utf8), "xn--x-bga.upd.kaspersky.com", 0);
}

/* Each real ClientHello, with what follows it in the stream. */
static void
test_captures(void **state)
{
	static struct pcap_stream	 s;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		load_stream(captures[i].file, 443, &s);
		assert_true(s.len > captures[i].n);	/* more records */
		assert_int_equal(tls_looks_like(s.buf, s.len), 1);
		expect_hello(s.buf, s.len, captures[i].sni, captures[i].alpn);
		expect_hello(s.buf, captures[i].n, captures[i].sni,
		    captures[i].alpn);
	}
}

/* Every prefix shorter than the ClientHello needs more, and no other. */
static void
test_prefixes(void **state)
{
	static struct pcap_stream	 s;
	struct tls_hello		 h;
	size_t				 i, k;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		load_stream(captures[i].file, 443, &s);
		for (k = 0; k < captures[i].n; k++)
			if (parse(s.buf, k, &h) != TLS_NEED_MORE)
				fail_msg("%s: prefix %zu: %s", captures[i].file,
				    k, h.err ? h.err : "not NEED_MORE");
		assert_int_equal(parse(s.buf, k, &h), TLS_DONE);
	}
}

/* The capture's segments as they came: 137 bytes, then the rest. */
static void
test_split_segments(void **state)
{
	static struct pcap_stream	 s;
	struct tls_hello		 h;

	(void)state;
	load_stream("tls-split-segments.pcap", 443, &s);
	assert_true(s.nseg >= 2);
	assert_int_equal(s.seg[0], 137);
	assert_int_equal(s.seg[0] + s.seg[1], 517);
	assert_int_equal(parse(s.buf, s.seg[0], &h), TLS_NEED_MORE);
	assert_int_equal(parse(s.buf, s.seg[0] + s.seg[1], &h), TLS_DONE);
	assert_string_equal(h.sni.s, "s12.upd.kaspersky.com");
}

/*
 * The capture's two records (2 bytes, then 510), and the curl
 * ClientHello re-cut at every byte into two records, into records of
 * every size, and into one record per byte.
 */
static void
test_split_records(void **state)
{
	static struct pcap_stream	 s;
	static uint8_t			 out[BUF_MAX];
	struct tls_hello		 h;
	size_t				 cut, len, k;

	(void)state;
	load_stream("tls-split-records.pcap", 443, &s);
	assert_int_equal(s.buf[3] << 8 | s.buf[4], 2);
	assert_int_equal(s.buf[5 + 2 + 3] << 8 | s.buf[5 + 2 + 4], 510);

	load_stream("tls-curl.pcap", 443, &s);
	for (cut = 1; cut < 512; cut++) {
		len = recut(s.buf, s.len, cut, 512, out);
		assert_int_equal(len, 517 + 5);
		expect_hello(out, len, "s12.upd.kaspersky.com", "h2,http/1.1");
		assert_int_equal(parse(out, len - 1, &h), TLS_NEED_MORE);
	}
	for (cut = 1; cut <= 512; cut++) {
		len = recut(s.buf, s.len, 0, cut, out);
		expect_hello(out, len, "s12.upd.kaspersky.com", "h2,http/1.1");
	}
	len = recut(s.buf, s.len, 0, 1, out);
	assert_int_equal(len, 512 * 6);
	for (k = 0; k < len; k++)
		assert_int_equal(parse(out, k, &h), TLS_NEED_MORE);
	assert_int_equal(parse(out, k, &h), TLS_DONE);
}

/*
 * A reader fed the stream in runs of any size says what one call over
 * the whole stream says, for every capture and every run size.
 */
static void
test_reader_runs(void **state)
{
	static struct pcap_stream	 s;
	struct tls_hello		 h;
	size_t				 i, step;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		load_stream(captures[i].file, 443, &s);
		for (step = 1; step <= captures[i].n; step++) {
			assert_int_equal(read_in_runs(s.buf, s.len, step, &h),
			    TLS_DONE);
			assert_string_equal(h.sni.s, captures[i].sni);
			assert_string_equal(h.alpn, captures[i].alpn);
			assert_int_equal(h.tls13, 1);
		}
	}
}

/*
 * ClientHellos of 17,000 and 40,000 bytes (servers take both) are read
 * whole by the reader's fixed state, however they are cut; a server
 * name before the padding is known as soon as its bytes have come.
 */
static void
test_big(void **state)
{
	static uint8_t		 out[BIG_MAX];
	static struct tls_reader r;
	static const size_t	 sizes[] = { 17000, 40000, 65000 };
	static const size_t	 steps[] = { 1, 1460, 16389, 100000 };
	struct tls_hello	 h;
	size_t			 i, k, len, off;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = big_hello(sizes[i], 0, "s12.upd.kaspersky.com", out);
		assert_true(len > sizes[i]);
		for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			assert_int_equal(read_in_runs(out, len, steps[k], &h),
			    TLS_DONE);
			assert_true(h.has_sni);
			assert_string_equal(h.sni.s, "s12.upd.kaspersky.com");
		}
		assert_int_equal(parse(out, len, &h), TLS_DONE);
		assert_int_equal(parse(out, len - 1, &h), TLS_NEED_MORE);
		assert_false(h.has_sni);	/* the name comes last */

		/* the name first: known long before the end */
		len = big_hello(sizes[i], 1, "ds.kaspersky.com", out);
		tls_reader_init(&r, 1, 0);
		for (off = 0; off < 200; off++)
			assert_int_equal(tls_read(&r, out + off, 1),
			    TLS_NEED_MORE);
		assert_true(r.h.has_sni);
		assert_string_equal(r.h.sni.s, "ds.kaspersky.com");
		assert_int_equal(tls_read(&r, out + off, len - off), TLS_DONE);
	}
}

/*
 * A server name longer than the reader keeps is judged by its
 * right-most labels (partial), never dropped: a block on the suffix
 * still holds.
 */
static void
test_long_name(void **state)
{
	static uint8_t		 out[BIG_MAX];
	static char		 name[4096];
	struct tls_hello	 h;
	size_t			 len, n = 0;

	(void)state;
	while (n < 3000) {
		memcpy(name + n, "abcdefghij.", 11);
		n += 11;
	}
	memcpy(name + n, "upd.kaspersky.com", 18);
	len = big_hello(100, 1, name, out);
	assert_int_equal(read_in_runs(out, len, 7, &h), TLS_DONE);
	assert_true(h.has_sni);
	assert_true(h.sni.partial);
	assert_true(h.sni.len >= strlen("upd.kaspersky.com"));
	assert_string_equal(h.sni.s + h.sni.len - 17, "upd.kaspersky.com");
}

/* Not TLS: HTTP (the real curl request), an SSH banner, odd versions. */
static void
test_not_tls(void **state)
{
	static struct pcap_stream	 s;
	static const char		 ssh[] =
	    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
	struct tls_hello		 h;
	size_t				 k;

	(void)state;
	load_stream("http-curl.pcap", 80, &s);
	for (k = 1; k <= s.len; k++)
		assert_int_equal(parse(s.buf, k, &h), TLS_NOT_TLS);
	assert_int_equal(tls_looks_like(s.buf, s.len), 0);
	for (k = 1; k < sizeof(ssh); k++)
		assert_int_equal(parse((const uint8_t *)ssh, k, &h),
		    TLS_NOT_TLS);
	assert_int_equal(tls_looks_like((const uint8_t *)ssh, 3), 0);

	assert_int_equal(parse((const uint8_t *)"", 0, &h), TLS_NEED_MORE);
	assert_int_equal(parse((const uint8_t *)"\x16", 1, &h), TLS_NEED_MORE);
	assert_int_equal(parse((const uint8_t *)"\x16\x03", 2, &h),
	    TLS_NEED_MORE);
	assert_int_equal(parse((const uint8_t *)"\x16\x03\x01", 3, &h),
	    TLS_NEED_MORE);
	assert_int_equal(parse((const uint8_t *)"\x16\x02", 2, &h),
	    TLS_NOT_TLS);
	assert_int_equal(parse((const uint8_t *)"\x16\x03\x05", 3, &h),
	    TLS_NOT_TLS);
	assert_int_equal(parse((const uint8_t *)"\x17\x03\x03", 3, &h),
	    TLS_NOT_TLS);
	assert_string_equal(h.err, "not a TLS handshake record");

	assert_int_equal(tls_looks_like((const uint8_t *)"", 0), -1);
	assert_int_equal(tls_looks_like((const uint8_t *)"\x16", 1), -1);
	assert_int_equal(tls_looks_like((const uint8_t *)"\x16\x03", 2), 1);
	assert_int_equal(tls_looks_like((const uint8_t *)"\x16\x03\x04", 3),
	    1);
	assert_int_equal(tls_looks_like((const uint8_t *)"\x16\x03\x05", 3),
	    0);
	assert_int_equal(tls_looks_like((const uint8_t *)"\x16\x04", 2), 0);
	assert_int_equal(tls_looks_like((const uint8_t *)"\x15\x03", 2), 0);
}

/* The record layer and the handshake header of a real ClientHello. */
static void
test_bad_records(void **state)
{
	static struct pcap_stream	 s;
	static uint8_t			 out[BUF_MAX];
	size_t				 len;

	(void)state;
	load_stream("tls-curl.pcap", 443, &s);
	len = recut(s.buf, s.len, 100, 512, out);
	out[105] = 21;				/* an alert record */
	expect_bad(out, len, "non-handshake record inside the ClientHello");
	out[105] = 20;				/* change_cipher_spec */
	expect_bad(out, 106, "non-handshake record inside the ClientHello");
	out[105] = 22;
	out[106] = 2;
	expect_bad(out, len, "bad record version");
	out[106] = 3;
	out[107] = 7;
	expect_bad(out, len, "bad record version");
	out[107] = 1;

	memcpy(out, s.buf, s.len);
	out[5] = 2;				/* a ServerHello */
	expect_bad(out, s.len, "not a ClientHello");
	expect_bad(out, 6, "not a ClientHello");
	out[5] = 1;
	out[3] = out[4] = 0;
	/* an empty record says nothing: more is needed (see test_empty) */
	assert_int_equal(parse(out, 5, &(struct tls_hello){ 0 }),
	    TLS_NEED_MORE);
	out[3] = 0x41;				/* 16640 + 1 */
	out[4] = 0x01;
	expect_bad(out, 5, "record too long");
	out[3] = 0x41;
	out[4] = 0x00;
	assert_int_equal(parse(out, 5, &(struct tls_hello){ 0 }),
	    TLS_NEED_MORE);

	/* a handshake length one short leaves the extensions overrunning */
	memcpy(out, s.buf, s.len);
	out[8]--;
	expect_bad(out, s.len, "extensions overrun the ClientHello");
	/* one long, with a record to match: a byte after the extensions */
	memcpy(out, s.buf, s.len);
	out[4]++;
	out[8]++;
	out[517] = 0;
	expect_bad(out, 518, "bytes after the extensions");
}

/* ClientHello bodies that break the fixed fields. */
static void
test_bad_fields(void **state)
{
	static uint8_t	 body[BUF_MAX], out[BUF_MAX];
	size_t		 n;
	struct tls_hello h;

	(void)state;
	memset(body, 0x11, sizeof(body));
	body[0] = 3;
	body[1] = 3;
	expect_bad(out, wrap(body, 20, out), "truncated ClientHello");
	body[0] = 2;
	expect_bad(out, wrap(body, 60, out), "bad ClientHello version");
	body[0] = 3;

	n = 34;
	body[n++] = 5;			/* session id of 5, 2 there */
	expect_bad(out, wrap(body, n + 2, out),
	    "session id overruns the ClientHello");
	body[34] = 33;
	expect_bad(out, wrap(body, 34 + 1 + 33 + 10, out),
	    "session id longer than 32 bytes");
	body[34] = 32;
	n = 34 + 1 + 32;
	memcpy(body + n, "\x00\x10\x13\x01", 4);
	expect_bad(out, wrap(body, n + 4, out),
	    "cipher suites overrun the ClientHello");
	memcpy(body + n, "\x00\x03\x13\x01\x13\x01\x00", 7);
	expect_bad(out, wrap(body, n + 7, out), "bad cipher suites length");
	memcpy(body + n, "\x00\x00\x01\x00", 4);
	expect_bad(out, wrap(body, n + 4, out), "bad cipher suites length");
	memcpy(body + n, "\x00\x02\x13\x01", 4);
	n += 4;
	memcpy(body + n, "\x02\x00", 2);
	expect_bad(out, wrap(body, n + 2, out),
	    "compression methods overrun the ClientHello");
	body[n] = 0;
	expect_bad(out, wrap(body, n + 1, out), "no compression methods");
	body[n] = 1;
	n += 2;
	/* no extensions at all: allowed before TLS 1.3 */
	assert_int_equal(parse(out, wrap(body, n, out), &h), TLS_DONE);
	assert_int_equal(h.has_sni, 0);
	assert_int_equal(h.tls13, 0);
	assert_string_equal(h.alpn, "");
	body[n] = 0;
	expect_bad(out, wrap(body, n + 1, out),
	    "extensions overrun the ClientHello");
	memcpy(body + n, "\x00\x0a\x00\x00\x00\x00", 6);
	expect_bad(out, wrap(body, n + 6, out),
	    "extensions overrun the ClientHello");
	memcpy(body + n, "\x00\x00\x00\x00", 4);
	expect_bad(out, wrap(body, n + 4, out), "bytes after the extensions");
}

static void
test_bad_extensions(void **state)
{
	static const uint8_t	 hdr[] = { 0x00, 0x10, 0x00 };
	static const uint8_t	 overrun[] = { B16(0x0a0a), 0, 10, 1, 2 };
	static const uint8_t	 list_long[] = {
		0, 0, 0, 9, 0, 8, 0, 0, 4, 'a', '.', 'b', 'c'
	};
	static const uint8_t	 list_empty[] = { 0, 0, 0, 2, 0, 0 };
	static const uint8_t	 list_short[] = { 0, 0, 0, 1, 0 };
	static const uint8_t	 entry[] = {
		0, 0, 0, 9, 0, 7, 0, 0, 9, 'a', '.', 'b', 'c'
	};
	static const uint8_t	 sni_dup[] = {
		0, 0, 0, 6, 0, 4, 0, 0, 1, 'a',
		0, 0, 0, 6, 0, 4, 0, 0, 1, 'b'
	};
	static const uint8_t	 sni_dots[] = {
		0, 0, 0, 9, 0, 7, 0, 0, 4, 'a', '.', '.', 'b'
	};
	static const uint8_t	 sni_space[] = {
		0, 0, 0, 9, 0, 7, 0, 0, 4, 'a', ' ', 'b', 'c'
	};
	static const uint8_t	 sni_empty[] = {
		0, 0, 0, 5, 0, 3, 0, 0, 0
	};
	static const uint8_t	 alpn_long[] = {
		0, 16, 0, 5, 0, 4, 2, 'h', '2'
	};
	static const uint8_t	 alpn_empty_list[] = { 0, 16, 0, 2, 0, 0 };
	static const uint8_t	 alpn_over[] = {
		0, 16, 0, 5, 0, 3, 3, 'h', '2'
	};
	static const uint8_t	 alpn_empty[] = {
		0, 16, 0, 5, 0, 3, 0, 1, 'x'
	};
	static const uint8_t	 alpn_dup[] = {
		0, 16, 0, 5, 0, 3, 2, 'h', '2',
		0, 16, 0, 5, 0, 3, 2, 'h', '2'
	};
	static const uint8_t	 versions_odd[] = {
		0, 43, 0, 4, 3, 3, 4, 3
	};
	static const uint8_t	 versions_long[] = {
		0, 43, 0, 3, 4, 3, 4
	};
	static const uint8_t	 versions_dup[] = {
		0, 43, 0, 3, 2, 3, 4, 0, 43, 0, 3, 2, 3, 4
	};
	static const uint8_t	 ech_dup[] = {
		B16(0xfe0d), 0, 1, 1, B16(0xfe0d), 0, 1, 1
	};

	(void)state;
	expect_exts(hdr, sizeof(hdr), "truncated extension header");
	expect_exts(overrun, sizeof(overrun),
	    "extension overruns the extensions");
	expect_exts(list_long, sizeof(list_long),
	    "bad server_name list length");
	expect_exts(list_empty, sizeof(list_empty),
	    "bad server_name list length");
	expect_exts(list_short, sizeof(list_short),
	    "bad server_name list length");
	expect_exts(entry, sizeof(entry),
	    "server name entry overruns the list");
	expect_exts(sni_dup, sizeof(sni_dup),
	    "duplicate server_name extension");
	expect_sni(sni_dots, sizeof(sni_dots), "b", 1);
	expect_sni(sni_space, sizeof(sni_space), "", 1);
	expect_sni(sni_empty, sizeof(sni_empty), NULL, 0);
	expect_exts(alpn_long, sizeof(alpn_long), "bad ALPN list length");
	expect_exts(alpn_empty_list, sizeof(alpn_empty_list),
	    "bad ALPN list length");
	expect_exts(alpn_over, sizeof(alpn_over),
	    "ALPN protocol name overruns the list");
	expect_exts(alpn_empty, sizeof(alpn_empty), "empty ALPN protocol name");
	expect_exts(alpn_dup, sizeof(alpn_dup), "duplicate ALPN extension");
	expect_exts(versions_odd, sizeof(versions_odd),
	    "bad supported_versions length");
	expect_exts(versions_long, sizeof(versions_long),
	    "bad supported_versions length");
	expect_exts(versions_dup, sizeof(versions_dup),
	    "duplicate supported_versions extension");
	expect_exts(ech_dup, sizeof(ech_dup),
	    "duplicate encrypted_client_hello extension");
}

/*
 * What the extensions say: the first host_name of the list, folded;
 * GREASE skipped; ALPN cut to fit and made printable; 1.3 among GREASE
 * versions; ECH by its presence.
 */
static void
test_extensions(void **state)
{
	static const uint8_t	 exts[] = {
		B16(0x1a1a), 0, 0,			/* GREASE, empty */
		0, 0, 0, 39, 0, 37,
		    7, 0, 3, 'x', 'y', 'z',		/* not a host_name */
		    0, 0, 22, 'S', '1', '2', '.', 'U', 'P', 'D', '.', 'K',
		    'a', 's', 'p', 'e', 'r', 's', 'k', 'y', '.', 'c', 'o',
		    'm', '.',
		    0, 0, 3, 'n', 'o', 't',		/* a second one */
		B16(0xdada), 0, 2, 0xff, 0xff,		/* GREASE */
		0, 43, 0, 5, 4, B16(0x7a7a), 3, 4,
		0, 16, 0, 12, 0, 10, 2, 'h', '2', 3, 'h', 1, '3',
		    2, 0xff, ','
	};
	static const uint8_t	 no13[] = { 0, 43, 0, 5, 4, 3, 3, 3, 2 };
	static const uint8_t	 ech[] = { B16(0xfe0d), 0, 4, 0, 0, 1, 0 };
	static uint8_t		 s[BUF_MAX], many[2 + 2 + 2 + 10 * 11];
	struct tls_hello	 h;
	size_t			 i, n;

	(void)state;
	assert_int_equal(parse(s, with_exts(exts, sizeof(exts), s), &h),
	    TLS_DONE);
	assert_int_equal(h.has_sni, 1);
	assert_string_equal(h.sni.s, "s12.upd.kaspersky.com");
	assert_string_equal(h.alpn, "h2,h?3,?,");
	assert_int_equal(h.tls13, 1);
	assert_int_equal(h.ech, 0);

	assert_int_equal(parse(s, with_exts(no13, sizeof(no13), s), &h),
	    TLS_DONE);
	assert_int_equal(h.tls13, 0);
	assert_int_equal(h.has_sni, 0);

	assert_int_equal(parse(s, with_exts(ech, sizeof(ech), s), &h),
	    TLS_DONE);
	assert_int_equal(h.ech, 1);

	/* ten names of ten bytes: 109 characters cut to 63 */
	n = 0;
	many[n++] = 0;
	many[n++] = 16;
	many[n++] = 0;
	many[n++] = 2 + 10 * 11;
	many[n++] = 0;
	many[n++] = 10 * 11;
	for (i = 0; i < 10; i++) {
		many[n++] = 10;
		memset(many + n, 'a' + (int)i, 10);
		n += 10;
	}
	assert_int_equal(parse(s, with_exts(many, n, s), &h), TLS_DONE);
	assert_int_equal(strlen(h.alpn), TLS_ALPN_MAX - 1);
	assert_memory_equal(h.alpn, "aaaaaaaaaa,bbbbbbbbbb,", 22);
}

/* A real ClientHello with an encrypted_client_hello extension added. */
static void
test_ech(void **state)
{
	static struct pcap_stream	 s;
	static uint8_t			 out[BUF_MAX];
	static const uint8_t		 ech[] = {
		B16(0xfe0d), 0, 8, 0, 0, 1, 0, 1, 0x42, 0, 0
	};
	struct tls_hello		 h;
	size_t				 off, len, elen;

	(void)state;
	load_stream("tls-curl.pcap", 443, &s);
	len = 517;
	memcpy(out, s.buf, len);
	off = 9 + 2 + 32;			/* the session id */
	off += 1 + out[off];
	off += 2 + (size_t)(out[off] << 8 | out[off + 1]);
	off += 1 + out[off];
	elen = (size_t)(out[off] << 8 | out[off + 1]);
	assert_int_equal(off + 2 + elen, len);	/* they end the message */
	memcpy(out + len, ech, sizeof(ech));
	len += sizeof(ech);
	elen += sizeof(ech);
	out[off] = (uint8_t)(elen >> 8);
	out[off + 1] = (uint8_t)elen;
	out[3] = (uint8_t)((len - 5) >> 8);
	out[4] = (uint8_t)(len - 5);
	out[7] = (uint8_t)((len - 9) >> 8);
	out[8] = (uint8_t)(len - 9);
	assert_int_equal(parse(out, len, &h), TLS_DONE);
	assert_int_equal(h.ech, 1);
	assert_string_equal(h.sni.s, "s12.upd.kaspersky.com");
	assert_int_equal(parse(out, len - 1, &h), TLS_NEED_MORE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_split_segments),
		cmocka_unit_test(test_split_records),
		cmocka_unit_test(test_reader_runs),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_bad_extensions),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_ech),
		cmocka_unit_test(test_lenient),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
