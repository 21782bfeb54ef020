/*
 * test_quic.c: QUIC client Initials.  The RFC 9001 and RFC 9369 sample
 * packets (keys, header protection, the decrypted ClientHello); Initials
 * of ngtcp2's gtlsclient (tests/data/quic-ngtcp2*.pcap); Chrome-shaped
 * handshakes made by tests/tools/quic_chrome.py, whose ClientHello
 * spans two Initials in shuffled CRYPTO frames (tests/data/README).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "packet.h"
#include "pcap.h"
#include "quic.h"
#include "quic_vectors.h"
#include "stream.h"
#include "tls.h"

#define PKT_MAX		2048
#define GATHER		4096

static struct quic_crypto	*qc;

static size_t	unhex(const char *, uint8_t *, size_t);
static void	expect_hex(const uint8_t *, const char *, size_t);
static void	expect_keys(uint32_t, const char *, const char *,
		    const char *);
static void	expect_mask(const char *, const char *, const char *);
static void	expect_rfc_packet(const char *, uint32_t);
static size_t	datagram(const struct pcap *, size_t, const uint8_t **);
static enum tls_status gather_file(const char *, int, size_t,
		    struct tls_hello *, size_t *);

static size_t
unhex(const char *s, uint8_t *out, size_t size)
{
	size_t	 n = 0;
	unsigned v;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		assert_true(n < size);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return (n);
}

static void
expect_hex(const uint8_t *got, const char *want, size_t n)
{
	uint8_t	 w[64];

	assert_int_equal(unhex(want, w, sizeof(w)), n);
	assert_memory_equal(got, w, n);
}

static void
expect_keys(uint32_t v, const char *key, const char *iv, const char *hp)
{
	struct quic_keys	 k;
	uint8_t			 cid[8];

	unhex(rfc_dcid, cid, sizeof(cid));
	assert_int_equal(quic_derive(qc, v, cid, sizeof(cid), &k), 0);
	expect_hex(k.key, key, sizeof(k.key));
	expect_hex(k.iv, iv, sizeof(k.iv));
	expect_hex(k.hp, hp, sizeof(k.hp));
	/* the cached derivation gives the same */
	memset(&k, 0, sizeof(k));
	assert_int_equal(quic_derive(qc, v, cid, sizeof(cid), &k), 0);
	expect_hex(k.key, key, sizeof(k.key));
}

/* RFC 9001 A.1 */
static void
test_keys_v1(void **state)
{
	(void)state;
	expect_keys(QUIC_VERSION_1, "1f369613dd76d5467730efcbe3b1a22d",
	    "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2");
}

/* RFC 9369 A.1 */
static void
test_keys_v2(void **state)
{
	(void)state;
	expect_keys(QUIC_VERSION_2, "8b1a0bc121284290a29e0971b5cd045d",
	    "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9");
}

/* draft-ietf-quic-tls-29 A.1 */
static void
test_keys_draft29(void **state)
{
	struct quic_keys	 k;

	(void)state;
	expect_keys(QUIC_VERSION_DRAFT29, "175257a31eb09dea9366d8bb79ad80ba",
	    "6b26114b9cba2b63a9e8dd4f", "9ddd12c994c0698b89374a9c077a3077");
	assert_int_equal(quic_derive(qc, 0x12345678, (const uint8_t *)"x", 1,
	    &k), -1);
}

/* The header protection mask of the sample, with the derived hp key. */
static void
expect_mask(const char *hphex, const char *sample, const char *mask)
{
	EVP_CIPHER_CTX	*c = EVP_CIPHER_CTX_new();
	uint8_t		 hp[16], in[16], out[32];
	int		 n;

	unhex(hphex, hp, sizeof(hp));
	unhex(sample, in, sizeof(in));
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp,
	    NULL), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out, &n, in, 16), 1);
	expect_hex(out, mask, 5);
	EVP_CIPHER_CTX_free(c);
}

/* RFC 9001 A.2 and RFC 9369 A.2: the mask that protects the header */
static void
test_header_protection(void **state)
{
	(void)state;
	expect_mask("9f50449e04a0e810283a1e9933adedd2",
	    "d1b1c98dd7689fb8ec11d242b123dc9b", "437b9aec36");
	expect_mask("45b95e15235d6f45a6b19cbcb0294ba9",
	    "ffe67b6abcdb4298b485dd04de806071", "94a0c95e80");
}

