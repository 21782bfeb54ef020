/*
 * quic.c: decrypt a QUIC client's Initial packets and find their CRYPTO
 * frames.
 *
 * Initial packets are encrypted, but with keys anyone can derive from
 * the Destination Connection ID in the clear (RFC 9001 5.2): HKDF with
 * a salt fixed per version, AES-128-GCM for the payload and AES-128-ECB
 * over a sample of it for the header protection (5.4.3).  The
 * cryptography is OpenSSL's libcrypto, made ready once per context;
 * nothing here is our own crypto, and nothing is allocated per packet.
 *
 * A datagram may carry several long-header packets back to back (RFC
 * 9000 12.2): each Initial among them is decrypted, 0-RTT and Handshake
 * packets are skipped by their length, and a short header, a packet for
 * another connection ID or trailing padding ends the walk.  The frames
 * of an Initial may be PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE
 * (RFC 9000 17.2.2); any other frame means this is no client Initial.
 *
 * Bytes are read with a cursor whose error is sticky, as in tls.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "quic.h"
#include "xmalloc.h"

#define QUIC_LONG		0x80
#define QUIC_FIXED		0x40
#define QUIC_SAMPLE		16
#define QUIC_TAG		16
#define QUIC_PN_MAX		4
#define QUIC_CID_MIN		8	/* a client's first DCID, RFC 9000 7.2 */
#define QUIC_SECRET		32	/* SHA-256 */
#define QUIC_VARINT_MAX		((1ULL << 62) - 1)

#define FRAME_PADDING		0x00
#define FRAME_PING		0x01
#define FRAME_ACK		0x02
#define FRAME_ACK_ECN		0x03
#define FRAME_CRYPTO		0x06
#define FRAME_CLOSE		0x1c
#define FRAME_CLOSE_APP		0x1d

/* What differs between the versions we can read. */
struct quic_version {
	uint32_t	 version;
	const char	*name;
	uint8_t		 salt[20];
	const char	*key;		/* HKDF labels */
	const char	*iv;
	const char	*hp;
	unsigned	 initial;	/* long packet type of Initial */
	unsigned	 retry;		/* ... and of Retry */
};

static const struct quic_version versions[] = {
	{ QUIC_VERSION_1, "1",
	    { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a },
	    "quic key", "quic iv", "quic hp", 0, 3 },
	{ QUIC_VERSION_2, "2",	/* RFC 9369 3.3 */
	    { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 },
	    "quicv2 key", "quicv2 iv", "quicv2 hp", 1, 0 },
	{ QUIC_VERSION_DRAFT29, "draft-29",
	    { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	    0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 },
	    "quic key", "quic iv", "quic hp", 0, 3 },
};

struct quic_crypto {
	EVP_KDF_CTX		*extract;	/* HKDF-Extract, SHA-256 */
	EVP_KDF_CTX		*expand;	/* HKDF-Expand, SHA-256 */
	EVP_CIPHER		*gcm;
	EVP_CIPHER		*ecb;
	EVP_CIPHER_CTX		*aead;
	EVP_CIPHER_CTX		*hpc;
	/* the last derivation: a flow's next Initial needs the same keys */
	int			 cached;
	uint32_t		 cversion;
	uint8_t			 ccid[QUIC_CID_MAX];
	size_t			 ccidlen;
	struct quic_keys	 ckeys;
	/* the keys the cipher contexts hold: setting them up costs most */
	int			 keyed;
	uint8_t			 kkey[16];
	uint8_t			 khp[16];
	uint8_t			 plain[QUIC_DATAGRAM_MAX];
};

struct quic_cursor {
	const uint8_t	 *p;
	size_t		  len;
	const char	**err;
};

static const struct quic_version *quic_find_version(uint32_t);
static EVP_KDF_CTX *quic_kdf(EVP_KDF *, int);
static int	quic_hkdf(EVP_KDF_CTX *, const uint8_t *, size_t,
		    const uint8_t *, size_t, const uint8_t *, size_t,
		    uint8_t *, size_t);
static int	quic_expand_label(struct quic_crypto *, const uint8_t *,
		    const char *, uint8_t *, size_t);
