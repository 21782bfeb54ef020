/*
 * conf.c: a strict hand parser for embargod.conf(5).
 *
 * One statement per line (a backslash joins lines); words, "quoted
 * strings" and # comments.  Every error names file:line and parsing goes
 * on, so that one run reports every mistake; any error refuses the
 * whole file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cidr.h"
#include "conf.h"
#include "file.h"
#include "log.h"
#include "xmalloc.h"

#define CONF_MAXTOKENS	64
#define CONF_MAXDEPTH	8
#define CONF_MAXSIZE	(4 * 1024 * 1024)
#define CONF_MAXQUEUES	64
#define CONF_MAXCLIENTS	1024

#ifndef EMBARGO_CONTROL_SOCKET
#define EMBARGO_CONTROL_SOCKET	"/run/embargo/embargod.sock"
#endif
#define EMBARGO_METRICS_PORT	9469

/* Used when no configuration file exists: the shipped default profile. */
static const char conf_default_text[] =
    "# built-in default: block the lists of the default profile\n"
    "profile default\n";

struct token {
	char	*s;
	int	 quoted;
};

struct parser {
	const char	*file;
	int		 line;		/* of the statement being parsed */
	int		 nextline;
	const char	*p;
	const char	*end;
	struct conf	*conf;
	int		 depth;
	int		 errors;
	struct token	 tok[CONF_MAXTOKENS];
	int		 ntok;
};

struct keyword {
	const char	*name;
	void		(*parse)(struct parser *);
};

static void	conf_error(struct parser *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	next_statement(struct parser *);
static int	lex_word(struct parser *, char *, size_t *);
static void	free_tokens(struct parser *);
static void	parse_buffer(struct conf *, const char *, const char *,
		    size_t, int, int *);
static void	parse_statement(struct parser *);
static char	*relative_path(struct parser *, const char *);
static void	parse_mode(struct parser *);
static void	parse_listsdir(struct parser *);
static void	parse_list(struct parser *);
static void	parse_include(struct parser *);
static void	parse_profile(struct parser *);
static void	parse_user(struct parser *);
static void	parse_reject(struct parser *);
static void	parse_resolver(struct parser *);
static void	parse_dns_switch(struct parser *);
static void	parse_log(struct parser *);
static void	parse_client(struct parser *);
static void	parse_control(struct parser *);
static void	parse_metrics(struct parser *);
static int	valid_word(const char *);
static void	print_string(FILE *, const char *);
static void	print_path(FILE *, const char *);
static void	parse_file(struct parser *, const char *, const char *);
static void	parse_queue(struct parser *);
static void	parse_default_verdict(struct parser *);
static void	parse_fail_open(struct parser *);
static void	parse_verdict(struct parser *);
static void	parse_malformed(struct parser *);
static void	parse_exception(struct parser *);
static void	parse_mark(struct parser *);
static void	parse_limit(struct parser *);
static void	parse_events(struct parser *);
static int	parse_number(struct parser *, const char *, const char *,
		    uint32_t, uint32_t, uint32_t *);
static int	parse_yesno(struct parser *, const char *, const char *);
static int	parse_list_option(struct parser *, struct conf_list *, int *);
static int	valid_list_name(const char *);
static struct conf_list *find_list(struct conf *, const char *);
static struct conf *conf_new(const char *, const char *);
static struct conf *conf_done(struct conf *, int);

/* Each bound: its name, its default, and the range it may take. */
static const struct {
	const char	*name;
	uint32_t	 def;
	uint32_t	 min;
	uint32_t	 max;
} limits[LIMIT_MAX] = {
	[LIMIT_FLOWS] =		  { "flows", 16384, 16, 1U << 24 },
	[LIMIT_GATHER_BYTES] =	  { "gather-bytes", 16384, 2048, 65536 },
	[LIMIT_GATHER_BUFFERS] =  { "gather-buffers", 128, 1, 1U << 20 },
	[LIMIT_HOLD_MS] =	  { "hold-ms", 50, 1, 10000 },
	[LIMIT_BATCH] =		  { "batch", 128, 1, 4096 },
	[LIMIT_QUEUE_LENGTH] =	  { "queue-length", 4096, 16, 1U << 20 },
	[LIMIT_FLOW_TIMEOUT] =	  { "flow-timeout", 30, 1, 86400 },
	[LIMIT_DECIDED_TIMEOUT] = { "decided-timeout", 5, 1, 3600 },
	[LIMIT_LEARNED] =	  { "learned", 4096, 16, 1U << 22 },
	[LIMIT_LEARN_HOLD] =	  { "learn-hold", 300, 0, 86400 },
	[LIMIT_RESOLVE_INTERVAL] = { "resolve-interval", 600, 60, 86400 },
};

static const struct keyword keywords[] = {
	{ "canary",	parse_dns_switch },
	{ "client",	parse_client },
	{ "control",	parse_control },
	{ "default-verdict", parse_default_verdict },
	{ "events",	parse_events },
	{ "exception",	parse_exception },
	{ "fail-open",	parse_fail_open },
	{ "include",	parse_include },
	{ "iplist",	parse_list },
	{ "limit",	parse_limit },
	{ "list",	parse_list },
	{ "lists-dir",	parse_listsdir },
	{ "log",	parse_log },
	{ "malformed",	parse_malformed },
	{ "mark",	parse_mark },
	{ "metrics",	parse_metrics },
	{ "mode",	parse_mode },
	{ "profile",	parse_profile },
	{ "queue",	parse_queue },
	{ "refuse-svcb", parse_dns_switch },
	{ "reject",	parse_reject },
	{ "resolver",	parse_resolver },
	{ "user",	parse_user },
	{ "verdict",	parse_verdict },
};

static const struct {
	const char	*name;
	int		 value;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static void
conf_error(struct parser *ps, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s:%d: %s", ps->file, ps->line, msg);
	ps->errors++;
}

static void
free_tokens(struct parser *ps)
{
	int	 i;

	for (i = 0; i < ps->ntok; i++)
		free(ps->tok[i].s);
	ps->ntok = 0;
}

/*
 * Read one word or quoted string at ps->p into buf (size *len on entry,
 * length on return).  Returns 1 if quoted, 0 if not, -1 on error.
 */
static int
lex_word(struct parser *ps, char *buf, size_t *len)
{
	size_t	 n = 0, max = *len - 1;
	int	 quoted = (*ps->p == '"');
	char	 c;

	if (quoted)
		ps->p++;
	while (ps->p < ps->end) {
		c = *ps->p;
		if (quoted) {
			if (c == '"') {
				ps->p++;
				break;
			}
			if (c == '\n') {
				conf_error(ps, "unterminated quoted string");
				return (-1);
			}
			if (c == '\\' && ps->p + 1 < ps->end &&
			    (ps->p[1] == '"' || ps->p[1] == '\\'))
				c = *++ps->p;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '#' || c == '"')
			break;
		if (c == '\0') {
			conf_error(ps, "NUL byte");
			return (-1);
		}
		if (n == max) {
			conf_error(ps, "word longer than %zu bytes", max);
			return (-1);
		}
		buf[n++] = c;
		ps->p++;
	}
	if (quoted && ps->p[-1] != '"') {
		conf_error(ps, "unterminated quoted string");
		return (-1);
	}
	buf[n] = '\0';
	*len = n;
	return (quoted);
}

/*
 * Collect the tokens of the next statement.  Returns 0 at the end of
 * the input, 1 otherwise (possibly with no tokens after an error).
 */
static int
next_statement(struct parser *ps)
{
	char	 word[PATH_MAX];
	size_t	 len;
	int	 q, bad = 0;

	free_tokens(ps);
	ps->line = ps->nextline;
	for (;;) {
		if (ps->p >= ps->end)
			return (ps->ntok > 0 || bad);
		switch (*ps->p) {
		case '\n':
			ps->p++;
			ps->nextline++;
			if (ps->ntok > 0 || bad)
				return (1);
			ps->line = ps->nextline;
			continue;
		case ' ': case '\t': case '\r':
			ps->p++;
			continue;
		case '#':
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
			continue;
		case '\\':
			if (ps->p + 1 < ps->end && ps->p[1] == '\n') {
				ps->p += 2;
				ps->nextline++;
				continue;
			}
			break;
		}
		len = sizeof(word);
		if ((q = lex_word(ps, word, &len)) == -1) {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
			bad = 1;
			free_tokens(ps);
			continue;
		}
		if (bad)
			continue;
		if (ps->ntok == CONF_MAXTOKENS) {
			conf_error(ps, "too many words in one statement");
			bad = 1;
			free_tokens(ps);
			continue;
		}
		ps->tok[ps->ntok].s = xstrdup(word);
		ps->tok[ps->ntok++].quoted = q;
	}
}

static void
parse_statement(struct parser *ps)
{
	size_t	 i;

	if (ps->tok[0].quoted) {
		conf_error(ps, "statement starts with a quoted string");
		return;
	}
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strcmp(ps->tok[0].s, keywords[i].name) == 0) {
			keywords[i].parse(ps);
			return;
		}
	}
	conf_error(ps, "unknown keyword \"%s\"", ps->tok[0].s);
}

