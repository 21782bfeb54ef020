/*
 * lists.c: read list files in the native format and the formats users
 * already have, and compile them into one matcher.
 *
 * Line forms (see embargo.lists(5)):
 *   name                  native/domains: the name and its subdomains
 *   exact name            native: the name only
 *   allow [exact] name    native: an exception
 *   @key value            native: metadata
 *   0.0.0.0 name...       hosts: each name exactly
 *   ||name^  @@||name^    adblock: the name and its subdomains
 * A list's format (auto by default) says which forms it may hold.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "file.h"
#include "lists.h"
#include "log.h"
#include "name.h"
#include "xmalloc.h"

#define LISTS_MAXSIZE	((size_t)512 * 1024 * 1024)
#define LISTS_SHOWMAX	20	/* messages shown per file */
#define LISTS_LINEMAX	4096

enum form {
	FORM_META,
	FORM_NATIVE,	/* "exact" or "allow" rules */
	FORM_NAME,
	FORM_HOSTS,
	FORM_ADBLOCK
};

enum meta_key {
	META_VENDOR,
	META_CATEGORY,
	META_DESCRIPTION,
	META_VERSION,
	META_SCOPE,
	META_LISTED,
	META_PORTS,
	META_SOURCE,
	META_NKEYS
};

static const char *meta_names[META_NKEYS] = {
	"vendor", "category", "description", "version", "scope", "listed",
	"ports", "source"
};

struct lparse {
	struct match_builder	*b;
	struct cidr_builder	*cb;		/* set: an IP list */
	struct lists		*ls;		/* to collect exact names */
	struct list		*l;
	unsigned		 idx;
	unsigned		 line;
	lists_diag_cb		 diag;
	void			*arg;
	size_t			 shown;
	unsigned		 metaline[META_NKEYS];
};

struct dupctx {
	struct lists		*ls;
	lists_diag_cb		 diag;
	void			*arg;
};

