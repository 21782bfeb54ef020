/*
 * conf.h: the daemon's configuration, as parsed from embargod.conf(5)
 * or from the built-in default.
 */
#ifndef EMBARGO_CONF_H
#define EMBARGO_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "embargo.h"

enum conf_action {
	ACTION_BLOCK,
	ACTION_AUDIT,
	ACTION_REJECT		/* block, and tell the client at once */
};

enum conf_mode {
	MODE_BLOCK,
	MODE_AUDIT
};

enum client_policy {
	CLIENT_EXEMPT,		/* never judged */
	CLIENT_AUDIT,		/* matches logged, never stopped */
	CLIENT_BLOCK		/* blocked even in audit mode */
};

enum list_format {
	FORMAT_AUTO,
	FORMAT_NATIVE,
	FORMAT_DOMAINS,
	FORMAT_HOSTS,
	FORMAT_ADBLOCK,
	FORMAT_CIDR		/* an IP list: prefixes, not names */
};

/*
 * What the daemon cannot judge, each with its own policy (exception):
 * a bound reached or a message that does not parse.
 */
enum conf_exception {
	EXC_GATHER_BUFFERS,	/* no gather buffer free */
	EXC_GATHER_BYTES,	/* a message longer than a buffer holds */
	EXC_SEGMENTS,		/* more holes than a buffer tracks */
	EXC_OVERLAP,		/* two copies of the same bytes differ */
	EXC_MIDSTREAM,		/* a flow first seen after its start */
	EXC_MALFORMED,		/* a TLS or HTTP message that does not parse */
	EXC_MAX
};

enum conf_exc_action {
	EXCA_GUARD,		/* default-verdict, unless the flow is claimed */
	EXCA_PASS,
	EXCA_DROP,
	EXCA_REJECT
};

struct conf_list {
	char			*name;
	char			*path;		/* as written */
	char			*file;		/* where it was declared */
	int			 line;
	enum list_format	 format;
	int			 lenient;
	int			 disabled;
	enum conf_action	 action;
};

struct conf_client {
	struct addr		 net;
	unsigned		 plen;
	enum client_policy	 policy;
	int			 line;
};

/* Bounds with their defaults and limits (see embargod.conf(5)). */
enum conf_limit {
	LIMIT_FLOWS,		/* flows tracked per queue */
	LIMIT_GATHER_BYTES,	/* bytes gathered per flow */
	LIMIT_GATHER_BUFFERS,	/* flows gathering at once, per queue */
	LIMIT_HOLD_MS,		/* longest a batch stays open */
	LIMIT_BATCH,		/* packets per batch */
	LIMIT_QUEUE_LENGTH,	/* kernel queue length */
	LIMIT_FLOW_TIMEOUT,	/* seconds an undecided flow may idle */
	LIMIT_DECIDED_TIMEOUT,	/* seconds a decided flow is remembered */
	LIMIT_LEARNED,		/* addresses learned for blocked names */
	LIMIT_LEARN_HOLD,	/* seconds a learned address is kept, at least */
	LIMIT_RESOLVE_INTERVAL,	/* seconds between lookups of list names */
	LIMIT_MAX
};

struct conf {
	char			*path;		/* the file, or "(default)" */
	char			*listsdir;
	int			 listsdir_fixed;	/* -L: lists-dir ignored */
	enum conf_mode		 mode;
	struct conf_list	*lists;
	size_t			 nlists;
	unsigned		 qfirst;	/* queues qfirst..qlast */
	unsigned		 qlast;
	int			 default_drop;	/* verdict when unsure */
	int			 fail_open;	/* kernel accepts when full */
	int			 verdict_accept;	/* NF_ACCEPT, not NF_REPEAT */
	int			 malformed_block;	/* block every unclean name */
	uint8_t			 exception[EXC_MAX];	/* conf_exc_action */
	uint32_t		 mark_mask;
	uint32_t		 mark_seen;
	uint32_t		 mark_allow;
	uint32_t		 mark_block;
	uint32_t		 limit[LIMIT_MAX];
	char			*events;	/* JSON-lines event file */
	char			*user;		/* unprivileged identity */
	int			 facility;	/* syslog */
	struct conf_client	*clients;
	size_t			 nclients;
	char			*control_path;	/* NULL: no control socket */
	char			*control_group;	/* NULL: root only */
	unsigned		 control_mode;
	char			*metrics_addr;	/* NULL: no metrics */
	unsigned		 metrics_port;
	int			 reject_dns;	/* enum dns_reject */
	uint32_t		 reject_ttl;
	char			*resolver;	/* NULL: the system's */
	int			 resolve;	/* look list names up */
	int			 canary;	/* answer the DoH canary */
	int			 refuse_svcb;	/* refuse HTTPS/SVCB queries */
};

struct conf	*conf_load(const char *, int, const char *);
struct conf	*conf_load_string(const char *, const char *, const char *);
void		 conf_free(struct conf *);
char		*conf_list_path(const struct conf *, const struct conf_list *);
const char	*conf_format_name(enum list_format);
const char	*conf_action_name(enum conf_action);
const char	*conf_client_name(enum client_policy);
const char	*conf_exception_name(enum conf_exception);
const char	*conf_exc_action_name(enum conf_exc_action);
void		 conf_print(FILE *, const struct conf *);

#endif
