/*
 * tls.c: the server name, ALPN and version hints of a TLS ClientHello.
 *
 * The input is the client's byte stream from its first byte, as far as
 * it has come.  The parser keeps no state between calls: each call
 * starts again from the first byte, so the caller only has to keep the
 * bytes.  A ClientHello may span TCP segments (the caller gathers them)
 * and TLS records (we join the fragments).  The common case, one record
 * holding the whole ClientHello, is read in place; only a ClientHello
 * split across records is copied into the caller's scratch buffer.
 *
 * The ClientHello itself is read with a cursor over (pointer, length)
 * whose error is sticky and shared by the windows carved out of it: a
 * read past a window's end records why and every later read does
 * nothing, so the walk checks for failure only where it must decide.
 */
#include "config.h"

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

struct tls_cursor {
	const uint8_t	 *p;
	size_t		  len;
	const char	**err;	/* shared by every window of a message */
};

static void		tls_reset(struct tls_hello *);
static enum tls_status	tls_bad(struct tls_hello *, const char *);
static enum tls_status	tls_too_big(struct tls_hello *);
static inline size_t	tls_get24(const uint8_t *);
static enum tls_status	tls_record(const uint8_t *, size_t, int, size_t *,
			    struct tls_hello *);
static enum tls_status	tls_gather(const uint8_t *, size_t, uint8_t *,
			    size_t, struct tls_hello *, const uint8_t **);
static enum tls_status	tls_fragment(const uint8_t *, size_t, uint8_t *,
			    size_t, size_t *, struct tls_hello *);
static void		tls_fail(struct tls_cursor *, const char *);
static unsigned		tls_get(struct tls_cursor *, size_t,
			    const char *);
static void		tls_take(struct tls_cursor *, size_t,
			    struct tls_cursor *, const char *);
static void		tls_vector(struct tls_cursor *, size_t,
			    struct tls_cursor *, const char *);
static enum tls_status	tls_walk_hello(const uint8_t *, size_t,
			    struct tls_hello *);
static void		tls_walk_extensions(struct tls_cursor *,
			    struct tls_hello *);
static void		tls_extension(unsigned, struct tls_cursor *,
			    struct tls_hello *, unsigned *);
static void		tls_server_name(struct tls_cursor *,
			    struct tls_hello *);
static size_t		tls_cut_port(const uint8_t *, size_t);
static void		tls_alpn(struct tls_cursor *, struct tls_hello *);
static size_t		tls_alpn_put(struct tls_hello *, size_t,
			    const uint8_t *, size_t);
static void		tls_versions(struct tls_cursor *,
			    struct tls_hello *);

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

static enum tls_status
tls_bad(struct tls_hello *h, const char *why)
{
	h->err = why;
	return (TLS_MALFORMED);
}

static enum tls_status
tls_too_big(struct tls_hello *h)
{
	h->err = "ClientHello larger than the scratch buffer";
	return (TLS_TOO_BIG);
}