/* mode block | audit */
static void
parse_mode(struct parser *ps)
{
	if (ps->ntok != 2) {
		conf_error(ps, "usage: mode block | audit");
		return;
	}
	if (strcmp(ps->tok[1].s, "block") == 0)
		ps->conf->mode = MODE_BLOCK;
	else if (strcmp(ps->tok[1].s, "audit") == 0)
		ps->conf->mode = MODE_AUDIT;
	else
		conf_error(ps, "unknown mode \"%s\" (block or audit)",
		    ps->tok[1].s);
}

/* A path relative to the directory of the file being parsed. */
static char *
relative_path(struct parser *ps, const char *path)
{
	const char	*slash = strrchr(ps->file, '/');
	char		*p;

	if (path[0] == '/' || slash == NULL)
		return (xstrdup(path));
	xasprintf(&p, "%.*s/%s", (int)(slash - ps->file), ps->file, path);
	return (p);
}

/* lists-dir "path": relative to this file's directory. */
static void
parse_listsdir(struct parser *ps)
{
	if (ps->ntok != 2) {
		conf_error(ps, "usage: lists-dir \"directory\"");
		return;
	}
	if (ps->conf->listsdir_fixed)
		return;		/* embargod -L decides */
	free(ps->conf->listsdir);
	ps->conf->listsdir = relative_path(ps, ps->tok[1].s);
}

/* A list name: lower-case letters, digits, '-', '_' and '.'. */
static int
valid_list_name(const char *s)
{
	size_t	 i;

	if (*s == '\0' || strlen(s) > 64)
		return (0);
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return (0);
	return (1);
}

