/*
 * fuzz_http: the request reader on a stream fed whole, in growing
 * prefixes, and in runs whose taken lines are dropped, each copied to a
 * buffer of its own size so that a read past it is caught.  Once a
 * prefix gets an answer other than HTTP_NEED_MORE, every longer prefix
 * must get the same one, and the reader fed in runs the answer of the
 * whole.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check(const struct http_request *, enum http_status);
static int	same(const struct http_request *, enum http_status,
		    const struct http_request *, enum http_status);
static enum http_status parse(const uint8_t *, size_t,
		    struct http_request *);
static enum http_status in_runs(const uint8_t *, size_t,
		    struct http_request *);

/* What a result promises on its own. */
static void
check(const struct http_request *r, enum http_status st)
{
	size_t	 m;

	if ((st == HTTP_MALFORMED || st == HTTP_NOT_HTTP) && r->err == NULL)
		__builtin_trap();
	if (st != HTTP_DONE)
		return;
	m = strlen(r->method);
	if (r->err != NULL || m == 0 || m >= sizeof(r->method))
		__builtin_trap();
	if (r->has_host && (r->host.len == 0 || r->host.len > NAME_MAXLEN ||
	    strlen(r->host.s) != r->host.len))
		__builtin_trap();
}

static int
same(const struct http_request *a, enum http_status sa,
    const struct http_request *b, enum http_status sb)
{
	if (sa != sb || a->err != b->err)
		return (0);
	if (sa != HTTP_DONE)
		return (1);
	return (strcmp(a->method, b->method) == 0 &&
	    a->has_host == b->has_host && strcmp(a->host.s, b->host.s) == 0);
}

/* Parse len bytes from a copy of exactly that size. */
static enum http_status
parse(const uint8_t *data, size_t len, struct http_request *r)
{
	uint8_t			*copy;
	enum http_status	 st;

	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return (HTTP_NEED_MORE);
	memcpy(copy, data, len);
	st = http_parse_request(copy, len, r);
	free(copy);
	return (st);
}

/*
 * Feed a reader the input in runs whose lengths (1 to 64) the input's
 * own bytes pick, keeping in a buffer of exactly the bytes not taken
 * only what the reader left, as the inspector keeps it.
 */
static enum http_status
in_runs(const uint8_t *data, size_t len, struct http_request *r)
{
	static struct http_reader	 rd;
	uint8_t				*buf, *copy;
	size_t				 have = 0, off = 0, n, took, i = 0;
	enum http_status		 st = HTTP_NEED_MORE;

	if ((buf = malloc(len)) == NULL)
		return (HTTP_NEED_MORE);
	http_reader_init(&rd);
	while (off < len && st == HTTP_NEED_MORE) {
		n = 1 + data[i++ % len] % 64;
		if (n > len - off)
			n = len - off;
		memcpy(buf + have, data + off, n);
		have += n;
		off += n;
		if ((copy = malloc(have)) == NULL)
			break;
		memcpy(copy, buf, have);
		st = http_read(&rd, copy, have, &took, 0);
		free(copy);
		memmove(buf, buf + took, have - took);
		have -= took;
	}
	free(buf);
	*r = rd.r;
	return (st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request	 whole, part, first;
	enum http_status	 sw, sp, sf = HTTP_NEED_MORE;
	size_t			 k;
	int			 looks;

	sw = http_parse_request(data, size, &whole);
	check(&whole, sw);
	/* a known method and a space is HTTP; not HTTP is no method */
	looks = http_looks_like(data, size);
	if ((looks == 1 && sw == HTTP_NOT_HTTP) ||
	    (sw == HTTP_NOT_HTTP && looks != 0))
		__builtin_trap();

	/* every prefix up to 16 bytes, then a quarter more each time */
	for (k = 0; k <= size; k += k < 16 ? 1 : k / 4) {
		sp = parse(data, k, &part);
		check(&part, sp);
		if (sf == HTTP_NEED_MORE) {
			sf = sp;
			first = part;
		} else if (!same(&first, sf, &part, sp))
			__builtin_trap();
	}
	if (sf != HTTP_NEED_MORE && !same(&first, sf, &whole, sw))
		__builtin_trap();

	/* however the bytes are cut, a reader that drops taken lines agrees */
	if (size > 0) {
		sp = in_runs(data, size, &part);
		check(&part, sp);
		if (!same(&whole, sw, &part, sp) ||
		    (sw == HTTP_DONE && part.head_len != whole.head_len))
			__builtin_trap();
	}
	return (0);
}
