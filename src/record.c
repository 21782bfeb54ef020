/*
 * record.c: the record of each decision (an "event" in ECS terms):
 * format it and write it.
 *
 * Queue threads share one event file.  Each thread formats its events
 * into a buffer of its own (struct record_buf, allocated once) and
 * writes it out after each batch: one write() of whole lines to a
 * descriptor opened with O_APPEND, so lines never mix, no thread holds
 * a lock while it formats, and the threads meet in the kernel once a
 * batch instead of once an event.  A descriptor that is not a regular
 * file (a pipe or FIFO to a log shipper) gets at most PIPE_BUF bytes of
 * whole lines a write, the most a pipe keeps in one piece.  Reopening
 * (after logrotate moved the file) opens the new file and dup2()s it
 * over the old descriptor number, which threads keep using without a
 * lock; a buffer is always empty between batches, so nothing formatted
 * before a reopen is left behind for the old file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "dns.h"
#include "record.h"
#include "json.h"
#include "log.h"
#include "packet.h"
#include "xmalloc.h"

#define EVENT_LINEMAX	4096
/* A thread's buffer: room for a batch of typical (700-byte) events. */
#define RECORD_BUFSIZE	(16 * EVENT_LINEMAX)

_Static_assert(EVENT_LINEMAX <= PIPE_BUF, "a line fits in one pipe write");

struct record_log {
	char		*path;
	int		 fd;		/* -1: syslog only */
	int		 borrowed;	/* fd is not ours to close */
	atomic_size_t	 chunk;		/* the most bytes a write() */
};

struct record_buf {
	struct record_log	*el;
	char			*p;	/* NULL: no event file */
	size_t			 off;
	size_t			 size;
};

struct jbuf {
	char	*p;
	size_t	 off;
	size_t	 size;
};

static void	jb_raw(struct jbuf *, const char *);
static void	jb_sep(struct jbuf *);
static void	jb_str(struct jbuf *, const char *);
static void	jb_key(struct jbuf *, const char *);
static void	jb_kv(struct jbuf *, const char *, const char *);
static void	jb_opt(struct jbuf *, const char *, const char *);
static void	jb_open(struct jbuf *, const char *, const char *);
static void	jb_hex(struct jbuf *, const char *, const char *);
static void	jb_addr(struct jbuf *, const char *, const struct addr *,
		    uint16_t);
static const char *proto_name(enum proto);
static const char *action_name(const struct record *);
static void	jb_event(struct jbuf *, const struct record *);
static void	jb_observer(struct jbuf *);
static void	jb_protocol(struct jbuf *, const struct record *);
static void	jb_alpn(struct jbuf *, const char *);
static void	jb_embargo(struct jbuf *, const struct record *);
static void	observer_init(void);
static int	open_file(const char *);
static void	set_chunk(struct record_log *);
static size_t	chunk_len(const char *, size_t, size_t);
static size_t	count_lines(const char *, size_t);

/* The ECS version the field names follow. */
#define EVENT_ECS_VERSION	"8.11.0"

static pthread_once_t	 observer_once = PTHREAD_ONCE_INIT;
static char		 observer_host[256];

static const char *
proto_name(enum proto p)
{
	switch (p) {
	case PROTO_DNS:
		return ("dns");
	case PROTO_TLS:
		return ("tls");
	case PROTO_HTTP:
		return ("http");
	case PROTO_QUIC:
		return ("quic");
	default:
		return ("other");
	}
}