static struct conf_list *
find_list(struct conf *conf, const char *name)
{
	size_t	 i;

	for (i = 0; i < conf->nlists; i++)
		if (strcmp(conf->lists[i].name, name) == 0)
			return (&conf->lists[i]);
	return (NULL);
}

/*
 * One list option at tok[*i]; advances *i.  Returns 0, or -1 after
 * reporting an error.
 */
static int
parse_list_option(struct parser *ps, struct conf_list *l, int *i)
{
	const char	*w = ps->tok[*i].s, *v;
	int		 k;

	if (strcmp(w, "strict") == 0 || strcmp(w, "lenient") == 0) {
		l->lenient = (w[0] == 'l');
		(*i)++;
		return (0);
	}
	if (strcmp(w, "disabled") == 0 || strcmp(w, "enabled") == 0) {
		l->disabled = (w[0] == 'd');
		(*i)++;
		return (0);
	}
	if (strcmp(w, "format") == 0 && l->format == FORMAT_CIDR) {
		conf_error(ps, "an iplist has no format option");
		return (-1);
	}
	if (strcmp(w, "format") != 0 && strcmp(w, "action") != 0) {
		conf_error(ps, "unknown list option \"%s\"", w);
		return (-1);
	}
	if (*i + 1 >= ps->ntok) {
		conf_error(ps, "\"%s\" needs a value", w);
		return (-1);
	}
	v = ps->tok[*i + 1].s;
	*i += 2;
	if (strcmp(w, "action") == 0) {
		for (k = ACTION_BLOCK; k <= ACTION_REJECT &&
		    strcmp(v, conf_action_name(k)) != 0; k++)
			;
		if (k > ACTION_REJECT) {
			conf_error(ps, "unknown action \"%s\" (block, audit or "
			    "reject)", v);
			return (-1);
		}
		l->action = k;
		return (0);
	}
	/* cidr is not a format to choose: iplist says it */
	for (k = FORMAT_AUTO; k < FORMAT_CIDR &&
	    strcmp(v, conf_format_name(k)) != 0; k++)
		;
	if (k == FORMAT_CIDR) {
		conf_error(ps, "unknown list format \"%s\" "
		    "(auto, native, domains, hosts or adblock)", v);
		return (-1);
	}
	l->format = k;
	return (0);
}

/*
 * list NAME "path" [options]: declare a list.
 * list NAME options: change a list declared before (by a profile, say).
 */
static void
parse_list(struct parser *ps)
{
	struct conf		*conf = ps->conf;
	struct conf_list	*l, tmp;
	int			 i = 2, isnew;

	if (ps->ntok < 3) {
		conf_error(ps, "usage: %s name \"file\" [options]",
		    ps->tok[0].s);
		return;
	}
	if (!valid_list_name(ps->tok[1].s)) {
		conf_error(ps, "invalid list name \"%s\"", ps->tok[1].s);
		return;
	}
	l = find_list(conf, ps->tok[1].s);
	isnew = ps->tok[2].quoted;
	if (isnew && l != NULL) {
		conf_error(ps, "list \"%s\" already declared at %s:%d",
		    l->name, l->file, l->line);
		return;
	}
	if (!isnew && l == NULL) {
		conf_error(ps, "list \"%s\" is not declared (a new list "
		    "needs a quoted file name)", ps->tok[1].s);
		return;
	}
	if (!isnew && (l->format == FORMAT_CIDR) != (ps->tok[0].s[0] == 'i')) {
		conf_error(ps, "\"%s\" is %s", l->name, l->format ==
		    FORMAT_CIDR ? "an iplist" : "a list of names");
		return;
	}
	if (isnew) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.action = ACTION_BLOCK;
		tmp.format = ps->tok[0].s[0] == 'i' ? FORMAT_CIDR : FORMAT_AUTO;
		i = 3;
	} else
		tmp = *l;
	while (i < ps->ntok)
		if (parse_list_option(ps, &tmp, &i) == -1)
			return;
	if (!isnew) {
		*l = tmp;
		return;
	}
	if (ps->tok[2].s[0] == '\0') {
		conf_error(ps, "empty file name");
		return;
	}
	conf->lists = xreallocarray(conf->lists, conf->nlists + 1,
	    sizeof(*conf->lists));
	tmp.name = xstrdup(ps->tok[1].s);
	tmp.path = xstrdup(ps->tok[2].s);
	tmp.file = xstrdup(ps->file);
	tmp.line = ps->line;
	conf->lists[conf->nlists++] = tmp;
}

/*
 * A number, decimal or 0x hexadecimal, within [min, max]; what names
 * the setting in the error.
 */
static int
parse_number(struct parser *ps, const char *what, const char *s,
    uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0) {
		conf_error(ps, "%s: \"%s\" is not a number", what, s);
		return (-1);
	}
	if (v < min || v > max) {
		conf_error(ps, "%s: %s is out of range (%u-%u)", what, s, min,
		    max);
		return (-1);
	}
	*out = (uint32_t)v;
	return (0);
}

/* yes or no; -1 after an error. */
static int
parse_yesno(struct parser *ps, const char *what, const char *s)
{
	if (strcmp(s, "yes") == 0)
		return (1);
	if (strcmp(s, "no") == 0)
		return (0);
	conf_error(ps, "%s: \"%s\" is not yes or no", what, s);
	return (-1);
}