/* A sample packet decrypts to the sample ClientHello. */
static void
expect_rfc_packet(const char *hex, uint32_t version)
{
	struct quic_initial	 qi;
	struct tls_hello	 h;
	uint8_t			 pkt[PKT_MAX], ch[256], cid[8];
	size_t			 n, chlen;

	n = unhex(hex, pkt, sizeof(pkt));
	assert_int_equal(n, 1200);
	chlen = unhex(rfc9001_crypto, ch, sizeof(ch));
	unhex(rfc_dcid, cid, sizeof(cid));
	if (quic_parse(qc, pkt, n, NULL, 0, &qi) != QUIC_OK)
		fail_msg("not parsed: %s", qi.err);
	assert_int_equal(qi.version, version);
	assert_int_equal(qi.dcidlen, 8);
	assert_memory_equal(qi.dcid, cid, 8);
	assert_int_equal(qi.ninitial, 1);
	assert_int_equal(qi.nfrag, 1);
	assert_int_equal(qi.frag[0].off, 0);
	assert_int_equal(qi.frag[0].len, 241);
	assert_memory_equal(qi.frag[0].p, ch + 4, chlen - 4);
	assert_int_equal(tls_parse_handshake(qi.frag[0].p, qi.frag[0].len,
	    GATHER, &h), TLS_DONE);
	assert_true(h.has_sni);
	assert_string_equal(h.sni.s, "example.com");
	assert_string_equal(h.alpn, "alpn");
	assert_int_equal(h.tls13, 1);
	/* keys given by the flow: the same */
	assert_int_equal(quic_parse(qc, pkt, n, cid, 8, &qi), QUIC_OK);
	/* the wrong connection ID's keys do not authenticate */
	cid[0] ^= 1;
	assert_int_equal(quic_parse(qc, pkt, n, cid, 8, &qi),
	    QUIC_DECRYPT_FAILED);
	assert_string_equal(qi.err, "Initial did not authenticate");
}

static void
test_rfc9001_initial(void **state)
{
	(void)state;
	expect_rfc_packet(rfc9001_packet, QUIC_VERSION_1);
}

static void
test_rfc9369_initial(void **state)
{
	(void)state;
	expect_rfc_packet(rfc9369_packet, QUIC_VERSION_2);
}

/* Changed bytes, other versions, cut packets. */
static void
test_bad_packets(void **state)
{
	struct quic_initial	 qi;
	uint8_t			 pkt[PKT_MAX], bad[PKT_MAX];
	size_t			 n;

	(void)state;
	n = unhex(rfc9001_packet, pkt, sizeof(pkt));
	memcpy(bad, pkt, n);
	bad[600] ^= 0x01;			/* ciphertext */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi),
	    QUIC_DECRYPT_FAILED);
	memcpy(bad, pkt, n);
	bad[n - 1] ^= 0x80;			/* the tag */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi),
	    QUIC_DECRYPT_FAILED);
	memcpy(bad, pkt, n);
	bad[20] ^= 0x01;			/* the protected packet number */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi),
	    QUIC_DECRYPT_FAILED);
	memcpy(bad, pkt, n);
	bad[4] = 0x1d, bad[1] = 0xff;		/* draft-29: other keys */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi),
	    QUIC_DECRYPT_FAILED);
	memcpy(bad, pkt, n);
	bad[1] = 0x12;				/* unknown */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi),
	    QUIC_UNKNOWN_VERSION);
	assert_int_equal(qi.version, 0x12000001);
	memset(bad + 1, 0, 4);			/* Version Negotiation */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi),
	    QUIC_NEGOTIATION);
	memcpy(bad, pkt, n);
	bad[0] = 0x40;				/* a short header */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi), QUIC_NOT_QUIC);
	assert_int_equal(quic_parse(qc, pkt, 0, NULL, 0, &qi), QUIC_NOT_QUIC);
	memcpy(bad, pkt, n);
	bad[0] &= ~0x40;			/* no fixed bit */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi), QUIC_NOT_QUIC);
	assert_int_equal(quic_parse(qc, pkt, 100, NULL, 0, &qi),
	    QUIC_MALFORMED);
	assert_string_equal(qi.err, "packet longer than the datagram");
	assert_int_equal(quic_parse(qc, pkt, 12, NULL, 0, &qi),
	    QUIC_MALFORMED);
	memcpy(bad, pkt, n);
	bad[5] = 21;				/* DCID too long */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi), QUIC_MALFORMED);
	assert_string_equal(qi.err, "connection ID longer than 20 bytes");
	memcpy(bad, pkt, n);
	bad[0] = (bad[0] & 0xcf) | 0x30;	/* Retry: never from a client */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi), QUIC_MALFORMED);
	memcpy(bad, pkt, n);
	bad[0] = (bad[0] & 0xcf) | 0x20;	/* Handshake: no Initial */
	assert_int_equal(quic_parse(qc, bad, n, NULL, 0, &qi),
	    QUIC_NOT_INITIAL);
}