static void	quic_fail(struct quic_cursor *, const char *);
static uint64_t	quic_get(struct quic_cursor *, size_t, const char *);
static uint64_t	quic_varint(struct quic_cursor *, const char *);
static const uint8_t *quic_take(struct quic_cursor *, uint64_t, const char *);
static enum quic_status quic_packet(struct quic_crypto *,
		    struct quic_cursor *, const uint8_t *, const uint8_t *,
		    size_t, struct quic_initial *);
static enum quic_status quic_decrypt(struct quic_crypto *,
		    const struct quic_keys *, const uint8_t *, size_t, size_t,
		    uint8_t *, size_t *);
static enum quic_status quic_open(struct quic_crypto *, const uint8_t *,
		    size_t, const uint8_t *, size_t, size_t, uint8_t *,
		    struct quic_initial *);
static void	quic_frames(struct quic_cursor *, struct quic_initial *);
static void	quic_sort(struct quic_initial *);

/* Make the contexts: once per inspector.  NULL, logged, on failure. */
struct quic_crypto *
quic_crypto_new(void)
{
	struct quic_crypto	*c;
	EVP_KDF			*kdf;

	c = xcalloc(1, sizeof(*c));
	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) != NULL) {
		c->extract = quic_kdf(kdf, EVP_KDF_HKDF_MODE_EXTRACT_ONLY);
		c->expand = quic_kdf(kdf, EVP_KDF_HKDF_MODE_EXPAND_ONLY);
	}
	EVP_KDF_free(kdf);
	c->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	c->ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	c->aead = EVP_CIPHER_CTX_new();
	c->hpc = EVP_CIPHER_CTX_new();
	if (c->extract == NULL || c->expand == NULL || c->gcm == NULL || c->ecb == NULL ||
	    c->aead == NULL || c->hpc == NULL) {
		quic_crypto_free(c);
		return (NULL);
	}
	return (c);
}

void
quic_crypto_free(struct quic_crypto *c)
{
	if (c == NULL)
		return;
	EVP_KDF_CTX_free(c->extract);
	EVP_KDF_CTX_free(c->expand);
	EVP_CIPHER_free(c->gcm);
	EVP_CIPHER_free(c->ecb);
	EVP_CIPHER_CTX_free(c->aead);
	EVP_CIPHER_CTX_free(c->hpc);
	free(c);
}

static const struct quic_version *
quic_find_version(uint32_t v)
{
	size_t	 i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i].version == v)
			return (&versions[i]);
	return (NULL);
}

/* "1", "2", "draft-29"; NULL for a version we cannot read. */
const char *
quic_version_name(uint32_t v)
{
	const struct quic_version	*qv = quic_find_version(v);

	return (qv != NULL ? qv->name : NULL);
}

/*
 * An HKDF context for mode, with SHA-256: set once, since naming the
 * digest makes the library look it up again each time.
 */
static EVP_KDF_CTX *
quic_kdf(EVP_KDF *kdf, int mode)
{
	EVP_KDF_CTX	*k;
	OSSL_PARAM	 p[3];
	char		 digest[] = "SHA256";

	if ((k = EVP_KDF_CTX_new(kdf)) == NULL)
		return (NULL);
	p[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest,
	    0);
	p[2] = OSSL_PARAM_construct_end();
	if (EVP_KDF_CTX_set_params(k, p) != 1) {
		EVP_KDF_CTX_free(k);
		return (NULL);
	}
	return (k);
}

/* One HKDF step of context k: the key, and a salt or an info. */
static int
quic_hkdf(EVP_KDF_CTX *k, const uint8_t *key, size_t keylen,
    const uint8_t *salt, size_t saltlen, const uint8_t *info, size_t infolen,
    uint8_t *out, size_t outlen)
{
	OSSL_PARAM	 p[3], *q = p;

	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)key, keylen);
	if (salt != NULL)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, saltlen);
	else
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)(uintptr_t)info, infolen);
	*q = OSSL_PARAM_construct_end();
	return (EVP_KDF_derive(k, out, outlen, p) == 1 ? 0 : -1);
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int
quic_expand_label(struct quic_crypto *c, const uint8_t *secret,
    const char *label, uint8_t *out, size_t outlen)
{
	uint8_t	 info[2 + 1 + 6 + 32 + 1];
	size_t	 n = strlen(label);

	if (n > 32)
		return (-1);
	info[0] = (uint8_t)(outlen >> 8);
	info[1] = (uint8_t)outlen;
	info[2] = (uint8_t)(6 + n);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, n);
	info[9 + n] = 0;
	return (quic_hkdf(c->expand, secret, QUIC_SECRET, NULL, 0, info,
	    10 + n, out, outlen));
}