/* queue N | queue FIRST-LAST */
static void
parse_queue(struct parser *ps)
{
	char		*dash, *first;
	uint32_t	 a, b;

	if (ps->ntok != 2) {
		conf_error(ps, "usage: queue number | queue first-last");
		return;
	}
	first = ps->tok[1].s;
	if ((dash = strchr(first, '-')) != NULL)
		*dash = '\0';
	if (parse_number(ps, "queue", first, 0, 65535, &a) == -1)
		return;
	b = a;
	if (dash != NULL &&
	    parse_number(ps, "queue", dash + 1, 0, 65535, &b) == -1)
		return;
	if (b < a || b - a >= CONF_MAXQUEUES) {
		conf_error(ps, "queue: %u-%u is not a range of 1-%d queues",
		    a, b, CONF_MAXQUEUES);
		return;
	}
	ps->conf->qfirst = a;
	ps->conf->qlast = b;
}

/* default-verdict accept | drop */
static void
parse_default_verdict(struct parser *ps)
{
	if (ps->ntok != 2 || (strcmp(ps->tok[1].s, "accept") != 0 &&
	    strcmp(ps->tok[1].s, "drop") != 0)) {
		conf_error(ps, "usage: default-verdict accept | drop");
		return;
	}
	ps->conf->default_drop = (ps->tok[1].s[0] == 'd');
}

/* verdict repeat | accept: how a judged packet leaves the queue */
static void
parse_verdict(struct parser *ps)
{
	if (ps->ntok != 2 || (strcmp(ps->tok[1].s, "repeat") != 0 &&
	    strcmp(ps->tok[1].s, "accept") != 0)) {
		conf_error(ps, "usage: verdict repeat | accept");
		return;
	}
	ps->conf->verdict_accept = (ps->tok[1].s[0] == 'a');
}

/* malformed block | default: what a name that is not clean gets */
static void
parse_malformed(struct parser *ps)
{
	if (ps->ntok != 2 || (strcmp(ps->tok[1].s, "block") != 0 &&
	    strcmp(ps->tok[1].s, "default") != 0)) {
		conf_error(ps, "usage: malformed block | default");
		return;
	}
	ps->conf->malformed_block = (ps->tok[1].s[0] == 'b');
}

/* exception kind|all guard | pass | drop | reject */
static void
parse_exception(struct parser *ps)
{
	int	 k, a;

	if (ps->ntok != 3) {
		conf_error(ps, "usage: exception kind guard | pass | drop | "
		    "reject");
		return;
	}
	for (a = EXCA_GUARD; a <= EXCA_REJECT &&
	    strcmp(ps->tok[2].s, conf_exc_action_name(a)) != 0; a++)
		;
	if (a > EXCA_REJECT) {
		conf_error(ps, "exception: unknown action \"%s\" (guard, pass, "
		    "drop or reject)", ps->tok[2].s);
		return;
	}
	if (strcmp(ps->tok[1].s, "all") == 0) {
		for (k = 0; k < EXC_MAX; k++)
			ps->conf->exception[k] = (uint8_t)a;
		return;
	}
	for (k = 0; k < EXC_MAX &&
	    strcmp(ps->tok[1].s, conf_exception_name(k)) != 0; k++)
		;
	if (k == EXC_MAX) {
		conf_error(ps, "exception: unknown kind \"%s\" (gather-buffers, "
		    "gather-bytes, segments, overlap, midstream, malformed or "
		    "all)", ps->tok[1].s);
		return;
	}
	ps->conf->exception[k] = (uint8_t)a;
}

/* fail-open yes | no */
static void
parse_fail_open(struct parser *ps)
{
	int	 v;

	if (ps->ntok != 2) {
		conf_error(ps, "usage: fail-open yes | no");
		return;
	}
	if ((v = parse_yesno(ps, "fail-open", ps->tok[1].s)) != -1)
		ps->conf->fail_open = v;
}

/*
 * mark mask M [seen V] [allow V] [block V]: the packet and conntrack
 * mark bits the daemon and the firewall rules share.  Unset values are
 * 1, 2 and 3 times the mask's lowest bit.
 */
static void
parse_mark(struct parser *ps)
{
	struct conf	*c = ps->conf;
	uint32_t	 mask, v[3], low;
	const char	*names[3] = { "seen", "allow", "block" };
	int		 i, k, given[3] = { 0, 0, 0 };

	if (ps->ntok < 3 || ps->ntok % 2 != 1 ||
	    strcmp(ps->tok[1].s, "mask") != 0) {
		conf_error(ps, "usage: mark mask M [seen V] [allow V] "
		    "[block V]");
		return;
	}
	if (parse_number(ps, "mark mask", ps->tok[2].s, 1, UINT32_MAX,
	    &mask) == -1)
		return;
	low = mask & -mask;
	for (i = 3; i < ps->ntok; i += 2) {
		for (k = 0; k < 3 && strcmp(ps->tok[i].s, names[k]) != 0; k++)
			;
		if (k == 3) {
			conf_error(ps, "mark: unknown word \"%s\"",
			    ps->tok[i].s);
			return;
		}
		if (parse_number(ps, "mark", ps->tok[i + 1].s, 1, UINT32_MAX,
		    &v[k]) == -1)
			return;
		given[k] = 1;
	}
	for (k = 0; k < 3; k++) {
		if (given[k])
			continue;
		if ((uint64_t)low * (k + 1) > mask ||
		    (((uint32_t)low * (k + 1)) & ~mask) != 0) {
			conf_error(ps, "mark: mask 0x%x is too narrow; give "
			    "seen, allow and block", mask);
			return;
		}
		v[k] = low * (uint32_t)(k + 1);
	}
	for (k = 0; k < 3; k++) {
		if ((v[k] & ~mask) != 0) {
			conf_error(ps, "mark: %s 0x%x is outside mask 0x%x",
			    names[k], v[k], mask);
			return;
		}
	}
	if (v[0] == v[1] || v[0] == v[2] || v[1] == v[2]) {
		conf_error(ps, "mark: seen, allow and block must differ");
		return;
	}
	c->mark_mask = mask;
	c->mark_seen = v[0];
	c->mark_allow = v[1];
	c->mark_block = v[2];
}