static inline size_t
tls_get24(const uint8_t *p)
{
	return ((size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2]);
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
 * Check the record header at p (avail bytes from there on) and set *rlen
 * to its length.  The first record decides whether this is TLS at all;
 * a later one that breaks the rules makes the ClientHello malformed.
 * TLS_DONE here means "a good header".
 */
static enum tls_status
tls_record(const uint8_t *p, size_t avail, int first, size_t *rlen,
    struct tls_hello *h)
{
	int	 looks;

	looks = tls_looks_like(p, avail);
	if (looks == 0 && first) {
		h->err = "not a TLS handshake record";
		return (TLS_NOT_TLS);
	}
	if (looks == 0)
		return (tls_bad(h, avail > 0 && p[0] != TLS_CT_HANDSHAKE ?
		    "non-handshake record inside the ClientHello" :
		    "bad record version"));
	if (avail < TLS_RECORD_HDR)
		return (TLS_NEED_MORE);
	*rlen = (size_t)p[3] << 8 | p[4];
	if (*rlen > TLS_RECORD_MAX)
		return (tls_bad(h, "record too long"));
	return (TLS_DONE);
}

/*
 * Copy one record's fragment (n bytes at f) into scratch, where *have
 * bytes of the handshake message already are; the message's own header
 * says how long it is.  TLS_DONE once the message is whole.
 */
static enum tls_status
tls_fragment(const uint8_t *f, size_t n, uint8_t *scratch, size_t scratchlen,
    size_t *have, struct tls_hello *h)
{
	size_t	 need, take;

	for (; n > 0 && *have < TLS_HS_HDR; f++, n--) {
		if (*have == 0 && f[0] != TLS_HS_CLIENT_HELLO)
			return (tls_bad(h, "not a ClientHello"));
		if (*have == scratchlen)
			return (tls_too_big(h));
		scratch[(*have)++] = f[0];
	}
	if (*have < TLS_HS_HDR)
		return (TLS_NEED_MORE);
	need = TLS_HS_HDR + tls_get24(scratch + 1);
	if (need > scratchlen)
		return (tls_too_big(h));
	take = need - *have < n ? need - *have : n;
	memcpy(scratch + *have, f, take);
	*have += take;
	return (*have == need ? TLS_DONE : TLS_NEED_MORE);
}

/*
 * Find the whole handshake message in the records of s and point *msg
 * at it: in place when the first record with content holds it all,
 * else in scratch.  Empty handshake records are skipped, as OpenSSL
 * skips them.  A message that scratch could not hold is TLS_TOO_BIG
 * whichever way it came, so that the answer does not depend on how
 * records were cut.
 */
static enum tls_status
tls_gather(const uint8_t *s, size_t len, uint8_t *scratch, size_t scratchlen,
    struct tls_hello *h, const uint8_t **msg)
{
	const uint8_t	*f;
	size_t		 off = 0, rlen = 0, n, have = 0, need;
	enum tls_status	 st;

	for (;; off += TLS_RECORD_HDR + rlen) {
		st = tls_record(s + off, len - off, off == 0, &rlen, h);
		if (st != TLS_DONE)
			return (st);
		if (rlen == 0)
			continue;	/* an empty record says nothing */
		f = s + off + TLS_RECORD_HDR;
		n = len - off - TLS_RECORD_HDR;
		if (n > rlen)
			n = rlen;
		if (have == 0 && n >= TLS_HS_HDR &&
		    f[0] == TLS_HS_CLIENT_HELLO) {
			need = TLS_HS_HDR + tls_get24(f + 1);
			if (need > scratchlen)
				return (tls_too_big(h));
			if (need <= n) {
				*msg = f;	/* the fast path: no copy */
				return (TLS_DONE);
			}
			if (need <= rlen)
				return (TLS_NEED_MORE);
		}
		st = tls_fragment(f, n, scratch, scratchlen, &have, h);
		if (st == TLS_DONE)
			*msg = scratch;
		if (st != TLS_NEED_MORE || n < rlen)
			return (st);
	}
}

/*
 * Read the ClientHello at the start of the client's stream.  scratch
 * (scratchlen bytes) holds a ClientHello split across records; a
 * ClientHello longer than scratchlen (its 4-byte header included) is
 * TLS_TOO_BIG even when it came in one record.  See tls.h.
 */
enum tls_status
tls_parse_hello(const uint8_t *stream, size_t len, uint8_t *scratch,
    size_t scratchlen, struct tls_hello *h)
{
	const uint8_t	*msg = NULL;
	size_t		 mlen;
	enum tls_status	 st;

	tls_reset(h);
	st = tls_gather(stream, len, scratch, scratchlen, h, &msg);
	if (st != TLS_DONE)
		return (st);
	mlen = tls_get24(msg + 1);
	return (tls_walk_hello(msg + TLS_HS_HDR, mlen, h));
}

static void
tls_fail(struct tls_cursor *c, const char *why)
{
	if (*c->err == NULL)
		*c->err = why;
	c->len = 0;
}

/* A big-endian integer of n (1-3) bytes, or 0 and why past the end. */
static unsigned
tls_get(struct tls_cursor *c, size_t n, const char *why)
{
	unsigned	 v = 0;

	if (*c->err != NULL)
		return (0);
	if (c->len < n) {
		tls_fail(c, why);
		return (0);
	}
	c->len -= n;
	while (n-- > 0)
		v = v << 8 | *c->p++;
	return (v);
}

/* Carve the next n bytes of c into the window sub. */
static void
tls_take(struct tls_cursor *c, size_t n, struct tls_cursor *sub,
    const char *why)
{
	sub->p = c->p;
	sub->len = 0;
	sub->err = c->err;
	if (*c->err != NULL)
		return;
	if (c->len < n) {
		tls_fail(c, why);
		return;
	}
	sub->len = n;
	c->p += n;
	c->len -= n;
}

/* A vector: a length of lenbytes bytes, then that many bytes. */
static void
tls_vector(struct tls_cursor *c, size_t lenbytes, struct tls_cursor *sub,
    const char *why)
{
	size_t	 n;

	n = tls_get(c, lenbytes, why);
	tls_take(c, n, sub, why);
}

/* Walk a whole ClientHello body: the fixed fields, then extensions. */
static enum tls_status
tls_walk_hello(const uint8_t *body, size_t len, struct tls_hello *h)
{
	struct tls_cursor	 c = { body, len, &h->err }, v;
	unsigned		 version;

	version = tls_get(&c, 2, "truncated ClientHello");
	if (h->err == NULL && version >> 8 != 3)
		tls_fail(&c, "bad ClientHello version");
	tls_take(&c, TLS_RANDOM_LEN, &v, "truncated ClientHello");
	tls_vector(&c, 1, &v, "session id overruns the ClientHello");
	if (v.len > TLS_SESSION_ID_MAX)
		tls_fail(&c, "session id longer than 32 bytes");
	tls_vector(&c, 2, &v, "cipher suites overrun the ClientHello");
	if (h->err == NULL && (v.len < 2 || v.len % 2 != 0))
		tls_fail(&c, "bad cipher suites length");
	tls_vector(&c, 1, &v, "compression methods overrun the ClientHello");
	if (h->err == NULL && v.len == 0)
		tls_fail(&c, "no compression methods");
	/* a ClientHello without extensions ends here (RFC 5246 7.4.1.2) */
	if (h->err == NULL && c.len > 0) {
		tls_vector(&c, 2, &v, "extensions overrun the ClientHello");
		if (c.len > 0)
			tls_fail(&c, "bytes after the extensions");
		tls_walk_extensions(&v, h);
	}
	return (h->err == NULL ? TLS_DONE : TLS_MALFORMED);
}

/*
 * Each extension: type, length, data.  Unknown types, GREASE among
 * them, are skipped.
 */
static void
tls_walk_extensions(struct tls_cursor *c, struct tls_hello *h)
{
	struct tls_cursor	 data;
	unsigned		 type, len, seen = 0;

	while (*c->err == NULL && c->len > 0) {
		type = tls_get(c, 2, "truncated extension header");
		len = tls_get(c, 2, "truncated extension header");
		tls_take(c, len, &data, "extension overruns the extensions");
		if (*c->err == NULL)
			tls_extension(type, &data, h, &seen);
	}
}

/* One extension; a second one of a kind we read is refused. */
static void
tls_extension(unsigned type, struct tls_cursor *data, struct tls_hello *h,
    unsigned *seen)
{
	unsigned	 bit;
	const char	*dup;

	switch (type) {
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
		return;
	}
	if (*seen & bit) {
		tls_fail(data, dup);
		return;
	}
	*seen |= bit;
	if (type == TLS_EXT_SERVER_NAME)
		tls_server_name(data, h);
	else if (type == TLS_EXT_ALPN)
		tls_alpn(data, h);
	else if (type == TLS_EXT_VERSIONS)
		tls_versions(data, h);
	else
		h->ech = 1;	/* sealed; that it is there is the news */
}

/*
 * server_name (RFC 6066 3): a list of (type, name); the first host_name
 * that is not empty is the one (an empty one names nothing, so the
 * flow is judged as one without a name).  A ":port" after the name is
 * cut off, as nginx does.  A name valid only in part is kept so (see
 * name.h): it is judged by its valid labels.  Other name types are
 * skipped by their length.
 */
static void
tls_server_name(struct tls_cursor *ext, struct tls_hello *h)
{
	struct tls_cursor	 list, name;
	unsigned		 type;

	tls_vector(ext, 2, &list, "bad server_name list length");
	if (ext->len != 0 || (h->err == NULL && list.len == 0))
		tls_fail(ext, "bad server_name list length");
	while (h->err == NULL && list.len > 0) {
		type = tls_get(&list, 1, "server name entry overruns the list");
		tls_vector(&list, 2, &name,
		    "server name entry overruns the list");
		if (h->err != NULL || type != TLS_SNI_HOST_NAME ||
		    h->has_sni || name.len == 0)
			continue;
		name_normalize(&h->sni, (const char *)name.p,
		    tls_cut_port(name.p, name.len), NAME_WIRE);
		h->has_sni = 1;
	}
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

/* ALPN (RFC 7301 3.1): non-empty names, joined with ',' in h->alpn. */
static void
tls_alpn(struct tls_cursor *ext, struct tls_hello *h)
{
	struct tls_cursor	 list, proto;
	size_t			 off = 0;

	tls_vector(ext, 2, &list, "bad ALPN list length");
	if (ext->len != 0 || (h->err == NULL && list.len == 0))
		tls_fail(ext, "bad ALPN list length");
	while (h->err == NULL && list.len > 0) {
		tls_vector(&list, 1, &proto,
		    "ALPN protocol name overruns the list");
		if (h->err == NULL && proto.len == 0)
			tls_fail(&list, "empty ALPN protocol name");
		if (h->err != NULL)
			break;
		if (off > 0)
			off = tls_alpn_put(h, off, (const uint8_t *)",", 1);
		off = tls_alpn_put(h, off, proto.p, proto.len);
	}
}

/* supported_versions in a ClientHello (RFC 8446 4.2.1): is 1.3 there? */
static void
tls_versions(struct tls_cursor *ext, struct tls_hello *h)
{
	struct tls_cursor	 list;

	tls_vector(ext, 1, &list, "bad supported_versions length");
	if (ext->len != 0 || (h->err == NULL &&
	    (list.len == 0 || list.len % 2 != 0)))
		tls_fail(ext, "bad supported_versions length");
	while (h->err == NULL && list.len > 0)
		if (tls_get(&list, 2, "bad supported_versions length") ==
		    TLS_VERSION_13)
			h->tls13 = 1;
}