static int
open_file(const char *path)
{
	return (open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
}

/* A regular file takes a whole buffer in one write; anything else less. */
static void
set_chunk(struct record_log *el)
{
	struct stat	 st;
	size_t		 chunk = PIPE_BUF;

	if (fstat(el->fd, &st) == 0 && S_ISREG(st.st_mode))
		chunk = SIZE_MAX;
	atomic_store_explicit(&el->chunk, chunk, memory_order_relaxed);
}

/* Open the event file (path may be NULL: syslog only). */
struct record_log *
record_log_open(const char *path)
{
	struct record_log	*el;

	el = xcalloc(1, sizeof(*el));
	el->fd = -1;
	if (path == NULL)
		return (el);
	if ((el->fd = open_file(path)) == -1) {
		log_warn("%s", path);
		free(el);
		return (NULL);
	}
	el->path = xstrdup(path);
	set_chunk(el);
	return (el);
}

/* Write events to an open descriptor (standard output), not a file. */
struct record_log *
eventlog_open_fd(int fd)
{
	struct record_log	*el;

	el = xcalloc(1, sizeof(*el));
	el->fd = fd;
	el->borrowed = 1;
	set_chunk(el);
	return (el);
}

/* Reopen the file at its path, keeping the descriptor number. */
int
record_log_reopen(struct record_log *el)
{
	int	 fd;

	if (el->path == NULL)
		return (0);
	if ((fd = open_file(el->path)) == -1) {
		log_warn("%s: reopen", el->path);
		return (-1);
	}
	if (dup2(fd, el->fd) == -1) {
		log_warn("%s: dup2", el->path);
		close(fd);
		return (-1);
	}
	close(fd);
	set_chunk(el);
	return (0);
}

void
record_log_close(struct record_log *el)
{
	if (el == NULL)
		return;
	if (el->fd != -1 && !el->borrowed)
		close(el->fd);
	free(el->path);
	free(el);
}

static void
jb_raw(struct jbuf *j, const char *s)
{
	size_t	 n = strlen(s);

	if (j->off + n >= j->size)
		n = j->size - j->off - 1;
	memcpy(j->p + j->off, s, n);
	j->off += n;
	j->p[j->off] = '\0';
}

/* A comma, unless this is the first member of an object or array. */
static void
jb_sep(struct jbuf *j)
{
	char	 c = j->off > 0 ? j->p[j->off - 1] : '{';

	if (c != '{' && c != '[' && c != ':')
		jb_raw(j, ",");
}

/* A JSON string, valid UTF-8 whatever bytes s holds (see json.c). */
static void
jb_str(struct jbuf *j, const char *s)
{
	j->off += json_escape(j->p + j->off, j->size - j->off, s);
}

static void
jb_key(struct jbuf *j, const char *key)
{
	jb_sep(j);
	jb_str(j, key);
	jb_raw(j, ":");
}

static void
jb_kv(struct jbuf *j, const char *key, const char *val)
{
	jb_key(j, key);
	jb_str(j, val);
}

/* An optional field: left out when NULL or empty, never "". */
static void
jb_opt(struct jbuf *j, const char *key, const char *val)
{
	if (val != NULL && val[0] != '\0')
		jb_kv(j, key, val);
}

/* Open "key":{ (or [ when br says so). */
static void
jb_open(struct jbuf *j, const char *key, const char *br)
{
	jb_key(j, key);
	jb_raw(j, br);
}

/*
 * Bytes that are not UTF-8 came out as U+FFFD; keep them, in hex, so
 * that the event still says exactly what the packet said.
 */
static void
jb_hex(struct jbuf *j, const char *key, const char *s)
{
	char	 hex[3];

	if (s == NULL || json_utf8_valid(s))
		return;
	jb_key(j, key);
	jb_raw(j, "\"");
	for (; *s != '\0'; s++) {
		snprintf(hex, sizeof(hex), "%02x", (unsigned char)*s);
		jb_raw(j, hex);
	}
	jb_raw(j, "\"");
}

static void
jb_addr(struct jbuf *j, const char *key, const struct addr *a, uint16_t port)
{
	char	 buf[64];

	jb_open(j, key, "{");
	jb_kv(j, "ip", addr_ntop(a, buf, sizeof(buf)));
	snprintf(buf, sizeof(buf), ",\"port\":%u}", port);
	jb_raw(j, buf);
}

static const char *
action_name(const struct record *e)
{
	switch (e->action) {
	case RECORD_AUDIT:
		return ("audit");
	case RECORD_ALLOW:
		return ("allow");
	default:
		return (e->reject ? "reject" : "block");
	}
}

static void
observer_init(void)
{
	if (gethostname(observer_host, sizeof(observer_host)) == -1)
		observer_host[0] = '\0';
	observer_host[sizeof(observer_host) - 1] = '\0';
}

/*
 * ECS event: the firewall did what the action says, so the outcome is
 * a success; whether the connection went through is in event.type.
 */
static void
jb_event(struct jbuf *j, const struct record *e)
{
	jb_open(j, "event", "{");
	jb_kv(j, "action", action_name(e));
	jb_raw(j, ",\"kind\":\"event\",\"category\":[\"network\"],"
	    "\"type\":[\"connection\",");
	jb_raw(j, e->action == RECORD_BLOCK ? "\"denied\"]" : "\"allowed\"]");
	jb_kv(j, "outcome", "success");
	jb_opt(j, "reason", e->reason);
	jb_kv(j, "dataset", "embargo.events");
	jb_kv(j, "module", "embargo");
	jb_raw(j, "}");
}

/* ECS observer: who saw the packet (the host embargod runs on). */
static void
jb_observer(struct jbuf *j)
{
	pthread_once(&observer_once, observer_init);
	jb_open(j, "observer", "{");
	jb_kv(j, "type", "firewall");
	jb_kv(j, "vendor", "embargo");
	jb_kv(j, "product", "embargod");
	jb_kv(j, "version", PACKAGE_VERSION);
	jb_opt(j, "hostname", observer_host);
	jb_raw(j, "}");
}

/*
 * The protocol's own fields: the DNS question, TLS SNI, HTTP host.  A
 * ClientHello only offers protocols; none is negotiated yet, so ECS
 * tls.next_protocol is never set and the offer is under embargo.
 */
static void
jb_protocol(struct jbuf *j, const struct record *e)
{
	char	 tmp[64];
	int	 i;

	if (e->proto == PROTO_DNS) {
		jb_open(j, "dns", "{");
		jb_kv(j, "type", e->answer ? "answer" : "query");
		jb_open(j, "question", "{");
		jb_opt(j, "name", e->name);
		jb_kv(j, "type", dns_type_name(e->qtype, tmp, sizeof(tmp)));
		jb_raw(j, "}");
		if (e->nanswers > 0) {
			jb_open(j, "resolved_ip", "[");
			for (i = 0; i < e->nanswers; i++) {
				jb_sep(j);
				jb_str(j, addr_ntop(&e->answers[i], tmp,
				    sizeof(tmp)));
			}
			jb_raw(j, "]");
		}
		jb_raw(j, "}");
	} else if (e->proto == PROTO_TLS || e->proto == PROTO_QUIC) {
		jb_open(j, "tls", "{");
		jb_open(j, "client", "{");
		jb_opt(j, "server_name", e->name);
		jb_raw(j, "}}");
	} else if (e->name != NULL && e->name[0] != '\0') {
		jb_open(j, "url", "{");
		jb_kv(j, "domain", e->name);
		jb_raw(j, "}");
	}
}

/* The offered ALPN list, "h2,http/1.1", as an array. */
static void
jb_alpn(struct jbuf *j, const char *alpn)
{
	char		 one[256];
	const char	*p, *q;
	size_t		 n;

	if (alpn == NULL || alpn[0] == '\0')
		return;
	jb_open(j, "alpn_offered", "[");
	for (p = alpn; *p != '\0'; p = *q ? q + 1 : q) {
		if ((q = strchr(p, ',')) == NULL)
			q = p + strlen(p);
		if ((n = (size_t)(q - p)) >= sizeof(one))
			n = sizeof(one) - 1;
		memcpy(one, p, n);
		one[n] = '\0';
		if (n > 0) {
			jb_sep(j);
			jb_str(j, one);
		}
	}
	jb_raw(j, "]");
}

/* What ECS has no field for. */
static void
jb_embargo(struct jbuf *j, const struct record *e)
{
	char	 tmp[64];

	jb_open(j, "embargo", "{");
	jb_opt(j, "list", e->ruleset);
	jb_opt(j, "vendor", e->vendor);
	jb_opt(j, "category", e->category);
	jb_opt(j, "match", e->match);
	if (e->malformed) {
		jb_key(j, "malformed");
		jb_raw(j, "true");
		jb_opt(j, "raw_name", e->raw);
		jb_hex(j, "raw_name_hex", e->raw);
	}
	if (e->capture == NULL) {
		snprintf(tmp, sizeof(tmp), "%u", e->queue);
		jb_key(j, "queue");
		jb_raw(j, tmp);
	}
	if (e->proto == PROTO_TLS || e->proto == PROTO_QUIC) {
		jb_key(j, "ech");
		jb_raw(j, e->ech ? "true" : "false");
		jb_alpn(j, e->alpn);
	}
	if (e->quic_version != NULL) {
		jb_open(j, "quic", "{");
		jb_kv(j, "version", e->quic_version);
		jb_raw(j, "}");
	}
	jb_hex(j, "name_hex", e->name);
	if (e->capture != NULL) {
		jb_open(j, "capture", "{");
		jb_kv(j, "file", e->capture);
		snprintf(tmp, sizeof(tmp), "%" PRIu64, e->packet);
		jb_key(j, "packet");
		jb_raw(j, tmp);
		jb_raw(j, "}");
	}
	jb_raw(j, "}");
}

/*
 * One event as a JSON object on one line, newline included; returns
 * its length.  ECS field names, nested as ECS documents them; every
 * field is documented in embargod(8), EVENTS.  No field is ever "".
 */
size_t
record_format_json(const struct record *e, char *buf, size_t size)
{
	struct jbuf		 j = { buf, 0, size };
	struct tm		 tm;
	time_t			 sec = (time_t)(e->time_ms / 1000);
	char			 ts[96], tmp[64];

	gmtime_r(&sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%03uZ", tmp,
	    (unsigned)(e->time_ms % 1000));
	buf[0] = '\0';
	jb_raw(&j, "{");
	jb_kv(&j, "@timestamp", ts);
	jb_raw(&j, ",\"ecs\":{\"version\":\"" EVENT_ECS_VERSION "\"}");
	jb_event(&j, e);
	jb_observer(&j);
	jb_open(&j, "rule", "{");
	jb_opt(&j, "name", e->rule);
	jb_opt(&j, "ruleset", e->ruleset);
	jb_opt(&j, "category", e->category);
	jb_raw(&j, "}");
	jb_open(&j, "network", "{");
	jb_kv(&j, "protocol", proto_name(e->proto));
	jb_kv(&j, "transport", e->t->l4 == IPPROTO_TCP ? "tcp" : "udp");
	jb_kv(&j, "type", e->t->src.family == AF_INET ? "ipv4" : "ipv6");
	jb_raw(&j, "}");
	jb_addr(&j, "source", &e->t->src, e->t->sport);
	jb_addr(&j, "destination", &e->t->dst, e->t->dport);
	jb_protocol(&j, e);
	jb_embargo(&j, e);
	jb_raw(&j, "}\n");
	return (j.off);
}

/*
 * A queue thread's event buffer for el (NULL or without a file: the
 * events only go to the log).  Allocated here, once, never on the
 * packet path.
 */
struct record_buf *
record_buf_new(struct record_log *el)
{
	struct record_buf	*b;

	b = xcalloc(1, sizeof(*b));
	b->el = el;
	if (el != NULL && el->fd != -1) {
		b->size = RECORD_BUFSIZE;
		b->p = xmalloc(b->size);
	}
	return (b);
}

/* Write out what is left (the caller flushed first to count it), free. */
void
record_buf_free(struct record_buf *b)
{
	if (b == NULL)
		return;
	(void)record_flush(b);
	free(b->p);
	free(b);
}

/* The longest run of whole lines of p (len bytes) within max bytes. */
static size_t
chunk_len(const char *p, size_t len, size_t max)
{
	const char	*nl;

	if (len <= max)
		return (len);
	if ((nl = memrchr(p, '\n', max)) == NULL)
		return (max);
	return ((size_t)(nl - p) + 1);
}

/* How many lines (events) end in p's len bytes. */
static size_t
count_lines(const char *p, size_t len)
{
	const char	*nl, *end = p + len;
	size_t		 n = 0;

	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL;
	    p = nl + 1)
		n++;
	return (n);
}