/* limit NAME N */
static void
parse_limit(struct parser *ps)
{
	char	 what[64];
	int	 k;

	if (ps->ntok != 3) {
		conf_error(ps, "usage: limit name number");
		return;
	}
	for (k = 0; k < LIMIT_MAX; k++)
		if (strcmp(ps->tok[1].s, limits[k].name) == 0)
			break;
	if (k == LIMIT_MAX) {
		conf_error(ps, "unknown limit \"%s\"", ps->tok[1].s);
		return;
	}
	snprintf(what, sizeof(what), "limit %s", limits[k].name);
	parse_number(ps, what, ps->tok[2].s, limits[k].min, limits[k].max,
	    &ps->conf->limit[k]);
}

/* events "path": the JSON-lines event file. */
static void
parse_events(struct parser *ps)
{
	if (ps->ntok != 2 || !ps->tok[1].quoted || ps->tok[1].s[0] == '\0') {
		conf_error(ps, "usage: events \"file\"");
		return;
	}
	free(ps->conf->events);
	ps->conf->events = relative_path(ps, ps->tok[1].s);
}

/* A user or group name: letters, digits, '_', '-' and '.'. */
static int
valid_word(const char *s)
{
	size_t	 i;

	if (*s == '\0' || *s == '-' || strlen(s) > 32)
		return (0);
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return (0);
	return (1);
}

/* reject dns nxdomain | refused | sink [ttl N] */
static void
parse_reject(struct parser *ps)
{
	static const char *kinds[] = { "nxdomain", "refused", "sink" };
	int	 k;

	if ((ps->ntok != 3 && ps->ntok != 5) ||
	    strcmp(ps->tok[1].s, "dns") != 0 ||
	    (ps->ntok == 5 && strcmp(ps->tok[3].s, "ttl") != 0)) {
		conf_error(ps, "usage: reject dns nxdomain | refused | sink "
		    "[ttl seconds]");
		return;
	}
	for (k = 0; k < 3 && strcmp(ps->tok[2].s, kinds[k]) != 0; k++)
		;
	if (k == 3) {
		conf_error(ps, "reject dns: unknown answer \"%s\" (nxdomain, "
		    "refused or sink)", ps->tok[2].s);
		return;
	}
	if (ps->ntok == 5 && parse_number(ps, "reject dns ttl", ps->tok[4].s,
	    0, 86400, &ps->conf->reject_ttl) == -1)
		return;
	ps->conf->reject_dns = k;
}

/*
 * resolver system | none | ADDRESS: where the names of the block lists
 * are looked up (c-ares); none turns the lookups off.
 */
static void
parse_resolver(struct parser *ps)
{
	struct addr	 a;
	unsigned	 plen;
	const char	*why;
	const char	*w = ps->ntok == 2 ? ps->tok[1].s : "";

	if (ps->ntok != 2) {
		conf_error(ps, "usage: resolver system | none | address");
		return;
	}
	free(ps->conf->resolver);
	ps->conf->resolver = NULL;
	ps->conf->resolve = strcmp(w, "none") != 0;
	if (strcmp(w, "system") == 0 || strcmp(w, "none") == 0)
		return;
	if (cidr_parse(w, &a, &plen, &why) == -1 ||
	    plen != (a.family == AF_INET ? 32U : 128U)) {
		conf_error(ps, "resolver: \"%s\" is not an IPv4 or IPv6 "
		    "address (or system, or none)", w);
		return;
	}
	ps->conf->resolver = xstrdup(w);
}

/* canary yes | no; refuse-svcb yes | no */
static void
parse_dns_switch(struct parser *ps)
{
	const char	*what = ps->tok[0].s;
	int		 v;

	if (ps->ntok != 2) {
		conf_error(ps, "usage: %s yes | no", what);
		return;
	}
	if ((v = parse_yesno(ps, what, ps->tok[1].s)) == -1)
		return;
	if (strcmp(what, "canary") == 0)
		ps->conf->canary = v;
	else
		ps->conf->refuse_svcb = v;
}

/* user NAME: who the daemon becomes once its sockets are open. */
static void
parse_user(struct parser *ps)
{
	if (ps->ntok != 2 || !valid_word(ps->tok[1].s)) {
		conf_error(ps, "usage: user name");
		return;
	}
	free(ps->conf->user);
	ps->conf->user = xstrdup(ps->tok[1].s);
}

/* log facility NAME */
static void
parse_log(struct parser *ps)
{
	size_t	 i;

	if (ps->ntok != 3 || strcmp(ps->tok[1].s, "facility") != 0) {
		conf_error(ps, "usage: log facility name");
		return;
	}
	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (strcmp(ps->tok[2].s, facilities[i].name) == 0) {
			ps->conf->facility = facilities[i].value;
			return;
		}
	}
	conf_error(ps, "unknown syslog facility \"%s\" (daemon, user, "
	    "local0 ... local7)", ps->tok[2].s);
}

