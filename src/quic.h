/*
 * quic.h: the CRYPTO data of a QUIC client's Initial packets.
 *
 * quic_parse() reads one UDP datagram from a client: every coalesced
 * long-header packet in it, the Initial ones decrypted with the client
 * Initial keys (RFC 9001 5.2; QUIC v1, v2 per RFC 9369, and draft-29),
 * their frames walked.  The keys come from cid when given (the first
 * Initial's Destination Connection ID, kept by the caller for the
 * flow), else from the packet's own.  On QUIC_OK, qi lists the CRYPTO
 * frames found, pointing into the context's plaintext buffer, which the
 * next call reuses.  The parser keeps no state between datagrams: the
 * caller gathers the CRYPTO data by offset and hands the handshake
 * message to tls_parse_handshake().
 *
 * quic_gather() places the CRYPTO frames of one datagram in a flow's
 * gather buffer (a struct stream whose base is offset 0): out of order,
 * overlapping or repeated pieces, as stream.c places TCP segments; data
 * past the buffer's end is STREAM_PAST_END, a bound.
 *
 * quic_crypto_new() fetches the ciphers and the KDF and makes their
 * contexts once; nothing is allocated per packet.
 */
#ifndef EMBARGO_QUIC_H
#define EMBARGO_QUIC_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

#define QUIC_CID_MAX		20	/* RFC 9000 17.2 */
#define QUIC_FRAGS_MAX		64	/* CRYPTO frames kept per datagram */
#define QUIC_DATAGRAM_MAX	65527	/* a UDP payload, at most */

#define QUIC_VERSION_1		0x00000001U
#define QUIC_VERSION_2		0x6b3343cfU
#define QUIC_VERSION_DRAFT29	0xff00001dU

enum quic_status {
	QUIC_OK,		/* at least one client Initial decrypted */
	QUIC_NOT_QUIC,		/* no long header: not a QUIC handshake */
	QUIC_NOT_INITIAL,	/* long headers, but no Initial among them */
	QUIC_UNKNOWN_VERSION,	/* a version we have no keys for */
	QUIC_NEGOTIATION,	/* a Version Negotiation packet */
	QUIC_DECRYPT_FAILED,	/* an Initial that did not authenticate */
	QUIC_MALFORMED		/* breaks the rules; err says which */
};

/* One CRYPTO frame: len bytes at p for stream offset off. */
struct quic_frag {
	uint64_t	 off;
	const uint8_t	*p;
	size_t		 len;
};

struct quic_initial {
	uint32_t	 version;
	uint8_t		 dcid[QUIC_CID_MAX];	/* the first Initial's header */
	uint8_t		 dcidlen;
	int		 ninitial;	/* Initial packets decrypted */
	int		 closing;	/* a CONNECTION_CLOSE was among them */
	size_t		 nfrag;
	struct quic_frag frag[QUIC_FRAGS_MAX];	/* sorted by offset */
	const char	*err;		/* why, when not QUIC_OK */
};

struct quic_keys {
	uint8_t		 key[16];
	uint8_t		 iv[12];
	uint8_t		 hp[16];
};

/* What a flow keeps between its Initials: whose keys they use. */
struct quic_flow {
	uint32_t	 version;	/* 0: no Initial seen yet */
	uint8_t		 cidlen;
	uint8_t		 cid[QUIC_CID_MAX];	/* the first Initial's DCID */
};

struct quic_crypto;

struct quic_crypto *quic_crypto_new(void);
void		 quic_crypto_free(struct quic_crypto *);
int		 quic_derive(struct quic_crypto *, uint32_t, const uint8_t *,
		    size_t, struct quic_keys *);
enum quic_status quic_parse(struct quic_crypto *, const uint8_t *, size_t,
		    const uint8_t *, size_t, struct quic_initial *);
enum stream_res	 quic_gather(struct stream *, const struct quic_initial *);
const char	*quic_version_name(uint32_t);

#endif
