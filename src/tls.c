/*
 * tls.c: the server name, ALPN and version hints of a TLS ClientHello.
 *
 * The ClientHello is read as its bytes come, in order, by a reader
 * that keeps its place between calls (struct tls_reader): the bytes
 * themselves are never held, only where the reader is in the message,
 * the lengths of the windows it is inside, and what it found so far.
 * A ClientHello of any size (up to the 16 MiB a handshake message can
 * say) is read in a few hundred bytes of state, however it is cut into
 * TCP segments and TLS records, and the server name is known as soon
 * as its last byte has come, before the rest of the message.
 *
 * Two layers: the record layer takes the 5-byte record headers out of
 * the client's stream (records mode) and hands the fragments' bytes on;
 * the message layer walks the handshake message.  QUIC's CRYPTO stream
 * has no record layer and goes straight to the second.
 *
 * The message layer is a list of fields, each an integer of 1 to 3
 * bytes or a run of bytes to pass over (or collect: the server name,
 * the ALPN names).  Each vector the message nests (the body, the
 * extensions, one extension, its list, one entry) is a window whose
 * bytes left are kept; a length that overruns the window it is in is
 * refused at once, with the same words as a reader of the whole message
 * would use, so the verdict never depends on how the bytes were cut.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "tls.h"

#define TLS_CT_HANDSHAKE	22
#define TLS_RECORD_HDR		5
#define TLS_RECORD_MAX		(16384 + 256)	/* RFC 8446 5.2, with slack */
#define TLS_MINOR_MAX		4		/* 3.0 (SSL 3) to 3.4 */
#define TLS_HS_HDR		4
#define TLS_HS_CLIENT_HELLO	1
#define TLS_RANDOM_LEN		32
#define TLS_SESSION_ID_MAX	32
#define TLS_VERSION_13		0x0304

#define TLS_EXT_SERVER_NAME	0
#define TLS_EXT_ALPN		16
#define TLS_EXT_VERSIONS	43
#define TLS_EXT_ECH		0xfe0d
#define TLS_SNI_HOST_NAME	0

/* Extensions we read, for refusing a second one of a kind. */
#define TLS_SEEN_SNI		0x01
#define TLS_SEEN_ALPN		0x02
#define TLS_SEEN_VERSIONS	0x04
#define TLS_SEEN_ECH		0x08

/* The windows, outermost first. */
enum {
	W_BODY,		/* the ClientHello body */
	W_EXTS,		/* the extensions */
	W_EXT,		/* one extension */
	W_LIST		/* its list (server names, ALPN, versions) */
};

/* The field just read, which says what comes next. */
enum tls_field {
	F_TYPE,		/* handshake message type */
	F_LENGTH,	/* handshake message length */
	F_VERSION,
	F_RANDOM,
	F_SID_LEN,
	F_SID,
	F_CS_LEN,
	F_CS,
	F_COMP_LEN,
	F_COMP,
	F_EXTS_LEN,
	F_EXT_TYPE,
	F_EXT_LEN,
	F_EXT_BODY,	/* an extension passed over */
	F_SNI_LIST,
	F_SNI_TYPE,
	F_SNI_LEN,
	F_SNI_NAME,	/* the host_name collected */
	F_SNI_SKIP,	/* another entry passed over */
	F_ALPN_LIST,
	F_ALPN_LEN,
	F_ALPN_NAME,
	F_VER_LIST,
	F_VER_ITEM
};

static void		tls_reset(struct tls_hello *);
static enum tls_status	tls_bad(struct tls_reader *, const char *);
static void		tls_want(struct tls_reader *, unsigned, int,
			    const char *);
static void		tls_run(struct tls_reader *, uint32_t, int);
static void		tls_open(struct tls_reader *, uint32_t);
static void		tls_next_ext(struct tls_reader *);
static void		tls_next_item(struct tls_reader *);
static void		tls_step(struct tls_reader *);
static void		tls_ext_start(struct tls_reader *);
static void		tls_list_start(struct tls_reader *);
static void		tls_consume(struct tls_reader *, uint32_t);
static void		tls_collect(struct tls_reader *, const uint8_t *,
			    uint32_t);
static void		tls_name_done(struct tls_reader *);
static void		tls_message(struct tls_reader *, const uint8_t *,
			    size_t);
static void		tls_header_byte(struct tls_reader *, uint8_t);
static size_t		tls_cut_port(const uint8_t *, size_t);
static size_t		tls_alpn_put(struct tls_hello *, size_t,
			    const uint8_t *, size_t);