/* client PREFIX exempt | audit | block */
static void
parse_client(struct parser *ps)
{
	struct conf		*c = ps->conf;
	struct conf_client	 cl;
	const char		*why;
	size_t			 i;
	int			 k;

	memset(&cl, 0, sizeof(cl));
	if (ps->ntok != 3) {
		conf_error(ps, "usage: client prefix exempt | audit | block");
		return;
	}
	if (cidr_parse(ps->tok[1].s, &cl.net, &cl.plen, &why) == -1) {
		conf_error(ps, "client %s: %s", ps->tok[1].s, why);
		return;
	}
	for (k = CLIENT_EXEMPT; k <= CLIENT_BLOCK &&
	    strcmp(ps->tok[2].s, conf_client_name(k)) != 0; k++)
		;
	if (k > CLIENT_BLOCK) {
		conf_error(ps, "client %s: unknown policy \"%s\" (exempt, "
		    "audit or block)", ps->tok[1].s, ps->tok[2].s);
		return;
	}
	cl.policy = k;
	for (i = 0; i < c->nclients; i++) {
		if (c->clients[i].plen == cl.plen &&
		    c->clients[i].net.family == cl.net.family &&
		    memcmp(&c->clients[i].net.u, &cl.net.u, 16) == 0) {
			conf_error(ps, "client %s given twice (first at line "
			    "%d)", ps->tok[1].s, c->clients[i].line);
			return;
		}
	}
	if (c->nclients == CONF_MAXCLIENTS) {
		conf_error(ps, "more than %d client statements",
		    CONF_MAXCLIENTS);
		return;
	}
	cl.line = ps->line;
	c->clients = xreallocarray(c->clients, c->nclients + 1,
	    sizeof(*c->clients));
	c->clients[c->nclients++] = cl;
}

/*
 * control socket "path" [group NAME] [mode OCTAL]
 * control socket none
 */
static void
parse_control(struct parser *ps)
{
	struct conf	*c = ps->conf;
	unsigned long	 mode;
	char		*end;
	int		 i;

	if (ps->ntok < 3 || strcmp(ps->tok[1].s, "socket") != 0 ||
	    ps->ntok % 2 != 1) {
		conf_error(ps, "usage: control socket \"path\" [group name] "
		    "[mode 0660]");
		return;
	}
	free(c->control_path);
	c->control_path = NULL;
	if (!ps->tok[2].quoted && strcmp(ps->tok[2].s, "none") == 0) {
		if (ps->ntok != 3)
			conf_error(ps, "control socket none takes no options");
		return;
	}
	if (ps->tok[2].s[0] != '/') {
		conf_error(ps, "control socket: \"%s\" is not an absolute "
		    "path", ps->tok[2].s);
		return;
	}
	c->control_path = xstrdup(ps->tok[2].s);
	for (i = 3; i < ps->ntok; i += 2) {
		if (strcmp(ps->tok[i].s, "group") == 0 &&
		    valid_word(ps->tok[i + 1].s)) {
			free(c->control_group);
			c->control_group = xstrdup(ps->tok[i + 1].s);
		} else if (strcmp(ps->tok[i].s, "mode") == 0) {
			mode = strtoul(ps->tok[i + 1].s, &end, 8);
			if (*end != '\0' || mode > 0777 || (mode & 0600) !=
			    0600) {
				conf_error(ps, "control socket: mode %s is not "
				    "an octal mode with owner read and write",
				    ps->tok[i + 1].s);
				return;
			}
			c->control_mode = (unsigned)mode;
		} else {
			conf_error(ps, "control socket: unexpected \"%s\"",
			    ps->tok[i].s);
			return;
		}
	}
}

/* metrics listen ADDRESS [port N] */
static void
parse_metrics(struct parser *ps)
{
	struct addr	 a;
	unsigned	 plen;
	uint32_t	 port = EMBARGO_METRICS_PORT;
	const char	*why;

	if ((ps->ntok != 3 && ps->ntok != 5) ||
	    strcmp(ps->tok[1].s, "listen") != 0 ||
	    (ps->ntok == 5 && strcmp(ps->tok[3].s, "port") != 0)) {
		conf_error(ps, "usage: metrics listen address [port number]");
		return;
	}
	if (cidr_parse(ps->tok[2].s, &a, &plen, &why) == -1 ||
	    plen != (a.family == AF_INET ? 32U : 128U)) {
		conf_error(ps, "metrics listen: \"%s\" is not an IPv4 or "
		    "IPv6 address", ps->tok[2].s);
		return;
	}
	if (ps->ntok == 5 &&
	    parse_number(ps, "metrics port", ps->tok[4].s, 1, 65535, &port))
		return;
	free(ps->conf->metrics_addr);
	ps->conf->metrics_addr = xstrdup(ps->tok[2].s);
	ps->conf->metrics_port = port;
}

/* Parse the statements of another file here, within the depth bound. */
static void
parse_file(struct parser *ps, const char *path, const char *what)
{
	char	*buf;
	size_t	 len;
	int	 errors = 0;

	if (ps->depth >= CONF_MAXDEPTH) {
		conf_error(ps, "%ss nested deeper than %d", what,
		    CONF_MAXDEPTH);
		return;
	}
	if ((buf = file_read(path, CONF_MAXSIZE, &len)) == NULL) {
		conf_error(ps, "%s: %s", path, strerror(errno));
		return;
	}
	parse_buffer(ps->conf, path, buf, len, ps->depth + 1, &errors);
	ps->errors += errors;
	free(buf);
}

