/*
 * fuzz_quic: the QUIC Initial parser, its key derivation and the CRYPTO
 * reassembly.
 *
 * Random bytes almost never authenticate, so besides feeding the input
 * as a raw datagram (headers, coalesced packets, every failure path),
 * the target seals it: the first byte picks the version and how many
 * Initials to make, the next ones the connection ID, and the rest,
 * cut in as many parts, become the frames of Initials protected with
 * the derived keys.  Those must decrypt; their CRYPTO frames are then
 * gathered, as a flow would, and the handshake message parsed.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "quic.h"
#include "stream.h"
#include "tls.h"

#define GATHER		4096
#define PKT_MAX		4096

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct quic_crypto	*qc;
static EVP_CIPHER_CTX		*seal;

static size_t	protect(uint32_t, const uint8_t *, size_t, uint32_t,
		    const uint8_t *, size_t, uint8_t *);
static void	sealed(const uint8_t *, size_t);

/* An Initial for cid holding frames, protected as a client would. */
static size_t
protect(uint32_t v, const uint8_t *cid, size_t cidlen, uint32_t pn,
    const uint8_t *frames, size_t n, uint8_t *out)
{
	struct quic_keys	 k;
	uint8_t			 nonce[12], mask[16];
	size_t			 h = 0, pnoff, i, plen;
	int			 len;

	if (quic_derive(qc, v, cid, cidlen, &k) == -1)
		__builtin_trap();
	plen = n < 20 ? 20 : n;		/* room for the sample */
	out[h++] = (uint8_t)(0xc1 | (v == QUIC_VERSION_2 ? 0x10 : 0));
	out[h++] = (uint8_t)(v >> 24), out[h++] = (uint8_t)(v >> 16);
	out[h++] = (uint8_t)(v >> 8), out[h++] = (uint8_t)v;
	out[h++] = (uint8_t)cidlen;
	memcpy(out + h, cid, cidlen);
	h += cidlen;
	out[h++] = 0;			/* SCID */
	out[h++] = 0;			/* token */
	out[h++] = (uint8_t)(0x40 | ((2 + plen + 16) >> 8));
	out[h++] = (uint8_t)(2 + plen + 16);
	pnoff = h;
	out[h++] = (uint8_t)(pn >> 8), out[h++] = (uint8_t)pn;
	memcpy(nonce, k.iv, 12);
	nonce[10] ^= (uint8_t)(pn >> 8), nonce[11] ^= (uint8_t)pn;
	memset(out + h, 0, plen);	/* PADDING after the frames */
	memcpy(out + h, frames, n);
	if (EVP_EncryptInit_ex(seal, EVP_aes_128_gcm(), NULL, k.key, nonce)
	    != 1 || EVP_EncryptUpdate(seal, NULL, &len, out, (int)h) != 1 ||
	    EVP_EncryptUpdate(seal, out + h, &len, out + h, (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(seal, out + h + plen, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(seal, EVP_CTRL_AEAD_GET_TAG, 16,
	    out + h + plen) != 1)
		__builtin_trap();
	if (EVP_EncryptInit_ex(seal, EVP_aes_128_ecb(), NULL, k.hp, NULL) != 1
	    || EVP_EncryptUpdate(seal, mask, &len, out + pnoff + 4, 16) != 1)
		__builtin_trap();
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < 2; i++)
		out[pnoff + i] ^= mask[1 + i];
	return (h + plen + 16);
}

/* The input as the frames of one to four sealed Initials. */
static void
sealed(const uint8_t *data, size_t size)
{
	static uint8_t		 buf[GATHER], pkt[PKT_MAX];
	static const uint32_t	 vers[] = { QUIC_VERSION_1, QUIC_VERSION_2,
				    QUIC_VERSION_DRAFT29, QUIC_VERSION_1 };
	struct quic_initial	 qi;
	struct stream		 st;
	struct tls_hello	 h;
	uint8_t			 cid[20];
	size_t			 cidlen, npkt, part, i, n, off, len;
	uint32_t		 v;
	enum quic_status	 qs;

	if (size < 1)
		return;
	v = vers[data[0] & 3];
	npkt = 1 + ((data[0] >> 2) & 3);
	cidlen = 8 + (data[0] >> 4) % 13;
	if (size < 1 + cidlen)
		return;
	memcpy(cid, data + 1, cidlen);
	data += 1 + cidlen, size -= 1 + cidlen;
	part = size / npkt + 1;
	stream_init(&st, buf, sizeof(buf), 0);
	for (i = 0, off = 0; i < npkt && off <= size; i++, off += part) {
		n = size - off < part ? size - off : part;
		if (n > PKT_MAX - 100)
			n = PKT_MAX - 100;
		len = protect(v, cid, cidlen, (uint32_t)i, data + off, n, pkt);
		qs = quic_parse(qc, pkt, len, i > 0 ? cid : NULL,
		    i > 0 ? cidlen : 0, &qi);
		if (qs != QUIC_OK && qs != QUIC_MALFORMED)
			__builtin_trap();	/* it was sealed right */
		if (qs != QUIC_OK)
			continue;
		if (qi.version != v || qi.ninitial != 1)
			__builtin_trap();
		if (quic_gather(&st, &qi) == STREAM_TOO_SCATTERED)
			return;
		(void)tls_parse_handshake(st.buf, stream_contiguous(&st),
		    st.cap, &h);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quic_initial	 qi;
	uint8_t			*copy;
	size_t			 i;

	if (qc == NULL && ((qc = quic_crypto_new()) == NULL ||
	    (seal = EVP_CIPHER_CTX_new()) == NULL))
		__builtin_trap();
	/* raw: a copy of its own size, so that a read past it is caught */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(copy, data, size);
	if (quic_parse(qc, copy, size, NULL, 0, &qi) == QUIC_OK)
		for (i = 0; i < qi.nfrag; i++)
			if (qi.frag[i].len == 0 ||
			    (i > 0 && qi.frag[i].off < qi.frag[i - 1].off))
				__builtin_trap();
	free(copy);
	sealed(data, size);
	return (0);
}
