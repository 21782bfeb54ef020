/*
 * tls.h: the names in a TLS ClientHello.
 *
 * tls_parse_hello() reads the client's TCP byte stream from its first
 * byte, as much as has come, and keeps no state between calls: call it
 * again on the longer stream when it says TLS_NEED_MORE.  Handshake
 * fragments of consecutive records are joined in scratch when the
 * ClientHello spans records; one record holding it all is read in
 * place.  A ClientHello longer than scratchlen (its 4-byte handshake
 * header included) is TLS_TOO_BIG however it is cut.  TLS_NOT_TLS comes
 * as soon as the first bytes cannot start a handshake record.  On
 * TLS_DONE, h holds what the ClientHello said; on TLS_MALFORMED, err
 * says why (a static string) and has_sni still tells of a server name
 * read before the fault.  Empty handshake records are skipped; an
 * empty host_name is no name.  Bytes after the ClientHello are ignored.
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
	TLS_TOO_BIG	/* larger than the scratch buffer allows */
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

enum tls_status	 tls_parse_hello(const uint8_t *, size_t, uint8_t *, size_t,
		    struct tls_hello *);
int		 tls_looks_like(const uint8_t *, size_t);

#endif