/* include "path": relative to the including file's directory. */
static void
parse_include(struct parser *ps)
{
	char	*path;

	if (ps->ntok != 2) {
		conf_error(ps, "usage: include \"file\"");
		return;
	}
	path = relative_path(ps, ps->tok[1].s);
	parse_file(ps, path, "include");
	free(path);
}

/*
 * profile NAME: the shipped set of lists NAME.profile in lists-dir (so
 * lists-dir, when given, comes first).
 */
static void
parse_profile(struct parser *ps)
{
	char	*path;

	if (ps->ntok != 2 || ps->tok[1].quoted) {
		conf_error(ps, "usage: profile name");
		return;
	}
	if (!valid_list_name(ps->tok[1].s)) {
		conf_error(ps, "invalid profile name \"%s\"", ps->tok[1].s);
		return;
	}
	xasprintf(&path, "%s/%s.profile", ps->conf->listsdir, ps->tok[1].s);
	parse_file(ps, path, "profile");
	free(path);
}

/* Parse one file's text into conf, adding to *errors. */
static void
parse_buffer(struct conf *conf, const char *file, const char *buf,
    size_t len, int depth, int *errors)
{
	struct parser	*ps;

	ps = xcalloc(1, sizeof(*ps));
	ps->file = file;
	ps->nextline = 1;
	ps->p = buf;
	ps->end = buf + len;
	ps->conf = conf;
	ps->depth = depth;
	while (next_statement(ps))
		if (ps->ntok > 0)
			parse_statement(ps);
	free_tokens(ps);
	*errors += ps->errors;
	free(ps);
}

static struct conf *
conf_new(const char *path, const char *listsdir)
{
	struct conf	*conf;
	int		 k;

	conf = xcalloc(1, sizeof(*conf));
	conf->path = xstrdup(path);
	conf->listsdir = xstrdup(listsdir ? listsdir : EMBARGO_LISTSDIR);
	conf->listsdir_fixed = (listsdir != NULL);
	conf->mode = MODE_BLOCK;
	conf->fail_open = 1;
	conf->mark_mask = 0x30000000;
	conf->mark_seen = 0x10000000;
	conf->mark_allow = 0x20000000;
	conf->mark_block = 0x30000000;
	for (k = 0; k < LIMIT_MAX; k++)
		conf->limit[k] = limits[k].def;
	conf->facility = LOG_DAEMON;
	conf->control_path = xstrdup(EMBARGO_CONTROL_SOCKET);
	conf->control_mode = 0660;
	conf->metrics_port = EMBARGO_METRICS_PORT;
	conf->reject_ttl = 10;
	conf->resolve = 1;
	conf->refuse_svcb = 1;
	/* copies that differ cannot be judged by one of them: drop */
	conf->exception[EXC_OVERLAP] = EXCA_DROP;
	return (conf);
}

/*
 * Parse configuration text (NULL: the built-in default); NULL after
 * logging the errors.  A listsdir overrides any lists-dir statement.
 */
struct conf *
conf_load_string(const char *name, const char *text, const char *listsdir)
{
	struct conf	*conf;
	int		 errors = 0;

	if (text == NULL)
		text = conf_default_text;
	conf = conf_new(name, listsdir);
	parse_buffer(conf, name, text, strlen(text), 0, &errors);
	return (conf_done(conf, errors));
}

/* The parsed configuration, or NULL and a count when it had errors. */
static struct conf *
conf_done(struct conf *conf, int errors)
{
	if (errors == 0)
		return (conf);
	log_warnx("%s: %d error%s", conf->path, errors,
	    errors == 1 ? "" : "s");
	conf_free(conf);
	return (NULL);
}

/*
 * Load the configuration file.  When it does not exist and the caller
 * did not insist on it (no -f), use the built-in default.
 */
struct conf *
conf_load(const char *path, int must_exist, const char *listsdir)
{
	struct conf	*conf;
	char		*buf;
	size_t		 len;
	int		 errors = 0;

	if ((buf = file_read(path, CONF_MAXSIZE, &len)) == NULL) {
		if (errno == ENOENT && !must_exist) {
			log_debug("%s: not found, using the built-in default",
			    path);
			return (conf_load_string("(built-in default)", NULL,
			    listsdir));
		}
		log_warn("%s", path);
		return (NULL);
	}
	conf = conf_new(path, listsdir);
	parse_buffer(conf, path, buf, len, 0, &errors);
	free(buf);
	return (conf_done(conf, errors));
}

void
conf_free(struct conf *conf)
{
	size_t	 i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nlists; i++) {
		free(conf->lists[i].name);
		free(conf->lists[i].path);
		free(conf->lists[i].file);
	}
	free(conf->lists);
	free(conf->events);
	free(conf->listsdir);
	free(conf->user);
	free(conf->clients);
	free(conf->control_path);
	free(conf->control_group);
	free(conf->metrics_addr);
	free(conf->resolver);
	free(conf->path);
	free(conf);
}

/* The file a list is read from: relative names are under lists-dir. */
char *
conf_list_path(const struct conf *conf, const struct conf_list *l)
{
	char	*p;

	if (l->path[0] == '/')
		return (xstrdup(l->path));
	xasprintf(&p, "%s/%s", conf->listsdir, l->path);
	return (p);
}

