/*
 * record.h: one record per block or audit decision: a line for syslog
 * and, when configured, a JSON line (Elastic Common Schema names) for a
 * SIEM.
 */
#ifndef EMBARGO_EVENT_H
#define EMBARGO_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"
#include "policy.h"

struct record {
	enum record_action	 action;
	int			 reject;	/* answered at once */
	enum proto		 proto;
	const char		*name;		/* seen in the packet; or NULL */
	int			 malformed;	/* the name was not clean */
	const char		*raw;		/* then as sent; or NULL */
	uint16_t		 qtype;		/* DNS */
	int			 answer;	/* a DNS answer, not a query */
	const struct addr	*answers;	/* its addresses */
	int			 nanswers;
	const char		*rule;		/* suffix, prefix, port, ... */
	const char		*match;		/* exact, suffix, prefix, ... */
	const char		*ruleset;	/* the list */
	const char		*vendor;	/* may be NULL */
	const char		*category;	/* may be NULL */
	const char		*reason;	/* may be NULL */
	const char		*alpn;		/* TLS, may be NULL */
	int			 ech;		/* TLS */
	const char		*quic_version;	/* QUIC, may be NULL */
	const struct tuple	*t;
	unsigned		 queue;
	uint64_t		 time_ms;	/* since the epoch */
	const char		*capture;	/* replayed from; or NULL */
	uint64_t		 packet;	/* its packet number, from 1 */
};

struct record_log;

/*
 * One per queue thread: its events, formatted into its own buffer and
 * written out whole lines at a time by record_flush() (after each
 * batch), so that threads never wait on one another for the file.
 */
struct record_buf;

struct record_log	*record_log_open(const char *);
struct record_log	*eventlog_open_fd(int);
int		 record_log_reopen(struct record_log *);
void		 record_log_close(struct record_log *);
struct record_buf	*record_buf_new(struct record_log *);
void		 record_buf_free(struct record_buf *);
size_t		 record_emit(struct record_buf *, const struct record *);
size_t		 record_flush(struct record_buf *);
size_t		 record_format_json(const struct record *, char *, size_t);

#endif