static void
tls_reset(struct tls_hello *h)
{
	h->has_sni = 0;
	name_reset(&h->sni);
	h->alpn[0] = '\0';
	h->ech = 0;
	h->tls13 = 0;
	h->err = NULL;
}

/* The message breaks the rules: why, and nothing more is read. */
static enum tls_status
tls_bad(struct tls_reader *r, const char *why)
{
	if (r->status == TLS_NEED_MORE) {
		r->h.err = why;
		r->status = TLS_MALFORMED;
	}
	return (r->status);
}

/*
 * Could buf start a TLS handshake record?  Content type 22, major
 * version 3 and, once there, a minor version no newer than TLS 1.3's.
 * 1 yes, 0 no, -1 too few bytes to say.
 */
int
tls_looks_like(const uint8_t *buf, size_t len)
{
	if (len < 1)
		return (-1);
	if (buf[0] != TLS_CT_HANDSHAKE)
		return (0);
	if (len < 2)
		return (-1);
	if (buf[1] != 3)
		return (0);
	if (len >= 3 && buf[2] > TLS_MINOR_MAX)
		return (0);
	return (1);
}

/*
 * Start reading a ClientHello: records says whether TLS records wrap it
 * (TCP) or not (QUIC's CRYPTO stream); max, when not 0, is the longest
 * message taken, its header included (TLS_TOO_BIG beyond).
 */
void
tls_reader_init(struct tls_reader *r, int records, size_t max)
{
	/* all but the name's bytes, which namelen says are empty */
	memset(r, 0, offsetof(struct tls_reader, name));
	tls_reset(&r->h);
	r->records = records != 0;
	r->first = 1;
	r->max = max;
	r->status = TLS_NEED_MORE;
	r->field = F_TYPE;
	r->want = 1;
}

/*
 * Next, an integer of n bytes inside the innermost window, as field f;
 * why, if the window ends first.
 */
static void
tls_want(struct tls_reader *r, unsigned n, int f, const char *why)
{
	if (r->depth > 0 && r->win[r->depth - 1] < n) {
		tls_bad(r, why);
		return;
	}
	r->field = (uint8_t)f;
	r->want = (uint8_t)n;
	r->acc = 0;
}

/* Next, a run of n bytes (already checked against the window), as f. */
static void
tls_run(struct tls_reader *r, uint32_t n, int f)
{
	r->field = (uint8_t)f;
	r->run = n;
}

/* Open a window of n bytes inside the innermost one (already checked). */
static void
tls_open(struct tls_reader *r, uint32_t n)
{
	r->win[r->depth++] = n;
}

/* Every open window loses n bytes: they were read. */
static void
tls_consume(struct tls_reader *r, uint32_t n)
{
	unsigned	 i;

	for (i = 0; i < r->depth; i++)
		r->win[i] -= n;
}

/* After an extension: the next one, or the end of the ClientHello. */
static void
tls_next_ext(struct tls_reader *r)
{
	r->depth = W_EXT;		/* close the extension's windows */
	if (r->win[W_EXTS] > 0) {
		tls_want(r, 2, F_EXT_TYPE, "truncated extension header");
		return;
	}
	r->status = TLS_DONE;
}

/* After an entry of a list: the next one, or the extension's end. */
static void
tls_next_item(struct tls_reader *r)
{
	if (r->win[W_LIST] == 0) {
		tls_next_ext(r);
		return;
	}
	switch (r->ext) {
	case TLS_EXT_SERVER_NAME:
		tls_want(r, 1, F_SNI_TYPE,
		    "server name entry overruns the list");
		break;
	case TLS_EXT_ALPN:
		tls_want(r, 1, F_ALPN_LEN,
		    "ALPN protocol name overruns the list");
		break;
	default:
		tls_want(r, 2, F_VER_ITEM, "bad supported_versions length");
		break;
	}
}

