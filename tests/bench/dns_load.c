/*
 * dns_load: a light DNS load generator for tests/bench/queues.sh.
 *
 * dnsperf spends about as much CPU per query as embargod does to judge
 * it (a send and a receive system call each, and its own bookkeeping),
 * so on a two-core machine it takes the processor the second queue
 * thread needs.  This sends and receives in batches (sendmmsg(2),
 * recvmmsg(2)): a few system calls per hundred queries.  From each
 * client address (-a, any number) one UDP socket to the server keeps
 * WINDOW queries outstanding; an answer, or a second without one, frees
 * a slot.  Bounded in time (-l) and in flight (-w).  Prints totals in
 * dnsperf's words ("Queries sent:", "Queries lost:", "Queries per
 * second:") for the script to read.
 *
 * usage: dns_load -s server -d queryfile [-l seconds] [-w window]
 *	-a address [-a address ...]
 * The query file has a name and a type (A or AAAA) a line, as dnsperf's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#define MAXADDR		64
#define MAXQUERY	100000
#define QMAX		300	/* bytes of one query */
#define BATCH		64
#define TIMEOUT_NS	1000000000ULL

struct query {
	uint8_t		 b[QMAX];
	size_t		 len;
};

struct client {
	int		 fd;
	uint16_t	 next_id;	/* the id of the next query */
	uint16_t	 oldest;	/* the oldest id maybe still out */
	uint32_t	 out;		/* ids in [oldest, next_id) */
	uint32_t	 inflight;	/* of those, not answered yet */
	uint32_t	 qi;		/* next query of the list */
	uint64_t	 sent_ns[65536];
	uint8_t		 pending[65536];
};

static struct query	*queries;
static size_t		 nqueries;
static uint64_t		 sent, answered, lost;

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* A query for name (type A or AAAA) in wire format; -1 if it will not fit. */
static int
encode(struct query *q, const char *name, const char *type)
{
	uint8_t		*p = q->b + 12, *end = q->b + QMAX - 5;
	const char	*s = name, *dot;
	size_t		 n;

	memset(q->b, 0, 12);
	q->b[2] = 0x01;				/* RD */
	q->b[5] = 1;				/* QDCOUNT */
	while (*s != '\0') {
		dot = strchr(s, '.');
		n = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (n == 0 || n > 63 || p + 1 + n >= end)
			return (-1);
		*p++ = (uint8_t)n;
		memcpy(p, s, n);
		p += n;
		s += n;
		if (*s == '.')
			s++;
	}
	*p++ = 0;
	*p++ = 0;
	*p++ = strcmp(type, "AAAA") == 0 ? 28 : 1;
	*p++ = 0;
	*p++ = 1;				/* IN */
	q->len = (size_t)(p - q->b);
	return (0);
}

static void
load_queries(const char *path)
{
	FILE	*f;
	char	 line[512], name[300], type[16];

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	queries = calloc(MAXQUERY, sizeof(*queries));
	if (queries == NULL)
		exit(2);
	while (nqueries < MAXQUERY && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%299s %15s", name, type) == 2 &&
		    encode(&queries[nqueries], name, type) == 0)
			nqueries++;
	fclose(f);
	if (nqueries == 0) {
		fprintf(stderr, "%s: no queries\n", path);
		exit(2);
	}
}