const char *
conf_format_name(enum list_format f)
{
	static const char *names[] = { "auto", "native", "domains", "hosts",
	    "adblock", "cidr" };

	return (names[f]);
}

const char *
conf_action_name(enum conf_action a)
{
	return (a == ACTION_AUDIT ? "audit" : a == ACTION_REJECT ? "reject" :
	    "block");
}

const char *
conf_exception_name(enum conf_exception k)
{
	static const char *const names[EXC_MAX] = {
		[EXC_GATHER_BUFFERS] = "gather-buffers",
		[EXC_GATHER_BYTES] = "gather-bytes",
		[EXC_SEGMENTS] = "segments",
		[EXC_OVERLAP] = "overlap",
		[EXC_MIDSTREAM] = "midstream",
		[EXC_MALFORMED] = "malformed",
	};

	return ((unsigned)k < EXC_MAX ? names[k] : "?");
}

const char *
conf_exc_action_name(enum conf_exc_action a)
{
	return (a == EXCA_PASS ? "pass" : a == EXCA_DROP ? "drop" :
	    a == EXCA_REJECT ? "reject" : "guard");
}

const char *
conf_client_name(enum client_policy p)
{
	return (p == CLIENT_EXEMPT ? "exempt" : p == CLIENT_AUDIT ? "audit" :
	    "block");
}

/* A quoted string as the tokenizer reads it back. */
static void
print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A path, made absolute so that the output parses the same anywhere. */
static void
print_path(FILE *f, const char *path)
{
	char	 cwd[PATH_MAX], *p;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL) {
		print_string(f, path);
		return;
	}
	xasprintf(&p, "%s/%s", cwd, path);
	print_string(f, p);
	free(p);
}

/*
 * The effective configuration, every default spelled out and profiles
 * expanded, in the syntax it was read in: the output parses again to
 * the same configuration.
 */
void
conf_print(FILE *f, const struct conf *c)
{
	const struct conf_list	*l;
	char			 buf[INET6_ADDRSTRLEN + 8];
	size_t			 i;
	int			 k;

	fprintf(f, "# effective configuration of %s\n", c->path);
	fprintf(f, "lists-dir ");
	print_path(f, c->listsdir);
	fprintf(f, "\nmode %s\n", c->mode == MODE_AUDIT ? "audit" : "block");
	if (c->qfirst == c->qlast)
		fprintf(f, "queue %u\n", c->qfirst);
	else
		fprintf(f, "queue %u-%u\n", c->qfirst, c->qlast);
	fprintf(f, "default-verdict %s\n", c->default_drop ? "drop" :
	    "accept");
	fprintf(f, "fail-open %s\n", c->fail_open ? "yes" : "no");
	fprintf(f, "verdict %s\n", c->verdict_accept ? "accept" : "repeat");
	fprintf(f, "malformed %s\n", c->malformed_block ? "block" :
	    "default");
	for (k = 0; k < EXC_MAX; k++)
		fprintf(f, "exception %s %s\n", conf_exception_name(k),
		    conf_exc_action_name(c->exception[k]));
	fprintf(f, "mark mask 0x%08x seen 0x%08x allow 0x%08x block 0x%08x\n",
	    c->mark_mask, c->mark_seen, c->mark_allow, c->mark_block);
	for (k = 0; k < LIMIT_MAX; k++)
		fprintf(f, "limit %s %u\n", limits[k].name, c->limit[k]);
	if (c->user != NULL)
		fprintf(f, "user %s\n", c->user);
	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].value == c->facility)
			fprintf(f, "log facility %s\n", facilities[i].name);
	if (c->events != NULL) {
		fprintf(f, "events ");
		print_path(f, c->events);
		fprintf(f, "\n");
	}
	if (c->control_path == NULL)
		fprintf(f, "control socket none\n");
	else {
		fprintf(f, "control socket ");
		print_string(f, c->control_path);
		if (c->control_group != NULL)
			fprintf(f, " group %s", c->control_group);
		fprintf(f, " mode %04o\n", c->control_mode);
	}
	if (c->metrics_addr != NULL)
		fprintf(f, "metrics listen %s port %u\n", c->metrics_addr,
		    c->metrics_port);
	fprintf(f, "reject dns %s ttl %u\n", c->reject_dns == 0 ? "nxdomain" :
	    c->reject_dns == 1 ? "refused" : "sink", c->reject_ttl);
	fprintf(f, "resolver %s\n", !c->resolve ? "none" :
	    c->resolver != NULL ? c->resolver : "system");
	fprintf(f, "canary %s\n", c->canary ? "yes" : "no");
	fprintf(f, "refuse-svcb %s\n", c->refuse_svcb ? "yes" : "no");
	for (i = 0; i < c->nclients; i++)
		fprintf(f, "client %s %s\n", cidr_format(&c->clients[i].net,
		    c->clients[i].plen, buf, sizeof(buf)),
		    conf_client_name(c->clients[i].policy));
	for (i = 0; i < c->nlists; i++) {
		l = &c->lists[i];
		fprintf(f, "%s %s ", l->format == FORMAT_CIDR ? "iplist" :
		    "list", l->name);
		if (l->path[0] == '/')
			print_path(f, l->path);
		else
			print_string(f, l->path);
		if (l->format != FORMAT_CIDR)
			fprintf(f, " format %s", conf_format_name(l->format));
		fprintf(f, " action %s %s%s\n", conf_action_name(l->action),
		    l->lenient ? "lenient" : "strict",
		    l->disabled ? " disabled" : "");
	}
}