/* An extension's header has been read (type r->ext, length in acc). */
static void
tls_ext_start(struct tls_reader *r)
{
	unsigned	 bit;
	const char	*dup;

	if (r->acc > r->win[W_EXTS]) {
		tls_bad(r, "extension overruns the extensions");
		return;
	}
	tls_open(r, r->acc);
	switch (r->ext) {
	case TLS_EXT_SERVER_NAME:
		bit = TLS_SEEN_SNI;
		dup = "duplicate server_name extension";
		break;
	case TLS_EXT_ALPN:
		bit = TLS_SEEN_ALPN;
		dup = "duplicate ALPN extension";
		break;
	case TLS_EXT_VERSIONS:
		bit = TLS_SEEN_VERSIONS;
		dup = "duplicate supported_versions extension";
		break;
	case TLS_EXT_ECH:
		bit = TLS_SEEN_ECH;
		dup = "duplicate encrypted_client_hello extension";
		break;
	default:
		/* unknown types, GREASE among them, are passed over */
		tls_run(r, r->acc, F_EXT_BODY);
		return;
	}
	if (r->seen & bit) {
		tls_bad(r, dup);
		return;
	}
	r->seen |= bit;
	switch (r->ext) {
	case TLS_EXT_SERVER_NAME:
		tls_want(r, 2, F_SNI_LIST, "bad server_name list length");
		break;
	case TLS_EXT_ALPN:
		tls_want(r, 2, F_ALPN_LIST, "bad ALPN list length");
		break;
	case TLS_EXT_VERSIONS:
		tls_want(r, 1, F_VER_LIST, "bad supported_versions length");
		break;
	default:
		r->h.ech = 1;	/* sealed; that it is there is the news */
		tls_run(r, r->acc, F_EXT_BODY);
		break;
	}
}

/*
 * A list's length has been read (in acc): server_name (RFC 6066 3) and
 * ALPN (RFC 7301 3.1) lists fill their extension and are not empty;
 * supported_versions (RFC 8446 4.2.1) is a non-empty list of pairs.
 */
static void
tls_list_start(struct tls_reader *r)
{
	const char	*why;
	uint32_t	 n = r->acc;

	why = r->ext == TLS_EXT_SERVER_NAME ? "bad server_name list length" :
	    r->ext == TLS_EXT_ALPN ? "bad ALPN list length" :
	    "bad supported_versions length";
	if (n != r->win[W_EXT] || n == 0 ||
	    (r->ext == TLS_EXT_VERSIONS && n % 2 != 0)) {
		tls_bad(r, why);
		return;
	}
	tls_open(r, n);
	tls_next_item(r);
}

/*
 * The server name is whole.  A name longer than the bytes kept lost
 * its start: its first, cut label is dropped and what is left can only
 * be judged as the right-most labels of a longer name (partial).  A
 * ":port" after the name is cut off, as nginx does.
 */
static void
tls_name_done(struct tls_reader *r)
{
	const uint8_t	*p = r->name;
	size_t		 n = r->namelen;

	if (r->namecut) {
		while (n > 0 && *p != '.') {
			p++;
			n--;
		}
		if (n > 0) {
			p++;
			n--;
		}
		if (n == 0)
			return;		/* nothing judgeable is left */
	}
	name_normalize(&r->h.sni, (const char *)p, tls_cut_port(p, n),
	    NAME_WIRE);
	if (r->namecut && r->h.sni.len > 0) {
		r->h.sni.partial = 1;
		if (r->h.sni.err == NAME_OK)
			r->h.sni.err = NAME_ENAMELEN;
	}
	r->h.has_sni = 1;
}

/* Keep n more bytes of a server name or an ALPN protocol name. */
static void
tls_collect(struct tls_reader *r, const uint8_t *p, uint32_t n)
{
	uint32_t	 keep;

	if (r->field == F_ALPN_NAME) {
		r->alpnoff = (uint16_t)tls_alpn_put(&r->h, r->alpnoff, p, n);
		return;
	}
	/* a server name: its last TLS_NAME_HOLD bytes */
	if (n >= TLS_NAME_HOLD) {
		r->namecut |= r->namelen > 0 || n > TLS_NAME_HOLD;
		memcpy(r->name, p + n - TLS_NAME_HOLD, TLS_NAME_HOLD);
		r->namelen = TLS_NAME_HOLD;
		return;
	}
	if (r->namelen + n > TLS_NAME_HOLD) {
		keep = TLS_NAME_HOLD - n;
		memmove(r->name, r->name + r->namelen - keep, keep);
		r->namelen = (uint16_t)keep;
		r->namecut = 1;
	}
	memcpy(r->name + r->namelen, p, n);
	r->namelen = (uint16_t)(r->namelen + n);
}