static void	diag_log(const char *, void *);
static void	lp_say(struct lparse *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static void	lp_error(struct lparse *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	form_allowed(enum list_format, enum form);
static const char *form_name(enum list_format);
static void	add_rule(struct lparse *, const char *, size_t,
		    enum match_kind, enum match_effect);
static void	parse_meta(struct lparse *, char *);
static void	parse_ports(struct lparse *, char *);
static void	add_prefix(struct lparse *, const char *);
static void	parse_text(struct lparse *, const char *, size_t);
static void	parse_native(struct lparse *, char **, int);
static void	parse_hosts(struct lparse *, char **, int);
static void	parse_adblock(struct lparse *, char *);
static int	parse_plain_name(struct lparse *, char *, size_t);
static void	parse_line(struct lparse *, char *, size_t);
static int	split(char *, char **, int);
static int	is_sink(const char *);
static int	looks_like_address(const char *, int);
static int	is_hosts_boilerplate(const char *);
static void	report_dup(unsigned, uint32_t, uint32_t, int, void *);
static int	load_one(struct lists *, struct match_builder *,
		    struct cidr_builder *, unsigned, const struct conf *,
		    const struct conf_list *, lists_diag_cb, void *);

static void
diag_log(const char *msg, void *arg)
{
	(void)arg;
	log_warnx("%s", msg);
}

/* Say something about the current line, within the per-file budget. */
static void
lp_say(struct lparse *p, const char *fmt, ...)
{
	char	 msg[512];
	int	 n;
	va_list	 ap;

	if (p->shown++ >= LISTS_SHOWMAX)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%u: ", p->l->path, p->line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	p->diag(msg, p->arg);
}

/* A line that cannot be used: refused (strict) or skipped (lenient). */
static void
lp_error(struct lparse *p, const char *fmt, ...)
{
	char	 msg[400];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->l->errors++;
	lp_say(p, "%s", msg);
}

static int
form_allowed(enum list_format f, enum form form)
{
	switch (f) {
	case FORMAT_AUTO:
		return (1);
	case FORMAT_NATIVE:
		return (form == FORM_META || form == FORM_NATIVE ||
		    form == FORM_NAME);
	case FORMAT_DOMAINS:
		return (form == FORM_NAME);
	case FORMAT_HOSTS:
		return (form == FORM_HOSTS);
	case FORMAT_ADBLOCK:
		return (form == FORM_ADBLOCK);
	case FORMAT_CIDR:
		return (form == FORM_META);	/* prefixes: parse_line */
	}
	return (0);
}

static const char *
form_name(enum list_format f)
{
	switch (f) {
	case FORMAT_HOSTS:
		return ("a hosts line");
	case FORMAT_ADBLOCK:
		return ("an adblock rule");
	case FORMAT_DOMAINS:
		return ("a plain name");
	default:
		return ("a native list line");
	}
}

/* Normalise a name and add it as a rule of the current list. */
static void
add_rule(struct lparse *p, const char *s, size_t len, enum match_kind kind,
    enum match_effect effect)
{
	struct name	 n;
	char		 why[128];

	if (name_normalize(&n, s, len, NAME_LIST) == -1) {
		lp_error(p, "\"%.*s%s\": %s", len > 64 ? 64 : (int)len, s,
		    len > 64 ? "..." : "", name_strerror(&n, why, sizeof(why)));
		return;
	}
	if (match_builder_add(p->b, n.s, n.len, kind, effect, p->idx,
	    p->line) == -1) {
		lp_error(p, "too many lists");
		return;
	}
	p->l->rules++;
	/* the daemon resolves the hosts its block lists name exactly */
	if (p->ls != NULL && kind == MATCH_EXACT && effect == MATCH_BLOCK &&
	    p->l->action != ACTION_AUDIT &&
	    p->ls->nresolve < LISTS_RESOLVE_MAX) {
		p->ls->resolve = xreallocarray(p->ls->resolve,
		    p->ls->nresolve + 1, sizeof(*p->ls->resolve));
		p->ls->resolve[p->ls->nresolve].name = xstrdup(n.s);
		p->ls->resolve[p->ls->nresolve++].list = p->idx;
	}
}

/* @key value */
static void
parse_meta(struct lparse *p, char *s)
{
	struct list	*l = p->l;
	char		*key = s + 1, *val, **slot;
	int		 k;

	val = key + strcspn(key, " \t");
	if (*val != '\0')
		*val++ = '\0';
	val += strspn(val, " \t");
	for (k = 0; k < META_NKEYS; k++)
		if (strcmp(key, meta_names[k]) == 0)
			break;
	if (k == META_NKEYS) {
		lp_error(p, "unknown metadata key \"@%s\"", key);
		return;
	}
	if (*val == '\0') {
		lp_error(p, "\"@%s\" needs a value", key);
		return;
	}
	if (k == META_PORTS) {
		parse_ports(p, val);
		return;
	}
	if (k == META_SOURCE) {
		l->sources = xreallocarray(l->sources, l->nsources + 1,
		    sizeof(*l->sources));
		l->sources[l->nsources++] = xstrdup(val);
		return;
	}
	if (p->metaline[k] != 0) {
		lp_error(p, "\"@%s\" given twice (first at line %u)", key,
		    p->metaline[k]);
		return;
	}
	p->metaline[k] = p->line;
	slot = k == META_VENDOR ? &l->vendor : k == META_CATEGORY ?
	    &l->category : k == META_DESCRIPTION ? &l->description :
	    k == META_VERSION ? &l->version : k == META_LISTED ? &l->listed :
	    &l->scope;
	*slot = xstrdup(val);
}

/* @ports N ...: flows to these ports are the list's too (DoT: 853). */
static void
parse_ports(struct lparse *p, char *val)
{
	char		*w, *end, *save = NULL;
	unsigned long	 n;

	for (w = strtok_r(val, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		n = strtoul(w, &end, 10);
		if (*w < '0' || *w > '9' || *end != '\0' || n == 0 ||
		    n > 65535) {
			lp_error(p, "@ports: \"%s\" is not a port", w);
			return;
		}
		if (p->l->nports == LISTS_PORTS_MAX) {
			lp_error(p, "@ports: more than %d ports",
			    LISTS_PORTS_MAX);
			return;
		}
		p->l->ports[p->l->nports++] = (uint16_t)n;
	}
}

/* A prefix line of an IP list. */
static void
add_prefix(struct lparse *p, const char *s)
{
	struct addr	 a;
	unsigned	 plen;
	const char	*why;

	if (cidr_parse(s, &a, &plen, &why) == -1) {
		lp_error(p, "\"%.64s\": %s", s, why);
		return;
	}
	cidr_builder_add(p->cb, &a, plen, p->idx);
	p->l->rules++;
}

/* exact NAME | allow NAME | allow exact NAME */
static void
parse_native(struct lparse *p, char **tok, int ntok)
{
	enum match_effect	 effect = MATCH_BLOCK;
	enum match_kind		 kind = MATCH_SUFFIX;
	int			 i = 0;

	if (strcmp(tok[i], "allow") == 0) {
		effect = MATCH_ALLOW;
		i++;
	}
	if (i < ntok && strcmp(tok[i], "exact") == 0) {
		kind = MATCH_EXACT;
		i++;
	}
	if (i == ntok) {
		lp_error(p, "\"%s\" needs a name", tok[i - 1]);
		return;
	}
	if (i + 1 < ntok) {
		lp_error(p, "unexpected \"%s\" after the name", tok[i + 1]);
		return;
	}
	add_rule(p, tok[i], strlen(tok[i]), kind, effect);
}

/* The addresses hosts-format blocklists point names at. */
static int
is_sink(const char *s)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (inet_pton(AF_INET, s, &a4) == 1)
		return (a4.s_addr == htonl(INADDR_ANY) ||
		    (ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		    IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

/*
 * Does a line's first word make it a hosts line?  Any IPv6 address, or
 * an IPv4 address followed by names; a lone dotted quad is a (bad)
 * name.  Cheap tests first: this runs on every line.
 */
static int
looks_like_address(const char *w, int ntok)
{
	if (!((w[0] >= '0' && w[0] <= '9') || w[0] == ':'))
		return (0);
	return (strchr(w, ':') != NULL || is_sink(w) ||
	    (ntok > 1 && strspn(w, "0123456789.") == strlen(w)));
}

/* Names every hosts file carries that are not blocklist entries. */
static int
is_hosts_boilerplate(const char *s)
{
	static const char *names[] = { "localhost", "localhost.localdomain",
	    "local", "broadcasthost", "ip6-localhost", "ip6-loopback",
	    "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes",
	    "ip6-allrouters", "ip6-allhosts", "0.0.0.0" };
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (1);
	return (0);
}

/* ADDRESS name [name...]: every name exactly. */
static void
parse_hosts(struct lparse *p, char **tok, int ntok)
{
	int	 i;

	if (!is_sink(tok[0])) {
		lp_error(p, "hosts entry points to %s, not to a blocking "
		    "address (0.0.0.0, 127.0.0.1, :: or ::1)", tok[0]);
		return;
	}
	if (ntok == 1) {
		lp_error(p, "hosts entry without a name");
		return;
	}
	for (i = 1; i < ntok; i++)
		if (!is_hosts_boilerplate(tok[i]))
			add_rule(p, tok[i], strlen(tok[i]), MATCH_EXACT,
			    MATCH_BLOCK);
}

/* ||name^ or @@||name^ and nothing else. */
static void
parse_adblock(struct lparse *p, char *s)
{
	enum match_effect	 effect = MATCH_BLOCK;
	char			*end;

	if (strncmp(s, "@@", 2) == 0) {
		effect = MATCH_ALLOW;
		s += 2;
	}
	if (strncmp(s, "||", 2) != 0) {
		lp_error(p, "adblock rule is not a domain rule (\"||name^\")");
		return;
	}
	s += 2;
	if ((end = strchr(s, '^')) == NULL) {
		lp_error(p, "adblock rule without the '^' separator");
		return;
	}
	if (end[1] == '$') {
		lp_error(p, "adblock modifiers (\"%s\") are not supported",
		    end + 1);
		return;
	}
	if (end[1] != '\0' && strcmp(end + 1, "|") != 0) {
		lp_error(p, "unexpected \"%s\" after '^'", end + 1);
		return;
	}
	add_rule(p, s, (size_t)(end - s), MATCH_SUFFIX, effect);
}

/* Split s on blanks into at most max words; returns how many. */
static int
split(char *s, char **tok, int max)
{
	int	 n = 0;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0' || n == max)
			return (n);
		tok[n++] = s;
		s += strcspn(s, " \t");
		if (*s != '\0')
			*s++ = '\0';
	}
}

/*
 * The line most lists are made of: one name and nothing else.  It takes
 * no splitting, no comment search and no second look: when the line
 * holds no blank, '#', CR or NUL, starts with a letter that opens no
 * other form ('a' and 'e' may be "allow" and "exact"), is no longer
 * than LISTS_LINEMAX and the list's format takes plain names, it is
 * added here, as parse_line() would add it.  Returns 0 for any other
 * line, which parse_line() then reads the long way.
 */
static int
parse_plain_name(struct lparse *p, char *s, size_t len)
{
	static const unsigned char stop[256] = {
		[0] = 1, [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['#'] = 1
	};
	enum list_format	 f = p->l->format;
	unsigned char		 c = len > 0 ? (unsigned char)s[0] : 0;
	size_t			 i;

	if (len > LISTS_LINEMAX || (f != FORMAT_AUTO && f != FORMAT_NATIVE &&
	    f != FORMAT_DOMAINS) || c == 'a' || c == 'e' ||
	    (unsigned)((c | 0x20) - 'a') >= 26)
		return (0);
	for (i = 0; i < len; i++)
		if (stop[(unsigned char)s[i]])
			return (0);
	s[len] = '\0';
	add_rule(p, s, len, MATCH_SUFFIX, MATCH_BLOCK);
	return (1);
}

/* One line, without its newline; s[len] is writable. */
static void
parse_line(struct lparse *p, char *s, size_t len)
{
	enum list_format	 f = p->l->format;
	enum form		 form;
	char			*tok[64], *hash;
	int			 ntok = 0;

	if (parse_plain_name(p, s, len))
		return;
	if (memchr(s, '\0', len) != NULL) {
		lp_error(p, "NUL byte in line");
		return;
	}
	if (len > LISTS_LINEMAX) {
		lp_error(p, "line longer than %d bytes", LISTS_LINEMAX);
		return;
	}
	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t'))
		len--;
	s[len] = '\0';
	s += strspn(s, " \t");
	if (*s == '\0' || *s == '#')
		return;
	if (*s == '!' || (*s == '[' && s[strlen(s) - 1] == ']')) {
		if (!form_allowed(f, FORM_ADBLOCK))
			lp_error(p, "not %s", form_name(f));
		return;		/* adblock comment or header */
	}
	for (hash = s; (hash = strchr(hash, '#')) != NULL; hash++)
		if (hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	if (f == FORMAT_CIDR) {
		if (*s == '@')
			parse_meta(p, s);
		else if ((ntok = split(s, tok, 2)) != 1)
			lp_error(p, "unexpected \"%s\" after the prefix",
			    tok[1]);
		else
			add_prefix(p, tok[0]);
		return;
	}
	if (*s == '|' || strncmp(s, "@@", 2) == 0)
		form = FORM_ADBLOCK;
	else if (*s == '@')
		form = FORM_META;
	else {
		if ((ntok = split(s, tok, 64)) == 64) {
			lp_error(p, "more than 63 names on one line");
			return;
		}
		if (looks_like_address(tok[0], ntok))
			form = FORM_HOSTS;
		else if ((tok[0][0] == 'a' && strcmp(tok[0], "allow") == 0) ||
		    (tok[0][0] == 'e' && strcmp(tok[0], "exact") == 0))
			form = FORM_NATIVE;
		else
			form = FORM_NAME;
	}
	if (!form_allowed(f, form)) {
		lp_error(p, "not %s", form_name(f));
		return;
	}
	switch (form) {
	case FORM_ADBLOCK:
		*(s + strcspn(s, " \t")) = '\0';
		parse_adblock(p, s);
		break;
	case FORM_META:
		parse_meta(p, s);
		break;
	case FORM_NATIVE:
		parse_native(p, tok, ntok);
		break;
	case FORM_HOSTS:
		parse_hosts(p, tok, ntok);
		break;
	case FORM_NAME:
		if (ntok > 1) {
			lp_error(p, "unexpected \"%s\" after the name", tok[1]);
			return;
		}
		if (strncmp(tok[0], "*.", 2) == 0)
			tok[0] += 2;	/* "*.x" means x and below, as "x" */
		add_rule(p, tok[0], strlen(tok[0]), MATCH_SUFFIX, MATCH_BLOCK);
		break;
	}
}

/* Every line of buf[0..len); buf[len] must be writable. */
static void
parse_lines(struct lparse *p, char *buf, size_t len)
{
	char	*line, *nl, *end;

	line = buf;
	end = line + len;
	while (line < end) {
		p->line++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		parse_line(p, line, (size_t)(nl - line));
		line = nl + 1;
	}
}

/* file_lines() hands over a block of lines. */
static void
parse_block(char *buf, size_t len, void *arg)
{
	parse_lines(arg, buf, len);
}

/* After the last line: say how many messages were not shown. */
static void
parse_done(struct lparse *p)
{
	char	 msg[512];

	if (p->shown <= LISTS_SHOWMAX)
		return;
	snprintf(msg, sizeof(msg), "%s: %zu more message%s not shown",
	    p->l->path, p->shown - LISTS_SHOWMAX,
	    p->shown - LISTS_SHOWMAX == 1 ? "" : "s");
	p->diag(msg, p->arg);
}

static void
parse_text(struct lparse *p, const char *buf, size_t len)
{
	parse_lines(p, (char *)buf, len);
	parse_done(p);
}

static void
parse_init(struct lparse *p, struct lists *ls, struct match_builder *b,
    struct cidr_builder *cb, struct list *l, unsigned idx,
    lists_diag_cb diag, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->b = b;
	p->cb = cb;
	p->ls = ls;
	p->l = l;
	p->idx = idx;
	p->diag = diag != NULL ? diag : diag_log;
	p->arg = arg;
}

/*
 * Parse buf into b (a name list) or cb (an IP list) as list idx of ls
 * (which collects the names to look up; NULL: none).
 */
static int
parse_list_text(struct lists *ls, struct match_builder *b,
    struct cidr_builder *cb, struct list *l, unsigned idx, const char *buf,
    size_t len, lists_diag_cb diag, void *arg)
{
	struct lparse	 p;

	parse_init(&p, ls, b, cb, l, idx, diag, arg);
	parse_text(&p, buf, len);
	return ((int)l->errors);
}

/*
 * Parse one name list's text (buf[len] must be writable: it is
 * modified) into b as list number idx.  Fills l's metadata and
 * counters; returns the number of refused lines.
 */
int
lists_parse(struct match_builder *b, struct list *l, unsigned idx,
    const char *buf, size_t len, lists_diag_cb diag, void *arg)
{
	return (parse_list_text(NULL, b, NULL, l, idx, buf, len, diag, arg));
}

/* The same for an IP list: its prefixes go into cb with value idx. */
int
lists_parse_ip(struct cidr_builder *cb, struct list *l, unsigned idx,
    const char *buf, size_t len, lists_diag_cb diag, void *arg)
{
	return (parse_list_text(NULL, NULL, cb, l, idx, buf, len, diag, arg));
}

/* The builder found a rule twice in one list. */
static void
report_dup(unsigned idx, uint32_t line, uint32_t first, int conflict,
    void *arg)
{
	struct dupctx	*d = arg;
	struct list	*l = &d->ls->list[idx];
	char		 msg[512];

	l->warnings++;
	if (conflict)
		snprintf(msg, sizeof(msg), "%s:%u: rule conflicts with line "
		    "%u; the allow rule wins", l->path, line, first);
	else
		snprintf(msg, sizeof(msg), "%s:%u: duplicate rule (first at "
		    "line %u)", l->path, line, first);
	d->diag(msg, d->arg);
}

/*
 * Read one configured list into b as list number idx.  Returns -1 when
 * it cannot be used: unreadable, or strict with an error.
 */
static int
load_one(struct lists *ls, struct match_builder *b, struct cidr_builder *cb,
    unsigned idx, const struct conf *conf, const struct conf_list *cl,
    lists_diag_cb diag, void *arg)
{
	struct list	*l = &ls->list[idx];
	struct lparse	 p;
	char		 msg[512];

	l->name = xstrdup(cl->name);
	l->path = conf_list_path(conf, cl);
	l->format = cl->format;
	l->lenient = cl->lenient;
	l->action = cl->action;
	/* a block at a time: a big list is never held whole (file.c) */
	parse_init(&p, ls, b, cl->format == FORMAT_CIDR ? cb : NULL, l, idx,
	    diag, arg);
	if (file_lines(l->path, LISTS_MAXSIZE, parse_block, &p) == -1) {
		snprintf(msg, sizeof(msg), "%s: %s", l->path, strerror(errno));
		diag(msg, arg);
		return (-1);
	}
	parse_done(&p);
	if (l->errors == 0)
		return (0);
	if (l->lenient)
		snprintf(msg, sizeof(msg), "%s: %zu line%s skipped", l->path,
		    l->errors, l->errors == 1 ? "" : "s");
	else
		snprintf(msg, sizeof(msg), "%s: %zu error%s; list refused",
		    l->path, l->errors, l->errors == 1 ? "" : "s");
	diag(msg, arg);
	return (l->lenient ? 0 : -1);
}

/*
 * Load every enabled list of the configuration into a new set.  Returns
 * NULL when a file cannot be read or a strict list has an error;
 * lenient lists lose only their bad lines.  The live set is never
 * touched.
 */
struct lists *
lists_load(const struct conf *conf, lists_diag_cb diag, void *arg)
{
	struct match_builder	*b;
	struct cidr_builder	*cb;
	struct lists		*ls;
	struct dupctx		 d;
	char			 msg[512];
	size_t			 i, n = 0;
	int			 failed = 0;

	if (diag == NULL)
		diag = diag_log;
	for (i = 0; i < conf->nlists; i++)
		n += !conf->lists[i].disabled;
	if (n > MATCH_LISTMAX) {
		snprintf(msg, sizeof(msg), "%s: more than %d lists",
		    conf->path, MATCH_LISTMAX);
		diag(msg, arg);
		return (NULL);
	}
	ls = xcalloc(1, sizeof(*ls));
	atomic_init(&ls->refs, 1);
	if (n > 0)
		ls->list = xcalloc(n, sizeof(*ls->list));
	b = match_builder_new();
	cb = cidr_builder_new();
	for (i = 0; i < conf->nlists; i++) {
		if (conf->lists[i].disabled)
			continue;
		if (load_one(ls, b, cb, (unsigned)ls->nlists, conf,
		    &conf->lists[i], diag, arg) == -1)
			failed = 1;
		ls->nlists++;
	}
	ls->ipset = cidr_builder_finish(cb);
	if (failed) {
		match_builder_free(b);
		lists_unref(ls);
		return (NULL);
	}
	d.ls = ls;
	d.diag = diag;
	d.arg = arg;
	ls->match = match_builder_finish(b, report_dup, &d);
	ls->loaded = time(NULL);
	return (ls);
}

/* The IP list whose most specific prefix holds a; NULL when none does. */
const struct list *
lists_lookup_addr(const struct lists *ls, const struct addr *a,
    struct addr *net, unsigned *plen)
{
	uint32_t	 v;

	if (ls->ipset == NULL || !cidr_lookup(ls->ipset, a, &v, net, plen))
		return (NULL);
	return (&ls->list[v]);
}

/* The first list that claims a service port (@ports); NULL when none. */
const struct list *
lists_lookup_port(const struct lists *ls, uint16_t port)
{
	size_t	 i;
	int	 k;

	for (i = 0; i < ls->nlists; i++)
		for (k = 0; k < ls->list[i].nports; k++)
			if (ls->list[i].ports[k] == port)
				return (&ls->list[i]);
	return (NULL);
}

/* The list called name; NULL when there is none. */
const struct list *
lists_find(const struct lists *ls, const char *name)
{
	size_t	 i;

	for (i = 0; i < ls->nlists; i++)
		if (strcmp(ls->list[i].name, name) == 0)
			return (&ls->list[i]);
	return (NULL);
}

/* Which list decides name; NULL when none covers it. */
const struct list *
lists_lookup(const struct lists *ls, const char *name, size_t len,
    struct match_result *res)
{
	if (!match_lookup(ls->match, name, len, res))
		return (NULL);
	return (&ls->list[res->list]);
}

/*
 * Which list decides a name of which only n is known: n itself when
 * it is whole, some name below n when n is the valid right-most part
 * of what was sent (n->partial; an empty part names nothing).
 */
const struct list *
lists_lookup_name(const struct lists *ls, const struct name *n,
    struct match_result *res)
{
	if (!n->partial)
		return (lists_lookup(ls, n->s, n->len, res));
	if (n->len == 0 || !match_lookup_below(ls->match, n->s, n->len, res))
		return (NULL);
	return (&ls->list[res->list]);
}

size_t
lists_rules(const struct lists *ls)
{
	return (ls->match ? match_count(ls->match) : 0);
}

/*
 * Count a block (blocked) or audit event against a list.  Lists are
 * shared and otherwise immutable; their counters are atomic.
 */
void
list_count_event(const struct list *l, int blocked)
{
	struct list	*w = (struct list *)(uintptr_t)l;

	atomic_fetch_add_explicit(blocked ? &w->blocked : &w->audited, 1,
	    memory_order_relaxed);
}

/*
 * A reload keeps each list's event counts: counters for a list of the
 * same name carry over from the set being replaced.
 */
void
lists_carry_counts(struct lists *to, const struct lists *from)
{
	size_t	 i, j;

	for (i = 0; i < to->nlists; i++)
		for (j = 0; j < from->nlists; j++)
			if (strcmp(to->list[i].name, from->list[j].name) == 0) {
				atomic_store(&to->list[i].blocked,
				    atomic_load(&from->list[j].blocked));
				atomic_store(&to->list[i].audited,
				    atomic_load(&from->list[j].audited));
				break;
			}
}

struct lists *
lists_ref(struct lists *ls)
{
	atomic_fetch_add_explicit(&ls->refs, 1, memory_order_relaxed);
	return (ls);
}

void
list_clear(struct list *l)
{
	size_t	 i;

	free(l->name);
	free(l->path);
	free(l->vendor);
	free(l->category);
	free(l->description);
	free(l->version);
	free(l->scope);
	free(l->listed);
	for (i = 0; i < l->nsources; i++)
		free(l->sources[i]);
	free(l->sources);
	memset(l, 0, sizeof(*l));
}

/* Let go of a set; the last user frees it. */
void
lists_unref(struct lists *ls)
{
	size_t	 i;

	if (ls == NULL)
		return;
	if (atomic_fetch_sub_explicit(&ls->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (i = 0; i < ls->nlists; i++)
		list_clear(&ls->list[i]);
	free(ls->list);
	for (i = 0; i < ls->nresolve; i++)
		free(ls->resolve[i].name);
	free(ls->resolve);
	cidr_free(ls->ipset);
	match_unref(ls->match);
	free(ls);
#ifdef HAVE_MALLOC_TRIM
	/*
	 * The compiled set was one mapping and is gone already; what the
	 * loader left in the heap (metadata, names to look up, the small
	 * lists' tables) is given back too, so that a router's resident
	 * size after any number of reloads is that of one set.
	 */
	malloc_trim(0);
#endif
}