/*
 * The client Initial keys of version v for the connection ID cid
 * (RFC 9001 5.2, RFC 9369 3.3).  -1 for an unknown version or a
 * failure of the library.
 */
int
quic_derive(struct quic_crypto *c, uint32_t v, const uint8_t *cid,
    size_t cidlen, struct quic_keys *k)
{
	const struct quic_version	*qv;
	uint8_t				 initial[QUIC_SECRET];
	uint8_t				 client[QUIC_SECRET];

	if ((qv = quic_find_version(v)) == NULL || cidlen > QUIC_CID_MAX)
		return (-1);
	if (c->cached && c->cversion == v && c->ccidlen == cidlen &&
	    memcmp(c->ccid, cid, cidlen) == 0) {
		*k = c->ckeys;
		return (0);
	}
	c->cached = 0;
	if (quic_hkdf(c->extract, cid, cidlen, qv->salt, sizeof(qv->salt),
	    NULL, 0, initial, sizeof(initial)) == -1 ||
	    quic_expand_label(c, initial, "client in", client, sizeof(client))
	    == -1 ||
	    quic_expand_label(c, client, qv->key, k->key, sizeof(k->key)) ==
	    -1 ||
	    quic_expand_label(c, client, qv->iv, k->iv, sizeof(k->iv)) == -1 ||
	    quic_expand_label(c, client, qv->hp, k->hp, sizeof(k->hp)) == -1)
		return (-1);
	c->cached = 1;
	c->cversion = v;
	memcpy(c->ccid, cid, cidlen);
	c->ccidlen = cidlen;
	c->ckeys = *k;
	return (0);
}

static void
quic_fail(struct quic_cursor *c, const char *why)
{
	if (*c->err == NULL)
		*c->err = why;
	c->len = 0;
}

/* A big-endian integer of n (1-4) bytes. */
static uint64_t
quic_get(struct quic_cursor *c, size_t n, const char *why)
{
	uint64_t	 v = 0;

	if (*c->err != NULL)
		return (0);
	if (c->len < n) {
		quic_fail(c, why);
		return (0);
	}
	c->len -= n;
	while (n-- > 0)
		v = v << 8 | *c->p++;
	return (v);
}

/* A variable-length integer (RFC 9000 16). */
static uint64_t
quic_varint(struct quic_cursor *c, const char *why)
{
	uint64_t	 v;
	size_t		 n;

	if (*c->err != NULL || c->len == 0) {
		quic_fail(c, why);
		return (0);
	}
	n = (size_t)1 << (c->p[0] >> 6);
	if (c->len < n) {
		quic_fail(c, why);
		return (0);
	}
	v = *c->p++ & 0x3f;
	c->len--;
	while (--n > 0) {
		v = v << 8 | *c->p++;
		c->len--;
	}
	return (v);
}

/*
 * The next n bytes, or NULL past the end.  n is a varint's width, so
 * that a 32-bit size_t cannot cut a huge length down to a small one.
 */
static const uint8_t *
quic_take(struct quic_cursor *c, uint64_t n, const char *why)
{
	const uint8_t	*p = c->p;

	if (*c->err != NULL)
		return (NULL);
	if ((uint64_t)c->len < n) {
		quic_fail(c, why);
		return (NULL);
	}
	c->p += (size_t)n;
	c->len -= (size_t)n;
	return (p);
}

/*
 * Remove the header protection from the Initial at pkt (hlen bytes of
 * header up to the packet number, plen bytes in all), decrypt it into
 * out and set *outlen to the plaintext's length.  out may receive plen
 * bytes.  The nonce takes the packet number as sent, not reconstructed
 * (RFC 9000 A.3): a client's Initials before any answer number from 0,
 * and the 1-4 bytes sent hold them.
 */