/* A field is complete (r->field; an integer's value in acc): go on. */
static void
tls_step(struct tls_reader *r)
{
	uint32_t	 n = r->acc;

	switch (r->field) {
	case F_TYPE:
		if (n != TLS_HS_CLIENT_HELLO) {
			if (!r->records) {
				r->h.err = "not a ClientHello";
				r->status = TLS_NOT_TLS;
			} else
				tls_bad(r, "not a ClientHello");
			return;
		}
		tls_want(r, 3, F_LENGTH, NULL);
		break;
	case F_LENGTH:
		if (r->max > 0 && TLS_HS_HDR + (size_t)n > r->max) {
			r->h.err = "ClientHello larger than the buffer";
			r->status = TLS_TOO_BIG;
			return;
		}
		tls_open(r, n);
		tls_want(r, 2, F_VERSION, "truncated ClientHello");
		break;
	case F_VERSION:
		if (n >> 8 != 3) {
			tls_bad(r, "bad ClientHello version");
			return;
		}
		if (r->win[W_BODY] < TLS_RANDOM_LEN) {
			tls_bad(r, "truncated ClientHello");
			return;
		}
		tls_run(r, TLS_RANDOM_LEN, F_RANDOM);
		break;
	case F_RANDOM:
		tls_want(r, 1, F_SID_LEN,
		    "session id overruns the ClientHello");
		break;
	case F_SID_LEN:
		if (n > r->win[W_BODY])
			tls_bad(r, "session id overruns the ClientHello");
		else if (n > TLS_SESSION_ID_MAX)
			tls_bad(r, "session id longer than 32 bytes");
		else
			tls_run(r, n, F_SID);
		break;
	case F_SID:
		tls_want(r, 2, F_CS_LEN,
		    "cipher suites overrun the ClientHello");
		break;
	case F_CS_LEN:
		if (n > r->win[W_BODY])
			tls_bad(r, "cipher suites overrun the ClientHello");
		else if (n < 2 || n % 2 != 0)
			tls_bad(r, "bad cipher suites length");
		else
			tls_run(r, n, F_CS);
		break;
	case F_CS:
		tls_want(r, 1, F_COMP_LEN,
		    "compression methods overrun the ClientHello");
		break;
	case F_COMP_LEN:
		if (n > r->win[W_BODY])
			tls_bad(r,
			    "compression methods overrun the ClientHello");
		else if (n == 0)
			tls_bad(r, "no compression methods");
		else
			tls_run(r, n, F_COMP);
		break;
	case F_COMP:
		/* without extensions it ends here (RFC 5246 7.4.1.2) */
		if (r->win[W_BODY] == 0)
			r->status = TLS_DONE;
		else
			tls_want(r, 2, F_EXTS_LEN,
			    "extensions overrun the ClientHello");
		break;
	case F_EXTS_LEN:
		if (n > r->win[W_BODY])
			tls_bad(r, "extensions overrun the ClientHello");
		else if (n < r->win[W_BODY])
			tls_bad(r, "bytes after the extensions");
		else {
			tls_open(r, n);
			tls_next_ext(r);
		}
		break;
	case F_EXT_TYPE:
		r->ext = (uint16_t)n;
		tls_want(r, 2, F_EXT_LEN, "truncated extension header");
		break;
	case F_EXT_LEN:
		tls_ext_start(r);
		break;
	case F_EXT_BODY:
		tls_next_ext(r);
		break;
	case F_SNI_LIST:
	case F_ALPN_LIST:
	case F_VER_LIST:
		tls_list_start(r);
		break;
	case F_SNI_TYPE:
		r->sni_type = (uint8_t)n;
		tls_want(r, 2, F_SNI_LEN,
		    "server name entry overruns the list");
		break;
	case F_SNI_LEN:
		if (n > r->win[W_LIST]) {
			tls_bad(r, "server name entry overruns the list");
			return;
		}
		/* the first host_name that is not empty is the one */
		if (r->sni_type == TLS_SNI_HOST_NAME && !r->h.has_sni &&
		    n > 0) {
			r->namelen = 0;
			r->namecut = 0;
			tls_run(r, n, F_SNI_NAME);
		} else
			tls_run(r, n, F_SNI_SKIP);
		break;
	case F_SNI_NAME:
		tls_name_done(r);
		tls_next_item(r);
		break;
	case F_SNI_SKIP:
	case F_ALPN_NAME:
		tls_next_item(r);
		break;
	case F_ALPN_LEN:
		if (n > r->win[W_LIST])
			tls_bad(r, "ALPN protocol name overruns the list");
		else if (n == 0)
			tls_bad(r, "empty ALPN protocol name");
		else {
			if (r->alpnoff > 0)
				r->alpnoff = (uint16_t)tls_alpn_put(&r->h,
				    r->alpnoff, (const uint8_t *)",", 1);
			tls_run(r, n, F_ALPN_NAME);
		}
		break;
	case F_VER_ITEM:
		if (n == TLS_VERSION_13)
			r->h.tls13 = 1;
		tls_next_item(r);
		break;
	}
}

/*
 * Bytes of the handshake message, in order.  A field that needs no
 * byte (an empty run) is stepped over at once, so that a window's end
 * is seen when its last byte is read, not when the next one comes.
 */