static int
client_open(struct client *c, const char *addr, const char *server)
{
	struct sockaddr_in	 sin;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return (-1);
	sin.sin_port = htons(53);
	if (inet_pton(AF_INET, server, &sin.sin_addr) != 1 ||
	    connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return (-1);
	c->next_id = c->oldest = (uint16_t)(random() & 0xffff);
	return (0);
}

/* Free the slots at the old end that were answered or timed out. */
static void
client_expire(struct client *c, uint64_t now)
{
	while (c->out > 0) {
		if (c->pending[c->oldest]) {
			if (now - c->sent_ns[c->oldest] < TIMEOUT_NS)
				break;
			c->pending[c->oldest] = 0;
			c->inflight--;
			lost++;
		}
		c->oldest++;
		c->out--;
	}
}

/* Fill the window: up to BATCH queries a sendmmsg(). */
static void
client_send(struct client *c, uint32_t window, uint64_t now)
{
	struct mmsghdr	 m[BATCH];
	struct iovec	 iov[BATCH];
	uint8_t		 b[BATCH][QMAX];
	struct query	*q;
	int		 n = 0, i, r;

	while (c->inflight + (uint32_t)n < window &&
	    c->out + (uint32_t)n < 60000 && n < BATCH) {
		q = &queries[c->qi++ % nqueries];
		memcpy(b[n], q->b, q->len);
		b[n][0] = (uint8_t)((c->next_id + n) >> 8);
		b[n][1] = (uint8_t)(c->next_id + n);
		iov[n].iov_base = b[n];
		iov[n].iov_len = q->len;
		memset(&m[n], 0, sizeof(m[n]));
		m[n].msg_hdr.msg_iov = &iov[n];
		m[n].msg_hdr.msg_iovlen = 1;
		n++;
	}
	if (n == 0 || (r = sendmmsg(c->fd, m, (unsigned)n, 0)) <= 0)
		return;
	for (i = 0; i < r; i++) {
		c->sent_ns[c->next_id] = now;
		c->pending[c->next_id] = 1;
		c->next_id++;
	}
	c->out += (uint32_t)r;
	c->inflight += (uint32_t)r;
	sent += (uint64_t)r;
}

/* Take every answer waiting, BATCH a recvmmsg(). */
static void
client_recv(struct client *c)
{
	struct mmsghdr	 m[BATCH];
	struct iovec	 iov[BATCH];
	uint8_t		 b[BATCH][512];
	uint16_t	 id;
	int		 i, r;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = b[i];
			iov[i].iov_len = sizeof(b[i]);
			memset(&m[i], 0, sizeof(m[i]));
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		if ((r = recvmmsg(c->fd, m, BATCH, MSG_DONTWAIT, NULL)) <= 0)
			return;
		for (i = 0; i < r; i++) {
			if (m[i].msg_len < 12)
				continue;
			id = (uint16_t)(b[i][0] << 8 | b[i][1]);
			if (c->pending[id]) {
				c->pending[id] = 0;
				c->inflight--;
				answered++;
			}
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: dns_load -s server -d queryfile [-l seconds] "
	    "[-w window] -a address ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct client	 cl[MAXADDR];
	struct pollfd		 pfd[MAXADDR];
	const char		*server = NULL, *file = NULL, *addr[MAXADDR];
	uint64_t		 start, end, now;
	double			 secs;
	uint32_t		 window = 100;
	int			 ch, i, na = 0, seconds = 10;

	while ((ch = getopt(argc, argv, "a:d:l:s:w:")) != -1) {
		switch (ch) {
		case 'a':
			if (na == MAXADDR)
				usage();
			addr[na++] = optarg;
			break;
		case 'd':
			file = optarg;
			break;
		case 'l':
			seconds = atoi(optarg);
			break;
		case 's':
			server = optarg;
			break;
		case 'w':
			window = (uint32_t)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (server == NULL || file == NULL || na == 0 || seconds < 1 ||
	    seconds > 3600 || window < 1 || window > 4096)
		usage();
	load_queries(file);
	srandom((unsigned)getpid());
	for (i = 0; i < na; i++) {
		if (client_open(&cl[i], addr[i], server) == -1) {
			fprintf(stderr, "%s: %s\n", addr[i], strerror(errno));
			return (2);
		}
		pfd[i].fd = cl[i].fd;
		pfd[i].events = POLLIN;
	}
	start = now_ns();
	end = start + (uint64_t)seconds * 1000000000ULL;
	while ((now = now_ns()) < end) {
		for (i = 0; i < na; i++) {
			client_expire(&cl[i], now);
			client_send(&cl[i], window, now);
		}
		if (poll(pfd, (nfds_t)na, 10) > 0)
			for (i = 0; i < na; i++)
				if (pfd[i].revents & POLLIN)
					client_recv(&cl[i]);
	}
	/* the last second's answers may still come */
	end = now_ns() + TIMEOUT_NS;
	while ((now = now_ns()) < end) {
		if (poll(pfd, (nfds_t)na, 10) > 0)
			for (i = 0; i < na; i++)
				client_recv(&cl[i]);
	}
	for (i = 0; i < na; i++)
		for (ch = 0; ch < 65536; ch++)
			lost += cl[i].pending[ch];
	secs = (double)seconds;
	printf("  Queries sent:         %llu\n", (unsigned long long)sent);
	printf("  Queries completed:    %llu\n", (unsigned long long)answered);
	printf("  Queries lost:         %llu\n", (unsigned long long)lost);
	printf("  Queries per second:   %f\n", (double)answered / secs);
	return (0);
}