/*
 * Write the buffered events out, in the order they came, and empty the
 * buffer.  Returns how many were lost (a write failed: disk full, a
 * closed pipe); a line cut short by a failed write counts as lost.
 */
size_t
record_flush(struct record_buf *b)
{
	size_t	 off = 0, lost = 0, n, max;
	ssize_t	 r;

	if (b == NULL || b->off == 0)
		return (0);
	max = atomic_load_explicit(&b->el->chunk, memory_order_relaxed);
	while (off < b->off) {
		n = chunk_len(b->p + off, b->off - off, max);
		if ((r = write(b->el->fd, b->p + off, n)) == -1 &&
		    errno == EINTR)
			continue;
		if (r <= 0) {
			lost = count_lines(b->p + off, b->off - off);
			break;
		}
		off += (size_t)r;
	}
	b->off = 0;
	return (lost);
}

/*
 * Record one event: a human line to the log and, if a file is open, a
 * JSON line into the thread's buffer (written out when it is full and
 * by record_flush()).  Returns how many events a write made on the way
 * lost (counted by the caller; their lines still went to the log).
 */
size_t
record_emit(struct record_buf *b, const struct record *e)
{
	char	 s[64], t[64];
	size_t	 lost = 0, n;

	log_info("%s %s%s %s%s from %s port %u to %s port %u: list %s, %s "
	    "rule %s%s%s%s", action_name(e), proto_name(e->proto), e->answer ?
	    " answer" : "", e->name ? e->name : "(no name)", e->malformed ?
	    " (malformed name)" : "",
	    addr_ntop(&e->t->src, s, sizeof(s)), e->t->sport,
	    addr_ntop(&e->t->dst, t, sizeof(t)), e->t->dport, e->ruleset,
	    e->match, e->rule, e->reason ? " (" : "", e->reason ? e->reason :
	    "", e->reason ? ")" : "");
	if (b == NULL || b->p == NULL)
		return (0);
	if (b->size - b->off < EVENT_LINEMAX)
		lost = record_flush(b);
	n = record_format_json(e, b->p + b->off, EVENT_LINEMAX);
	/* a line cut at EVENT_LINEMAX still ends, never runs into the next */
	if (n > 0 && b->p[b->off + n - 1] != '\n')
		b->p[b->off + n - 1] = '\n';
	b->off += n;
	return (lost);
}
