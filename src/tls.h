/*
 * tls.h: the names in a TLS ClientHello.
 *
 * struct tls_reader reads a ClientHello as its bytes come, in order,
 * and keeps its place between calls without keeping the bytes:
 * tls_reader_init(), then tls_read() on each run of new bytes until it
 * says something else than TLS_NEED_MORE; that answer then stays.  With
 * records set it reads the client's TCP stream from its first byte
 * (TLS records around the handshake message, joined however they are
 * cut; empty records skipped); without, a bare handshake message
 * (QUIC's CRYPTO stream).  A ClientHello of any size is read in the
 * reader's fixed state; only max (bare messages: the caller's buffer)
 * bounds it, TLS_TOO_BIG as soon as the header says more.  h.has_sni is
 * set as soon as the server name's last byte has come, before the rest
 * of the message: a caller may judge it then.  TLS_NOT_TLS comes as
 * soon as the first bytes cannot start a handshake record (or a bare
 * ClientHello).  On TLS_DONE, h holds what the ClientHello said; on
 * TLS_MALFORMED, h.err says why (a static string) and has_sni still
 * tells of a server name read before the fault.  An empty host_name is
 * no name; a ":port" after one is cut off.  Bytes after the ClientHello
 * are ignored.
 *
 * tls_parse_hello() and tls_parse_handshake() are the same reader over
 * one buffer: the client's stream, or a bare message at most max bytes
 * long, as much as has come.
 *
 * tls_looks_like(): 1 if buf could start a TLS handshake record (22, 3,
 * and a minor version up to 4 once there), 0 if not, -1 if too short
 * to say.
 */
#ifndef EMBARGO_TLS_H
#define EMBARGO_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"

enum tls_status {
	TLS_DONE,	/* a whole ClientHello was parsed */
	TLS_NEED_MORE,	/* a ClientHello so far; more bytes needed */
	TLS_NOT_TLS,	/* the stream does not start a TLS handshake */
	TLS_MALFORMED,	/* a ClientHello that breaks the rules */
	TLS_TOO_BIG	/* a bare message longer than max */
};

#define TLS_ALPN_MAX	64

struct tls_hello {
	int		 has_sni;
	struct name	 sni;		/* the first host_name, normalised;
					   sni.partial: valid only in part */
	char		 alpn[TLS_ALPN_MAX];	/* "h2,http/1.1", may be cut */
	int		 ech;		/* encrypted_client_hello present */
	int		 tls13;		/* supported_versions has TLS 1.3 */
	const char	*err;		/* why it was refused */
};

#define TLS_NAME_HOLD	512	/* bytes of a server name kept: its end */

struct tls_reader {
	struct tls_hello h;		/* what was found so far */
	enum tls_status	 status;
	uint32_t	 win[4];	/* bytes left in each open window */
	uint32_t	 acc;		/* the integer being read */
	uint32_t	 run;		/* bytes left to pass over or keep */
	uint32_t	 rec_left;	/* records: fragment bytes left */
	uint32_t	 max;		/* 0, or the longest message taken */
	uint16_t	 ext;		/* the extension being read */
	uint16_t	 namelen;
	uint16_t	 alpnoff;
	uint8_t		 depth;		/* windows open */
	uint8_t		 field;		/* what is being read */
	uint8_t		 want;		/* bytes of acc still to come */
	uint8_t		 records;	/* TLS records around the message */
	uint8_t		 first;		/* no record header read yet */
	uint8_t		 rhave;		/* bytes of rhdr read */
	uint8_t		 rhdr[5];
	uint8_t		 seen;		/* extensions read, one of each */
	uint8_t		 sni_type;
	uint8_t		 namecut;	/* the name's start was lost */
	uint8_t		 name[TLS_NAME_HOLD];
};

void		 tls_reader_init(struct tls_reader *, int, size_t);
enum tls_status	 tls_read(struct tls_reader *, const uint8_t *, size_t);
enum tls_status	 tls_parse_hello(const uint8_t *, size_t, struct tls_hello *);
enum tls_status	 tls_parse_handshake(const uint8_t *, size_t, size_t,
		    struct tls_hello *);
int		 tls_looks_like(const uint8_t *, size_t);

#endif