static enum quic_status
quic_decrypt(struct quic_crypto *c, const struct quic_keys *k,
    const uint8_t *pkt, size_t hlen, size_t plen, uint8_t *out,
    size_t *outlen)
{
	uint8_t		 mask[QUIC_SAMPLE], nonce[12];
	size_t		 pnlen, i, clen;
	uint32_t	 pn = 0;
	int		 n;

	if (hlen + QUIC_PN_MAX + QUIC_SAMPLE > plen)
		return (QUIC_MALFORMED);
	if (!c->keyed || memcmp(c->kkey, k->key, sizeof(c->kkey)) != 0 ||
	    memcmp(c->khp, k->hp, sizeof(c->khp)) != 0) {
		c->keyed = 0;
		if (EVP_EncryptInit_ex2(c->hpc, c->ecb, k->hp, NULL, NULL) !=
		    1 || EVP_CIPHER_CTX_set_padding(c->hpc, 0) != 1 ||
		    EVP_DecryptInit_ex2(c->aead, c->gcm, k->key, NULL, NULL) !=
		    1)
			return (QUIC_DECRYPT_FAILED);
		memcpy(c->kkey, k->key, sizeof(c->kkey));
		memcpy(c->khp, k->hp, sizeof(c->khp));
		c->keyed = 1;
	}
	/* ECB keeps no state between blocks: the context serves again */
	if (EVP_EncryptUpdate(c->hpc, mask, &n, pkt + hlen + QUIC_PN_MAX,
	    QUIC_SAMPLE) != 1 || n != QUIC_SAMPLE)
		return (QUIC_DECRYPT_FAILED);
	memcpy(out, pkt, hlen + QUIC_PN_MAX);
	out[0] ^= mask[0] & 0x0f;
	pnlen = (out[0] & 0x03) + 1;
	for (i = 0; i < pnlen; i++) {
		out[hlen + i] ^= mask[1 + i];
		pn = pn << 8 | out[hlen + i];
	}
	if (hlen + pnlen + QUIC_TAG > plen)
		return (QUIC_MALFORMED);
	memcpy(nonce, k->iv, sizeof(nonce));
	for (i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	clen = plen - hlen - pnlen - QUIC_TAG;
	if (EVP_DecryptInit_ex2(c->aead, NULL, NULL, nonce, NULL) != 1 ||
	    EVP_DecryptUpdate(c->aead, NULL, &n, out, (int)(hlen + pnlen)) !=
	    1 ||
	    EVP_DecryptUpdate(c->aead, out, &n, pkt + hlen + pnlen,
	    (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->aead, EVP_CTRL_AEAD_SET_TAG, QUIC_TAG,
	    (void *)(uintptr_t)(pkt + plen - QUIC_TAG)) != 1 ||
	    EVP_DecryptFinal_ex(c->aead, out + n, &n) != 1)
		return (QUIC_DECRYPT_FAILED);
	*outlen = clen;
	return (QUIC_OK);
}

/* The frames of a decrypted Initial; CRYPTO frames are kept in qi. */
static void
quic_frames(struct quic_cursor *f, struct quic_initial *qi)
{
	uint64_t		 type, n, i, off, len;
	const uint8_t		*p;
	static const char	 trunc[] = "truncated frame";

	while (*f->err == NULL && f->len > 0) {
		type = quic_varint(f, trunc);
		switch (type) {
		case FRAME_PADDING:
		case FRAME_PING:
			break;
		case FRAME_ACK:
		case FRAME_ACK_ECN:
			(void)quic_varint(f, trunc);	/* largest */
			(void)quic_varint(f, trunc);	/* delay */
			n = quic_varint(f, trunc);	/* range count */
			(void)quic_varint(f, trunc);	/* first range */
			for (i = 0; i < n && *f->err == NULL; i++) {
				(void)quic_varint(f, trunc);
				(void)quic_varint(f, trunc);
			}
			for (i = 0; type == FRAME_ACK_ECN && i < 3; i++)
				(void)quic_varint(f, trunc);
			break;
		case FRAME_CRYPTO:
			off = quic_varint(f, trunc);
			len = quic_varint(f, trunc);
			p = quic_take(f, len, "CRYPTO frame overruns the packet");
			if (*f->err != NULL)
				break;
			if (off + len > QUIC_VARINT_MAX)
				quic_fail(f, "CRYPTO data past 2^62");
			else if (qi->nfrag == QUIC_FRAGS_MAX)
				quic_fail(f, "too many CRYPTO frames");
			else if (len > 0) {
				qi->frag[qi->nfrag].off = off;
				qi->frag[qi->nfrag].p = p;
				qi->frag[qi->nfrag].len = (size_t)len;
				qi->nfrag++;
			}
			break;
		case FRAME_CLOSE:
		case FRAME_CLOSE_APP:
			(void)quic_varint(f, trunc);	/* error code */
			if (type == FRAME_CLOSE)
				(void)quic_varint(f, trunc);	/* frame type */
			n = quic_varint(f, trunc);
			(void)quic_take(f, n, "close reason overruns the packet");
			qi->closing = 1;
			break;
		default:
			quic_fail(f, "a frame no client Initial carries");
			break;
		}
	}
}

/*
 * One long-header packet at the cursor (the rest of the datagram).  An
 * Initial is decrypted into c->plain where it lies in the datagram dg
 * (the plaintext is shorter); other types are skipped.
 * QUIC_NOT_INITIAL here means "not an Initial, go on".
 */
static enum quic_status
quic_packet(struct quic_crypto *c, struct quic_cursor *d, const uint8_t *dg,
    const uint8_t *cid, size_t cidlen, struct quic_initial *qi)
{
	const struct quic_version	*qv;
	const uint8_t			*pkt = d->p, *dcid;
	size_t				 dcidlen, hlen;
	uint64_t			 len;
	uint32_t			 v;
	unsigned			 first, type;
	static const char		 trunc[] = "truncated long header";

	first = (unsigned)quic_get(d, 1, trunc);
	v = (uint32_t)quic_get(d, 4, trunc);
	dcidlen = (size_t)quic_get(d, 1, trunc);
	if (*d->err == NULL && dcidlen > QUIC_CID_MAX)
		quic_fail(d, "connection ID longer than 20 bytes");
	dcid = quic_take(d, dcidlen, trunc);
	(void)quic_take(d, (size_t)quic_get(d, 1, trunc), trunc);
	if (*d->err != NULL)
		return (QUIC_MALFORMED);
	if (v == 0)
		return (QUIC_NEGOTIATION);
	if ((qv = quic_find_version(v)) == NULL) {
		qi->version = v;
		return (QUIC_UNKNOWN_VERSION);
	}
	if (!(first & QUIC_FIXED))
		return (QUIC_NOT_QUIC);
	type = (first >> 4) & 3;
	if (type == qv->retry)
		return (QUIC_MALFORMED);	/* never from a client */
	if (type == qv->initial) {
		len = quic_varint(d, trunc);
		(void)quic_take(d, len, "token overruns the packet");
	}
	len = quic_varint(d, trunc);
	hlen = (size_t)(d->p - pkt);
	(void)quic_take(d, len, "packet longer than the datagram");
	if (*d->err != NULL)
		return (QUIC_MALFORMED);
	if (type != qv->initial)
		return (QUIC_NOT_INITIAL);
	if (qi->ninitial == 0) {
		qi->version = v;
		memcpy(qi->dcid, dcid, dcidlen);
		qi->dcidlen = (uint8_t)dcidlen;
		if (cid == NULL && dcidlen < QUIC_CID_MIN) {
			*d->err = "client connection ID shorter than 8 bytes";
			return (QUIC_MALFORMED);
		}
	} else if (v != qi->version)
		return (QUIC_MALFORMED);
	return (quic_open(c, cid, cidlen, pkt, hlen, hlen + (size_t)len,
	    c->plain + (size_t)(pkt - dg), qi));
}

/*
 * Decrypt the Initial pkt (hlen bytes of header, plen in all) into out
 * with the keys of cid (qi's DCID when NULL) and walk its frames.
 */
static enum quic_status
quic_open(struct quic_crypto *c, const uint8_t *cid, size_t cidlen,
    const uint8_t *pkt, size_t hlen, size_t plen, uint8_t *out,
    struct quic_initial *qi)
{
	struct quic_cursor	 f;
	struct quic_keys	 k;
	size_t			 outlen;
	enum quic_status	 st;

	if (cid == NULL) {
		cid = qi->dcid;
		cidlen = qi->dcidlen;
	}
	if (quic_derive(c, qi->version, cid, cidlen, &k) == -1) {
		qi->err = "key derivation failed";
		return (QUIC_DECRYPT_FAILED);
	}
	st = quic_decrypt(c, &k, pkt, hlen, plen, out, &outlen);
	if (st != QUIC_OK) {
		qi->err = st == QUIC_MALFORMED ? "Initial too short" :
		    "Initial did not authenticate";
		return (st);
	}
	qi->ninitial++;
	f.p = out;
	f.len = outlen;
	f.err = &qi->err;
	quic_frames(&f, qi);
	return (qi->err == NULL ? QUIC_OK : QUIC_MALFORMED);
}

/* Insertion sort by offset: at most QUIC_FRAGS_MAX frames. */
static void
quic_sort(struct quic_initial *qi)
{
	struct quic_frag	 t;
	size_t			 i, j;

	for (i = 1; i < qi->nfrag; i++) {
		t = qi->frag[i];
		for (j = i; j > 0 && qi->frag[j - 1].off > t.off; j--)
			qi->frag[j] = qi->frag[j - 1];
		qi->frag[j] = t;
	}
}

/*
 * Read a client's datagram (see quic.h).  A packet after the first
 * that is not a long header for the same connection ID ends the walk:
 * receivers ignore it (RFC 9000 12.2).
 */
enum quic_status
quic_parse(struct quic_crypto *c, const uint8_t *dg, size_t len,
    const uint8_t *cid, size_t cidlen, struct quic_initial *qi)
{
	struct quic_cursor	 d = { dg, len, &qi->err };
	enum quic_status	 st, res = QUIC_NOT_INITIAL;
	int			 npkt = 0;

	memset(qi, 0, offsetof(struct quic_initial, frag));
	qi->err = NULL;
	if (len > QUIC_DATAGRAM_MAX)
		len = d.len = QUIC_DATAGRAM_MAX;
	if (len == 0 || !(dg[0] & QUIC_LONG)) {
		qi->err = "no long header";
		return (QUIC_NOT_QUIC);
	}
	while (d.len > 0 && (d.p[0] & QUIC_LONG)) {
		if (npkt > 0 && (d.len < 6 || d.p[5] != qi->dcidlen ||
		    d.len < 6 + (size_t)qi->dcidlen ||
		    memcmp(d.p + 6, qi->dcid, qi->dcidlen) != 0))
			break;
		st = quic_packet(c, &d, dg, cid, cidlen, qi);
		if (st == QUIC_OK)
			res = QUIC_OK;
		else if (st != QUIC_NOT_INITIAL && npkt == 0)
			return (st);
		else if (st != QUIC_NOT_INITIAL)
			break;		/* what came before still counts */
		else if (npkt == 0 && qi->ninitial == 0) {
			/* the next packets must share this DCID */
			memcpy(qi->dcid, dg + 6, dg[5]);
			qi->dcidlen = dg[5];
		}
		npkt++;
	}
	if (res == QUIC_OK)
		qi->err = NULL;
	if (res == QUIC_NOT_INITIAL && qi->err == NULL)
		qi->err = "no Initial packet";
	quic_sort(qi);
	return (res);
}

/*
 * Place qi's CRYPTO frames in st by their offset.  Frames come sorted,
 * so the pieces of one datagram join into few ranges however the
 * client shuffled them.
 */
enum stream_res
quic_gather(struct stream *st, const struct quic_initial *qi)
{
	const struct quic_frag	*f;
	enum stream_res		 r, res = STREAM_OK;
	size_t			 i, len;

	for (i = 0; i < qi->nfrag; i++) {
		f = &qi->frag[i];
		if (f->off >= st->cap) {
			res = STREAM_PAST_END;
			continue;
		}
		len = f->len;
		if (len > st->cap - f->off) {
			len = (size_t)(st->cap - f->off);
			res = STREAM_PAST_END;
		}
		r = stream_add(st, (uint32_t)f->off, f->p, len);
		if (r == STREAM_TOO_SCATTERED)
			return (r);
		if (r != STREAM_OK)
			res = r;
	}
	return (res);
}
