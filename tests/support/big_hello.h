/*
 * big_hello.h: a test's ClientHello of any size, built as OpenSSL
 * sends a big one (a padding extension, records of at most 16384
 * bytes), for the tests that feed one to the reader or the inspector.
 */
#ifndef EMBARGO_BIG_HELLO_H
#define EMBARGO_BIG_HELLO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BIG_MAX		(3 * 65536)	/* out[] and the body's room */

/*
 * The fields of a plain ClientHello body before its extensions: TLS
 * 1.2, a random of 0x11, no session id, one suite, no compression.
 */
static size_t
hello_head(uint8_t *body)
{
	size_t	 n = 0;

	body[n++] = 3;
	body[n++] = 3;
	memset(body + n, 0x11, 32);
	n += 32;
	memcpy(body + n, "\x00\x00\x02\x13\x01\x01\x00", 7);
	return (n + 7);
}

/*
 * A ClientHello of pad bytes of padding (extension 21) before or after
 * its server name, in records of at most 16384 bytes, as OpenSSL sends
 * a big one.  Returns the stream's length.
 */
static size_t
big_hello(size_t pad, int sni_first, const char *sni, uint8_t *out)
{
	static uint8_t	 body[BIG_MAX];
	size_t		 n = 0, e, sl = strlen(sni), hl, off, k, o = 0;
	uint8_t		 hs[4];

	n = hello_head(body);
	e = n;
	n += 2;
	for (k = 0; k < 2; k++) {
		if ((k == 0) == (sni_first != 0)) {
			body[n++] = 0;
			body[n++] = 0;
			body[n++] = (uint8_t)((sl + 5) >> 8);
			body[n++] = (uint8_t)(sl + 5);
			body[n++] = (uint8_t)((sl + 3) >> 8);
			body[n++] = (uint8_t)(sl + 3);
			body[n++] = 0;
			body[n++] = (uint8_t)(sl >> 8);
			body[n++] = (uint8_t)sl;
			memcpy(body + n, sni, sl);
			n += sl;
		} else {
			body[n++] = 0;
			body[n++] = 21;
			body[n++] = (uint8_t)(pad >> 8);
			body[n++] = (uint8_t)pad;
			memset(body + n, 0, pad);
			n += pad;
		}
	}
	body[e] = (uint8_t)((n - e - 2) >> 8);
	body[e + 1] = (uint8_t)(n - e - 2);
	hs[0] = 1;
	hs[1] = (uint8_t)(n >> 16);
	hs[2] = (uint8_t)(n >> 8);
	hs[3] = (uint8_t)n;
	hl = n + 4;
	for (off = 0; off < hl; off += k) {
		k = hl - off < 16384 ? hl - off : 16384;
		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 1;
		out[o++] = (uint8_t)(k >> 8);
		out[o++] = (uint8_t)k;
		for (e = 0; e < k; e++)
			out[o + e] = off + e < 4 ? hs[off + e] :
			    body[off + e - 4];
		o += k;
	}
	return (o);
}

#endif