/*
 * Coalesced packets: a 0-RTT packet after the Initial is skipped, a
 * second Initial is read too, trailing padding and a packet for
 * another connection ID end the walk.
 */
static void
test_coalesced(void **state)
{
	struct quic_initial	 qi;
	uint8_t			 dg[3 * PKT_MAX];
	size_t			 n, m;

	(void)state;
	n = unhex(rfc9001_packet, dg, sizeof(dg));
	m = n;
	memcpy(dg + m, dg, 15);			/* a 0-RTT packet */
	dg[m] = 0xd0;
	dg[m + 15] = 0x40, dg[m + 16] = 20;	/* no token: length 20 */
	memset(dg + m + 17, 0xab, 20);
	m += 37;
	memset(dg + m, 0, 40);			/* padding */
	assert_int_equal(quic_parse(qc, dg, m + 40, NULL, 0, &qi), QUIC_OK);
	assert_int_equal(qi.ninitial, 1);
	assert_int_equal(qi.nfrag, 1);
	memcpy(dg + m, dg, n);			/* a second Initial */
	assert_int_equal(quic_parse(qc, dg, m + n, NULL, 0, &qi), QUIC_OK);
	assert_int_equal(qi.ninitial, 2);
	assert_int_equal(qi.nfrag, 2);
	dg[m + 6] ^= 0xff;			/* ... for another DCID */
	assert_int_equal(quic_parse(qc, dg, m + n, NULL, 0, &qi), QUIC_OK);
	assert_int_equal(qi.ninitial, 1);
	/* an undecryptable second Initial: the first still counts */
	dg[m + 6] ^= 0xff;
	dg[m + 600] ^= 0xff;
	assert_int_equal(quic_parse(qc, dg, m + n, NULL, 0, &qi), QUIC_OK);
	assert_int_equal(qi.ninitial, 1);
}

/* The bare handshake entry of tls.c. */
static void
test_bare_handshake(void **state)
{
	struct quic_initial	 qi;
	struct tls_hello	 h;
	uint8_t			 pkt[PKT_MAX];
	const uint8_t		*ch;
	size_t			 n, i;

	(void)state;
	n = unhex(rfc9001_packet, pkt, sizeof(pkt));
	assert_int_equal(quic_parse(qc, pkt, n, NULL, 0, &qi), QUIC_OK);
	ch = qi.frag[0].p;
	for (i = 0; i < qi.frag[0].len; i++)
		assert_int_equal(tls_parse_handshake(ch, i, GATHER, &h),
		    TLS_NEED_MORE);
	assert_int_equal(tls_parse_handshake(ch, qi.frag[0].len, 240, &h),
	    TLS_TOO_BIG);
	assert_int_equal(tls_parse_handshake(ch, 3, 240, &h), TLS_NEED_MORE);
	assert_int_equal(tls_parse_handshake((const uint8_t *)"\x02\x00", 2,
	    GATHER, &h), TLS_NOT_TLS);
	assert_int_equal(tls_parse_handshake(ch, qi.frag[0].len, 241, &h),
	    TLS_DONE);
}

/* The UDP payload of packet i of p. */
static size_t
datagram(const struct pcap *p, size_t i, const uint8_t **payload)
{
	struct packet	 pk;

	assert_true(i < p->n);
	assert_int_equal(packet_parse(&pk, p->pkt[i].ip, p->pkt[i].len),
	    PACKET_OK);
	assert_int_equal(pk.t.l4, IPPROTO_UDP);
	*payload = pk.payload;
	return (pk.plen);
}

/*
 * Feed the first n datagrams of file (all when n is 0), reversed when
 * asked, through quic_parse() and quic_gather() with the first
 * Initial's DCID as the key; what tls_parse_handshake() says at the
 * end, and *frags the CRYPTO frames seen.
 */
