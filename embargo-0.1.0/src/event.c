/*
 * event.c: format and write block and audit events.
 *
 * Queue threads share one event file.  Each event is one write() of a
 * whole line to a descriptor opened with O_APPEND, so lines never mix;
 * reopening (after logrotate moved the file) opens the new file and
 * dup2()s it over the old descriptor number, which threads keep using
 * without a lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "event.h"
#include "json.h"
#include "log.h"
#include "packet.h"
#include "xmalloc.h"

#define EVENT_LINEMAX	2048

struct eventlog {
	char	*path;
	int	 fd;		/* -1: syslog only */
};

struct jbuf {
	char	*p;
	size_t	 off;
	size_t	 size;
};

static void	jb_raw(struct jbuf *, const char *);
static void	jb_str(struct jbuf *, const char *);
static void	jb_kv(struct jbuf *, const char *, const char *);
static void	jb_addr(struct jbuf *, const char *, const struct addr *,
		    uint16_t);
static const char *proto_name(enum proto);
static const char *action_name(const struct event *);
static void	jb_protocol(struct jbuf *, const struct event *);
static int	open_file(const char *);

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
	default:
		return ("other");
	}
}

static int
open_file(const char *path)
{
	return (open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
}

/* Open the event file (path may be NULL: syslog only). */
struct eventlog *
eventlog_open(const char *path)
{
	struct eventlog	*el;

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
	return (el);
}

/* Reopen the file at its path, keeping the descriptor number. */
int
eventlog_reopen(struct eventlog *el)
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
	return (0);
}

void
eventlog_close(struct eventlog *el)
{
	if (el == NULL)
		return;
	if (el->fd != -1)
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

/* A JSON string; names from packets may hold '"' or '\\'. */
static void
jb_str(struct jbuf *j, const char *s)
{
	j->off += json_escape(j->p + j->off, j->size - j->off, s);
}

static void
jb_kv(struct jbuf *j, const char *key, const char *val)
{
	jb_str(j, key);
	jb_raw(j, ":");
	jb_str(j, val);
}

static void
jb_addr(struct jbuf *j, const char *key, const struct addr *a, uint16_t port)
{
	char	 buf[64];

	jb_str(j, key);
	jb_raw(j, ":{");
	jb_kv(j, "ip", addr_ntop(a, buf, sizeof(buf)));
	snprintf(buf, sizeof(buf), ",\"port\":%u}", port);
	jb_raw(j, buf);
}

static const char *
action_name(const struct event *e)
{
	switch (e->action) {
	case EVENT_AUDIT:
		return ("audit");
	case EVENT_ALLOW:
		return ("allow");
	default:
		return (e->reject ? "reject" : "block");
	}
}

/* The protocol's own fields: the DNS question, TLS SNI, HTTP host. */
static void
jb_protocol(struct jbuf *j, const struct event *e)
{
	char	 tmp[64];
	int	 i;

	if (e->proto == PROTO_DNS) {
		jb_raw(j, ",\"dns\":{");
		jb_kv(j, "type", e->answer ? "answer" : "query");
		jb_raw(j, ",\"question\":{");
		jb_kv(j, "name", e->name);
		jb_raw(j, ",");
		jb_kv(j, "type", dns_type_name(e->qtype, tmp, sizeof(tmp)));
		jb_raw(j, "}");
		if (e->nanswers > 0) {
			jb_raw(j, ",\"resolved_ip\":[");
			for (i = 0; i < e->nanswers; i++) {
				jb_raw(j, i ? "," : "");
				jb_str(j, addr_ntop(&e->answers[i], tmp,
				    sizeof(tmp)));
			}
			jb_raw(j, "]");
		}
		jb_raw(j, "}");
	} else if (e->proto == PROTO_TLS) {
		jb_raw(j, ",\"tls\":{\"client\":{");
		if (e->name != NULL)
			jb_kv(j, "server_name", e->name);
		jb_raw(j, "}");
		if (e->alpn != NULL && e->alpn[0] != '\0') {
			jb_raw(j, ",");
			jb_kv(j, "next_protocol", e->alpn);
		}
		jb_raw(j, "}");
	} else if (e->name != NULL) {
		jb_raw(j, ",\"url\":{");
		jb_kv(j, "domain", e->name);
		jb_raw(j, "}");
	}
}

/*
 * One event as a JSON object on one line, newline included; returns
 * its length.  ECS field names, nested as ECS documents them.
 */
size_t
event_format_json(const struct event *e, char *buf, size_t size)
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
	jb_raw(&j, ",\"event\":{");
	jb_kv(&j, "action", action_name(e));
	jb_raw(&j, ",\"kind\":\"event\",\"category\":[\"network\"],"
	    "\"type\":[\"connection\",");
	jb_raw(&j, e->action == EVENT_BLOCK ? "\"denied\"]" : "\"allowed\"]");
	if (e->reason != NULL) {
		jb_raw(&j, ",");
		jb_kv(&j, "reason", e->reason);
	}
	jb_raw(&j, ",\"module\":\"embargo\"},\"rule\":{");
	jb_kv(&j, "name", e->rule);
	jb_raw(&j, ",");
	jb_kv(&j, "ruleset", e->ruleset);
	jb_raw(&j, ",");
	jb_kv(&j, "category", e->category ? e->category : "");
	jb_raw(&j, "},\"network\":{");
	jb_kv(&j, "protocol", proto_name(e->proto));
	jb_raw(&j, ",");
	jb_kv(&j, "transport", e->t->l4 == IPPROTO_TCP ? "tcp" : "udp");
	jb_raw(&j, ",");
	jb_kv(&j, "type", e->t->src.family == AF_INET ? "ipv4" : "ipv6");
	jb_raw(&j, "},");
	jb_addr(&j, "source", &e->t->src, e->t->sport);
	jb_raw(&j, ",");
	jb_addr(&j, "destination", &e->t->dst, e->t->dport);
	jb_protocol(&j, e);
	jb_raw(&j, ",\"embargo\":{");
	jb_kv(&j, "list", e->ruleset);
	if (e->vendor != NULL) {
		jb_raw(&j, ",");
		jb_kv(&j, "vendor", e->vendor);
	}
	jb_raw(&j, ",");
	jb_kv(&j, "match", e->match);
	snprintf(tmp, sizeof(tmp), ",\"queue\":%u,\"ech\":%s}}\n", e->queue,
	    e->ech ? "true" : "false");
	jb_raw(&j, tmp);
	return (j.off);
}

/*
 * Write one event: a human line to the log and, if a file is open, a
 * JSON line.  Returns -1 when the file write failed (counted by the
 * caller; the line still went to the log).
 */
int
event_emit(struct eventlog *el, const struct event *e)
{
	char	 line[EVENT_LINEMAX], s[64], t[64];
	size_t	 n;

	log_info("%s %s%s %s from %s port %u to %s port %u: list %s, %s rule "
	    "%s%s%s%s", action_name(e), proto_name(e->proto), e->answer ?
	    " answer" : "", e->name ? e->name : "(no name)",
	    addr_ntop(&e->t->src, s, sizeof(s)), e->t->sport,
	    addr_ntop(&e->t->dst, t, sizeof(t)), e->t->dport, e->ruleset,
	    e->match, e->rule, e->reason ? " (" : "", e->reason ? e->reason :
	    "", e->reason ? ")" : "");
	if (el == NULL || el->fd == -1)
		return (0);
	n = event_format_json(e, line, sizeof(line));
	if (write(el->fd, line, n) != (ssize_t)n)
		return (-1);
	return (0);
}