static void
tls_message(struct tls_reader *r, const uint8_t *p, size_t n)
{
	uint32_t	 k;

	while (r->status == TLS_NEED_MORE) {
		if (r->want == 0 && r->run == 0) {
			tls_step(r);
			continue;
		}
		if (n == 0)
			break;
		if (r->want > 0) {
			/* all of it here, the common case, or a byte at a time */
			k = r->want <= n ? r->want : 1;
			r->want -= (uint8_t)k;
			n -= k;
			tls_consume(r, k);
			while (k-- > 0)
				r->acc = r->acc << 8 | *p++;
			if (r->want == 0)
				tls_step(r);
			continue;
		}
		k = r->run < n ? r->run : (uint32_t)n;
		if (r->field == F_SNI_NAME || r->field == F_ALPN_NAME)
			tls_collect(r, p, k);
		p += k;
		n -= k;
		tls_consume(r, k);
		if ((r->run -= k) == 0)
			tls_step(r);
	}
}

/*
 * One byte of a record header.  The first record decides whether this
 * is TLS at all; a later one that breaks the rules makes the
 * ClientHello malformed.
 */
static void
tls_header_byte(struct tls_reader *r, uint8_t b)
{
	size_t	 i = r->rhave;
	int	 bad;

	r->rhdr[r->rhave++] = b;
	bad = (i == 0 && b != TLS_CT_HANDSHAKE) || (i == 1 && b != 3) ||
	    (i == 2 && b > TLS_MINOR_MAX);
	if (bad && r->first) {
		r->h.err = "not a TLS handshake record";
		r->status = TLS_NOT_TLS;
		return;
	}
	if (bad) {
		tls_bad(r, i == 0 ? "non-handshake record inside the "
		    "ClientHello" : "bad record version");
		return;
	}
	if (r->rhave < TLS_RECORD_HDR)
		return;
	r->rhave = 0;
	r->first = 0;
	r->rec_left = (uint32_t)r->rhdr[3] << 8 | r->rhdr[4];
	if (r->rec_left > TLS_RECORD_MAX)
		tls_bad(r, "record too long");
	/* an empty record says nothing: the next header follows */
}

/*
 * The next n bytes of the client's stream (or CRYPTO stream), in order.
 * Returns TLS_NEED_MORE until the ClientHello is whole or refused; the
 * answer then stays, and later bytes are ignored.
 */
enum tls_status
tls_read(struct tls_reader *r, const uint8_t *p, size_t n)
{
	size_t	 k;

	if (!r->records) {
		tls_message(r, p, n);
		return (r->status);
	}
	while (n > 0 && r->status == TLS_NEED_MORE) {
		if (r->rec_left == 0) {
			tls_header_byte(r, *p++);
			n--;
			continue;
		}
		k = r->rec_left < n ? r->rec_left : n;
		tls_message(r, p, k);
		p += k;
		n -= k;
		r->rec_left -= (uint32_t)k;
	}
	return (r->status);
}

/*
 * Read the ClientHello at the start of a client's stream, as much as
 * has come, in one call.  See tls.h.
 */
enum tls_status
tls_parse_hello(const uint8_t *stream, size_t len, struct tls_hello *h)
{
	struct tls_reader	 r;

	tls_reader_init(&r, 1, 0);
	tls_read(&r, stream, len);
	*h = r.h;
	return (r.status);
}

/*
 * Read a bare ClientHello handshake message, as QUIC's CRYPTO frames
 * carry it (RFC 9001 4): no record layer, len bytes gathered from its
 * first.  One longer than max, its 4-byte header included, is
 * TLS_TOO_BIG as soon as its header says so.
 */
enum tls_status
tls_parse_handshake(const uint8_t *msg, size_t len, size_t max,
    struct tls_hello *h)
{
	struct tls_reader	 r;

	tls_reader_init(&r, 0, max);
	tls_read(&r, msg, len);
	*h = r.h;
	return (r.status);
}

/* The length of a host name without a ":digits" at its end. */
static size_t
tls_cut_port(const uint8_t *p, size_t len)
{
	size_t	 i = len;

	while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9')
		i--;
	if (i > 0 && i < len && p[i - 1] == ':')
		return (i - 1);
	return (len);
}

/*
 * Append n bytes of an ALPN protocol name to h->alpn at off, cut to
 * fit.  Bytes that are not printable become '?': the string is for
 * logs and rules, not for speaking ALPN.
 */
static size_t
tls_alpn_put(struct tls_hello *h, size_t off, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && off < sizeof(h->alpn) - 1; i++)
		h->alpn[off++] = (p[i] > 0x20 && p[i] < 0x7f) ?
		    (char)p[i] : '?';
	h->alpn[off] = '\0';
	return (off);
}