static enum tls_status
gather_file(const char *file, int reverse, size_t n, struct tls_hello *h,
    size_t *frags)
{
	static uint8_t		 buf[GATHER];
	struct pcap		 p;
	struct stream		 st;
	struct quic_initial	 qi;
	struct quic_flow	 qf;
	const uint8_t		*d;
	size_t			 i, len;
	enum tls_status		 ts = TLS_NEED_MORE;

	if (pcap_open(&p, file) == -1)
		fail_msg("%s", p.err);
	if (n == 0 || n > p.n)
		n = p.n;
	stream_init(&st, buf, sizeof(buf), 0);
	memset(&qf, 0, sizeof(qf));
	*frags = 0;
	for (i = 0; i < n; i++) {
		len = datagram(&p, reverse ? n - 1 - i : i, &d);
		if (quic_parse(qc, d, len, qf.version ? qf.cid : NULL,
		    qf.cidlen, &qi) != QUIC_OK)
			fail_msg("%s: %s", file, qi.err);
		if (qf.version == 0) {
			qf.version = qi.version;
			qf.cidlen = qi.dcidlen;
			memcpy(qf.cid, qi.dcid, qi.dcidlen);
		}
		*frags += qi.nfrag;
		assert_int_equal(quic_gather(&st, &qi), STREAM_OK);
		ts = tls_parse_handshake(st.buf, stream_contiguous(&st),
		    st.cap, h);
		if (ts != TLS_NEED_MORE)
			break;
	}
	pcap_close(&p);
	return (ts);
}

/* gtlsclient's first Initial holds its whole ClientHello. */
static void
test_ngtcp2(void **state)
{
	struct tls_hello	 h;
	size_t			 frags;

	(void)state;
	assert_int_equal(gather_file("quic-ngtcp2.pcap", 0, 1, &h, &frags),
	    TLS_DONE);
	assert_string_equal(h.sni.s, "s12.upd.kaspersky.com");
	assert_string_equal(h.alpn, "h3");
	assert_int_equal(h.tls13, 1);
	assert_int_equal(gather_file("quic-ngtcp2-v6.pcap", 0, 1, &h, &frags),
	    TLS_DONE);
	assert_string_equal(h.sni.s, "ksn-a.kaspersky-labs.com");
}

/* Chrome's shape: two Initials, shuffled pieces, either order. */
static void
test_chrome(void **state)
{
	struct tls_hello	 h;
	size_t			 frags;

	(void)state;
	assert_int_equal(gather_file("quic-chrome.pcap", 0, 1, &h, &frags),
	    TLS_NEED_MORE);
	assert_int_equal(gather_file("quic-chrome.pcap", 0, 0, &h, &frags),
	    TLS_DONE);
	assert_string_equal(h.sni.s, "s12.upd.kaspersky.com");
	assert_string_equal(h.alpn, "h3");
	assert_true(frags >= 10);
	assert_int_equal(gather_file("quic-chrome.pcap", 1, 1, &h, &frags),
	    TLS_NEED_MORE);
	assert_int_equal(gather_file("quic-chrome.pcap", 1, 0, &h, &frags),
	    TLS_DONE);
	assert_string_equal(h.sni.s, "s12.upd.kaspersky.com");
	assert_int_equal(gather_file("quic-chrome-v2.pcap", 1, 0, &h, &frags),
	    TLS_DONE);
	assert_string_equal(h.sni.s, "ksn-a.kaspersky-labs.com");
	/* a piece never sent: the ClientHello never completes */
	assert_int_equal(gather_file("quic-chrome-gap.pcap", 0, 0, &h, &frags),
	    TLS_NEED_MORE);
}

/* A ClientHello longer than the gather buffer is a bound. */
static void
test_bound(void **state)
{
	static uint8_t		 buf[1024];
	struct pcap		 p;
	struct stream		 st;
	struct quic_initial	 qi;
	struct tls_hello	 h;
	const uint8_t		*d;
	size_t			 len;

	(void)state;
	if (pcap_open(&p, "quic-chrome.pcap") == -1)
		fail_msg("%s", p.err);
	stream_init(&st, buf, sizeof(buf), 0);
	len = datagram(&p, 0, &d);
	assert_int_equal(quic_parse(qc, d, len, NULL, 0, &qi), QUIC_OK);
	assert_int_equal(quic_gather(&st, &qi), STREAM_PAST_END);
	assert_int_equal(stream_contiguous(&st), sizeof(buf));
	assert_int_equal(tls_parse_handshake(st.buf, stream_contiguous(&st),
	    st.cap, &h), TLS_TOO_BIG);
	pcap_close(&p);
}

static int
setup(void **state)
{
	(void)state;
	qc = quic_crypto_new();
	return (qc == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	(void)state;
	quic_crypto_free(qc);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_v1),
		cmocka_unit_test(test_keys_v2),
		cmocka_unit_test(test_keys_draft29),
		cmocka_unit_test(test_header_protection),
		cmocka_unit_test(test_rfc9001_initial),
		cmocka_unit_test(test_rfc9369_initial),
		cmocka_unit_test(test_bad_packets),
		cmocka_unit_test(test_coalesced),
		cmocka_unit_test(test_bare_handshake),
		cmocka_unit_test(test_ngtcp2),
		cmocka_unit_test(test_chrome),
		cmocka_unit_test(test_bound),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
