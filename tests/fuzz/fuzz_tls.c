/*
 * fuzz_tls: the ClientHello reader on a stream fed whole, in growing
 * prefixes, and in runs of sizes the input itself picks, as segments
 * would feed it.  Each prefix and run is copied to a buffer of its own
 * size so that a read past it is caught.  Once a prefix gets an answer
 * other than TLS_NEED_MORE every longer prefix must get the same one,
 * and a reader fed in runs must end with the answer of the whole.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check(const struct tls_hello *, enum tls_status);
static int	same(const struct tls_hello *, enum tls_status,
		    const struct tls_hello *, enum tls_status);
static enum tls_status parse(const uint8_t *, size_t, struct tls_hello *);
static enum tls_status in_runs(const uint8_t *, size_t, struct tls_hello *);

/* What a result promises on its own. */
static void
check(const struct tls_hello *h, enum tls_status st)
{
	if (st == TLS_MALFORMED && h->err == NULL)
		__builtin_trap();
	if (st != TLS_DONE)
		return;
	if (h->err != NULL || strlen(h->alpn) >= TLS_ALPN_MAX)
		__builtin_trap();
	/* a name: whole, or its valid right-most part (maybe none) */
	if (h->has_sni && ((h->sni.len == 0 && !h->sni.partial) ||
	    h->sni.len > NAME_MAXLEN || strlen(h->sni.s) != h->sni.len))
		__builtin_trap();
}

static int
same(const struct tls_hello *a, enum tls_status sa, const struct tls_hello *b,
    enum tls_status sb)
{
	if (sa != sb || a->err != b->err)
		return (0);
	if (sa != TLS_DONE)
		return (1);
	return (a->has_sni == b->has_sni && strcmp(a->sni.s, b->sni.s) == 0 &&
	    strcmp(a->alpn, b->alpn) == 0 && a->ech == b->ech &&
	    a->tls13 == b->tls13);
}

/* Parse len bytes from a copy of exactly that size. */
static enum tls_status
parse(const uint8_t *data, size_t len, struct tls_hello *h)
{
	uint8_t		*copy;
	enum tls_status	 st;

	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return (TLS_NEED_MORE);
	memcpy(copy, data, len);
	st = tls_parse_hello(copy, len, h);
	free(copy);
	return (st);
}

/*
 * Feed a reader the input in runs, each from a copy of its own size;
 * run lengths cycle through 1 to 64 bytes by the input's own bytes.
 */
static enum tls_status
in_runs(const uint8_t *data, size_t len, struct tls_hello *h)
{
	static struct tls_reader	 r;
	uint8_t				*copy;
	size_t				 off, n, i = 0;

	tls_reader_init(&r, 1, 0);
	for (off = 0; off < len && r.status == TLS_NEED_MORE; off += n) {
		n = 1 + data[i++ % len] % 64;
		if (n > len - off)
			n = len - off;
		if ((copy = malloc(n)) == NULL)
			break;
		memcpy(copy, data + off, n);
		(void)tls_read(&r, copy, n);
		free(copy);
	}
	*h = r.h;
	return (r.status);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello	 whole, part, first;
	enum tls_status		 sw, sp, sf = TLS_NEED_MORE;
	size_t			 k;
	int			 looks;

	sw = tls_parse_hello(data, size, &whole);
	check(&whole, sw);
	looks = tls_looks_like(data, size);
	if ((looks == 0) != (sw == TLS_NOT_TLS))
		__builtin_trap();

	/* every prefix up to 16 bytes, then a quarter more each time */
	for (k = 0; k <= size; k += k < 16 ? 1 : k / 4) {
		sp = parse(data, k, &part);
		check(&part, sp);
		if (sf == TLS_NEED_MORE) {
			sf = sp;
			first = part;
		} else if (!same(&first, sf, &part, sp))
			__builtin_trap();
	}
	if (sf != TLS_NEED_MORE && !same(&first, sf, &whole, sw))
		__builtin_trap();

	/* however the bytes are cut, the reader says the same */
	if (size > 0) {
		sp = in_runs(data, size, &part);
		check(&part, sp);
		if (!same(&whole, sw, &part, sp))
			__builtin_trap();
	}
	return (0);
}
