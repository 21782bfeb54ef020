/*
 * bench_quic: microseconds per QUIC client Initial.
 *
 * The RFC 9001 and RFC 9369 sample Initials (1200 bytes each, the same
 * connection ID, different versions) are read in turn, so that the
 * one-entry key cache never hits and every packet pays the whole way:
 * key derivation (HKDF), header protection (AES-ECB), payload
 * decryption (AES-128-GCM), the frame walk and the ClientHello parse.
 * Beside it, in the same run: the derivation alone, the same packet
 * again and again (keys cached: a flow's second Initial), and the
 * ClientHello parse alone.  Times are the process's CPU time, so that
 * a machine shared with other work still gives comparable figures.
 * Not a test: it prints figures.
 *
 * usage: bench_quic [-n packets]
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quic.h"
#include "quic_vectors.h"
#include "tls.h"

#define PKT_MAX	1500

static double	now_us(void);
static size_t	unhex(const char *, uint8_t *, size_t);
static void	report(const char *, double, long);

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3);
}

static size_t
unhex(const char *s, uint8_t *out, size_t size)
{
	size_t	 n = 0;
	unsigned v;

	for (; s[0] != '\0' && s[1] != '\0' && n < size; s += 2) {
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return (n);
}

static void
report(const char *what, double us, long n)
{
	printf("%-44s %8.2f us CPU  (%.0f per second of CPU)\n", what,
	    us / (double)n, (double)n / us * 1e6);
}

int
main(int argc, char **argv)
{
	struct quic_crypto	*qc;
	struct quic_initial	 qi;
	struct quic_keys	 k;
	struct tls_hello	 h;
	uint8_t			 pkt[2][PKT_MAX], cid[8];
	size_t			 len[2];
	long			 n = 20000, i, bad = 0;
	double			 t;
	int			 c;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n = strtol(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: bench_quic [-n packets]\n");
			return (1);
		}
	if (n <= 0 || n > 10000000)
		n = 20000;
	if ((qc = quic_crypto_new()) == NULL) {
		fprintf(stderr, "bench_quic: libcrypto has no HKDF/AES\n");
		return (1);
	}
	len[0] = unhex(rfc9001_packet, pkt[0], PKT_MAX);
	len[1] = unhex(rfc9369_packet, pkt[1], PKT_MAX);
	unhex(rfc_dcid, cid, sizeof(cid));

	t = now_us();
	for (i = 0; i < n; i++) {
		if (quic_parse(qc, pkt[i & 1], len[i & 1], NULL, 0, &qi) !=
		    QUIC_OK || tls_parse_handshake(qi.frag[0].p,
		    qi.frag[0].len, 16384, &h) != TLS_DONE)
			bad++;
	}
	report("Initial: derive + decrypt + walk + parse", now_us() - t, n);

	t = now_us();
	for (i = 0; i < n; i++)
		if (quic_derive(qc, (i & 1) ? QUIC_VERSION_2 : QUIC_VERSION_1,
		    cid, sizeof(cid), &k) == -1)
			bad++;
	report("  key derivation alone (HKDF x5)", now_us() - t, n);

	t = now_us();
	for (i = 0; i < n; i++)
		if (quic_parse(qc, pkt[0], len[0], NULL, 0, &qi) != QUIC_OK)
			bad++;
	report("  keys cached: unprotect + decrypt + walk", now_us() - t, n);

	t = now_us();
	for (i = 0; i < n; i++)
		if (tls_parse_handshake(qi.frag[0].p, qi.frag[0].len, 16384,
		    &h) != TLS_DONE)
			bad++;
	report("  ClientHello parse alone", now_us() - t, n);

	printf("packets %ld, 1200 bytes each, failures %ld\n", n, bad);
	quic_crypto_free(qc);
	return (bad != 0);
}
