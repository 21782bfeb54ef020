/*
 * control.c: the control socket.
 *
 * A UNIX stream socket; a client writes one line, "[json] command
 * [argument ...]", and reads "ok" or "error" on a line of its own, the
 * answer (text, or one JSON document), and the end of the connection.
 * Who may connect is decided by the socket file's mode and group, set
 * at start-up, as OpenBGPD does for bgpctl.  Everything runs on the
 * main thread; queue threads are only read under their batch lock.
 * A command reads the daemon through its view (view.h), builds its
 * result once and hands it to a formatter (output.h): text or JSON.
 * The connections themselves, and their bounds, are server.c's.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "clock.h"
#include "conf.h"
#include "control.h"
#include "learn.h"
#include "lists.h"
#include "log.h"
#include "name.h"
#include "output.h"
#include "packet.h"
#include "policy.h"
#include "queue.h"
#include "resolve.h"
#include "server.h"
#include "view.h"
#include "worker.h"
#include "xmalloc.h"

#define CONTROL_LINEMAX		4096	/* a request, newline included */
#define CONTROL_DEADLINE	10	/* seconds for a whole exchange */
#define CONTROL_CLIENTS		16	/* connections at once */
#define CONTROL_FLOWSMAX	1000	/* flows listed */
#define CONTROL_WORDS		64

struct control {
	struct view		*v;
	int			 fd;
	char			*path;
	struct server		*srv;
};

struct request {
	struct view		*v;
	struct evbuffer		*out;
	const struct output	*o;
	char			*word[CONTROL_WORDS];
	int			 nword;
};

/* A name asked about, and what is needed to say what would happen. */
struct test_cell {
	struct test_row		 row;
	struct explain		 x;
	char			 why[128];
};

typedef int	(*command_fn)(struct request *);

static int	cmd_status(struct request *);
static int	cmd_stats(struct request *);
static int	cmd_top(struct request *);
static int	cmd_flows(struct request *);
static int	cmd_test(struct request *);
static int	cmd_reload(struct request *);
static int	cmd_reopen(struct request *);
static void	test_decide(const struct view *, const char *,
		    struct test_cell *);
static void	answer(void *, char *, size_t, struct evbuffer *);
static int	stale_socket(const char *);

static const struct {
	const char	*name;
	command_fn	 fn;
	int		 minargs;
	int		 maxargs;
	const char	*usage;
} commands[] = {
	{ "flows",	cmd_flows,	0, 0, "usage: flows" },
	{ "reload",	cmd_reload,	0, 0, "usage: reload" },
	{ "reopen",	cmd_reopen,	0, 0, "usage: reopen" },
	{ "stats",	cmd_stats,	0, 0, "usage: stats" },
	{ "status",	cmd_status,	0, 0, "usage: status" },
	{ "test",	cmd_test,	1, CONTROL_WORDS, "usage: test name ..." },
	{ "top",	cmd_top,	0, 1, "usage: top [1-64]" },
};

static const char *
mode_name(const struct conf *c)
{
	return (c->mode == MODE_AUDIT ? "audit" : "block");
}

/* One queue as the kernel counts it; bound -1 without its table. */
static void
status_queue(const struct view *v, unsigned i, struct status_queue *q)
{
	struct queue_kstats	 k;

	memset(&k, 0, sizeof(k));
	q->num = v->workers[i]->num;
	q->bound = v->procfd == -1 ? -1 :
	    queue_kernel_stats(v->procfd, q->num, &k) == 0;
	q->waiting = k.waiting;
	q->dropped = k.dropped;
	q->user_dropped = k.user_dropped;
	q->queued = k.id_sequence;
}

static void
status_list(const struct list *l, struct status_list *s)
{
	s->name = l->name;
	s->action = conf_action_name(l->action);
	s->version = l->version;
	s->vendor = l->vendor;
	s->category = l->category;
	s->path = l->path;
	s->rules = l->rules;
	s->blocked = (uint64_t)atomic_load(&l->blocked);
	s->audited = (uint64_t)atomic_load(&l->audited);
}

static void
status_side(const char *name, const struct server *s, struct status_side *o)
{
	o->name = name;
	o->on = s != NULL;
	server_counts(s, &o->n);
}

/* status: version, uptime, mode, queues, side paths, lists. */
static int
cmd_status(struct request *r)
{
	const struct view	*v = r->v;
	const struct lists	*ls = v->slot->cur->lists;
	struct status_result	 s;
	struct status_queue	*q;
	struct status_list	*l;
	struct stats		 sum;
	size_t			 i;

	memset(&s, 0, sizeof(s));
	view_stats(v, &sum);
	s.sum = &sum;
	q = xcalloc(v->nworkers + 1, sizeof(*q));
	l = xcalloc(ls->nlists + 1, sizeof(*l));
	s.version = PACKAGE_VERSION;
	s.pid = (long)getpid();
	s.uid = (long)geteuid();
	s.uptime = (long)(time(NULL) - v->started);
	s.mode = mode_name(v->conf);
	s.rules = lists_rules(ls);
	s.loaded = (long long)v->slot->cur->loaded;
	s.reloaded = (long long)v->reloaded;
	s.reload_ok = v->reload_ok;
	s.reloads_ok = v->reloads_ok;
	s.reloads_failed = v->reloads_failed;
	s.reopened = (long long)v->reopened;
	s.reopen_ok = v->reopen_ok;
	for (i = 0; i < v->nworkers; i++)
		status_queue(v, (unsigned)i, &q[i]);
	s.queues = q;
	s.nqueues = v->nworkers;
	s.learned = learn_count(v->learn);
	s.learn_refused = learn_full(v->learn);
	s.lookups_on = v->resolver != NULL;
	resolver_counts(v->resolver, &s.lookups_ok, &s.lookups_failed);
	for (i = 0; i < ls->nlists; i++)
		status_list(&ls->list[i], &l[i]);
	s.lists = l;
	s.nlists = ls->nlists;
	status_side("control", v->control, &s.side[0]);
	status_side("metrics", v->metrics, &s.side[1]);
	r->o->status(r->out, &s);
	free(q);
	free(l);
	return (0);
}

/* stats: every counter, summed over the queues and per queue. */
static int
cmd_stats(struct request *r)
{
	const struct view	*v = r->v;
	struct stats		 sum;
	const struct stats	**qs = xcalloc(v->nworkers + 1, sizeof(*qs));
	unsigned		*num = xcalloc(v->nworkers + 1, sizeof(*num));
	struct stats_result	 s;
	unsigned		 i;

	view_stats(v, &sum);
	for (i = 0; i < v->nworkers; i++) {
		qs[i] = &v->workers[i]->stats;
		num[i] = v->workers[i]->num;
	}
	s.sum = &sum;
	s.queue = qs;
	s.num = num;
	s.nqueues = v->nworkers;
	r->o->stats(r->out, &s);
	free(qs);
	free(num);
	return (0);
}

/* top [N]: the names and clients that matched most, over all queues. */
static int
cmd_top(struct request *r)
{
	struct top		*names, *clients;
	struct top_result	 t;
	unsigned long		 n = 10;
	unsigned		 i;
	char			*end;

	if (r->nword == 2 && ((n = strtoul(r->word[1], &end, 10)) == 0 ||
	    *end != '\0' || n > TOP_SLOTS)) {
		r->o->error(r->out, "usage: top [1-64]");
		return (-1);
	}
	names = xcalloc(1, sizeof(*names));
	clients = xcalloc(1, sizeof(*clients));
	for (i = 0; i < r->v->nworkers; i++) {
		pthread_mutex_lock(&r->v->workers[i]->lock);
		top_merge(names, &r->v->workers[i]->top_names);
		top_merge(clients, &r->v->workers[i]->top_clients);
		pthread_mutex_unlock(&r->v->workers[i]->lock);
	}
	top_sort(names);
	top_sort(clients);
	t.names = names;
	t.clients = clients;
	t.n = n;
	r->o->top(r->out, &t);
	free(names);
	free(clients);
	return (0);
}

static const char *
proto_word(uint8_t p)
{
	static const char *w[] = { "-", "dns", "tls", "http", "quic" };

	return (p < 5 ? w[p] : "?");
}

static const char *
state_word(const struct flow *f)
{
	if (f->state == FLOW_DECIDED)
		return (f->verdict == VERDICT_BLOCK ? "blocked" : "allowed");
	return (f->state == FLOW_GATHER ? "gathering" : "open");
}

static void
flow_row(unsigned q, const struct flow *f, uint64_t now, struct flow_row *o)
{
	o->queue = q;
	o->proto = proto_word(f->proto);
	o->state = state_word(f);
	addr_ntop(&f->t.src, o->src, sizeof(o->src));
	addr_ntop(&f->t.dst, o->dst, sizeof(o->dst));
	o->sport = f->t.sport;
	o->dport = f->t.dport;
	o->idle_ms = now - f->last;
	o->gathered = f->st.buf ? stream_contiguous(&f->st) : 0;
}

/* flows: the TCP (and QUIC) flows each queue follows now. */
static int
cmd_flows(struct request *r)
{
	struct flows_result	 s;
	struct flow_row		*rows;
	const struct flow	*f;
	struct worker		*w;
	uint64_t		 now = clock_mono_ms();
	unsigned		 i;

	memset(&s, 0, sizeof(s));
	rows = xcalloc(CONTROL_FLOWSMAX, sizeof(*rows));
	for (i = 0; i < r->v->nworkers; i++) {
		w = r->v->workers[i];
		pthread_mutex_lock(&w->lock);
		s.total += flow_count(w->in.flows);
		for (f = flow_first(w->in.flows); f != NULL &&
		    s.shown < CONTROL_FLOWSMAX; f = flow_next(w->in.flows, f))
			flow_row(w->num, f, now, &rows[s.shown++]);
		pthread_mutex_unlock(&w->lock);
	}
	s.rows = rows;
	s.max = CONTROL_FLOWSMAX;
	r->o->flows(r->out, &s);
	free(rows);
	return (0);
}

/*
 * What the running daemon would do with the name word: the list and
 * rule that match it, and whether that blocks, audits or allows.  The
 * decision, kept apart from the command and its output.
 */
static void
test_decide(const struct view *v, const char *word, struct test_cell *c)
{
	struct explain	*x = &c->x;

	c->row.word = word;
	c->row.name = NULL;
	c->row.list = NULL;
	c->row.allow = 0;
	if (policy_explain(v->slot->cur, word, NULL, x) == -1) {
		c->row.result = name_strerror(&x->name, c->why, sizeof(c->why));
		return;
	}
	c->row.name = x->name.s;
	c->row.result = x->outcome;
	if (x->d.list == NULL)
		return;
	c->row.list = x->d.list->name;
	c->row.rule = x->name.s + x->d.res.offset;
	c->row.match = match_kind_name(x->d.res.kind);
	c->row.allow = x->d.res.effect == MATCH_ALLOW;
}

/* test NAME...: which list and rule the running daemon would apply. */
static int
cmd_test(struct request *r)
{
	struct test_cell	*cells;
	struct test_row		*rows;
	struct test_result	 t;
	int			 i, rc = 0;

	cells = xcalloc((size_t)r->nword, sizeof(*cells));
	rows = xcalloc((size_t)r->nword, sizeof(*rows));
	for (i = 1; i < r->nword; i++) {
		test_decide(r->v, r->word[i], &cells[i]);
		if (cells[i].row.name == NULL)
			rc = -1;
		rows[i - 1] = cells[i].row;
	}
	t.rows = rows;
	t.n = (size_t)r->nword - 1;
	r->o->test(r->out, &t);
	free(rows);
	free(cells);
	return (rc);
}

/* reload: as SIGHUP, but the errors come back to the caller. */
static int
cmd_reload(struct request *r)
{
	struct reload_result	 s;
	char			*msg = xcalloc(1, 8192);

	s.ok = r->v->reload(r->v->arg, msg, 8192) == 0;
	s.rules = lists_rules(r->v->slot->cur->lists);
	s.messages = msg;
	r->o->reload(r->out, &s);
	free(msg);
	return (s.ok ? 0 : -1);
}

/* reopen: the event file, after a rotation. */
static int
cmd_reopen(struct request *r)
{
	int	 rc = r->v->reopen(r->v->arg);

	r->o->reopen(r->out, rc == 0);
	return (rc);
}

/*
 * Split a request line into words and run its command; a command given
 * more or fewer arguments than it takes is refused, never run on the
 * ones it knows.
 */
static void
answer(void *arg, char *line, size_t len, struct evbuffer *out)
{
	struct request	 r;
	struct evbuffer	*body = evbuffer_new();
	size_t		 i, n = sizeof(commands) / sizeof(commands[0]);
	char		*save = NULL, *w, msg[160];
	int		 rc = -1, more = 0;

	(void)len;
	memset(&r, 0, sizeof(r));
	r.v = arg;
	r.out = body;
	r.o = &output_text;
	for (w = strtok_r(line, " \t\r", &save); w != NULL;
	    w = strtok_r(NULL, " \t\r", &save)) {
		if (r.nword == CONTROL_WORDS) {
			more = 1;
			break;
		}
		r.word[r.nword++] = w;
	}
	if (r.nword > 0 && strcmp(r.word[0], "json") == 0) {
		r.o = &output_json;
		memmove(r.word, r.word + 1, sizeof(r.word[0]) * --r.nword);
	}
	for (i = 0; r.nword > 0 && i < n; i++)
		if (strcmp(r.word[0], commands[i].name) == 0)
			break;
	if (r.nword == 0 || i == n) {
		snprintf(msg, sizeof(msg), "unknown command \"%s\"; commands: "
		    "status stats top flows test reload reopen",
		    r.nword ? r.word[0] : "");
		r.o->error(body, msg);
	} else if (more || r.nword - 1 < commands[i].minargs ||
	    r.nword - 1 > commands[i].maxargs)
		r.o->error(body, more ? "too many arguments" :
		    commands[i].usage);
	else
		rc = commands[i].fn(&r);
	evbuffer_add_printf(out, "%s\n", rc == 0 ? "ok" : "error");
	evbuffer_add_buffer(out, body);
	evbuffer_free(body);
}

/*
 * Is there a socket at path that nobody answers on?  Then it is left
 * over and may go; a live one means another embargod.
 */
static int
stale_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, live;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (0);
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return (!live);
}

/*
 * Create and bind the socket (start-up, still privileged): its
 * directory if missing, owned by owner so the daemon can remove the
 * socket after dropping privileges; mode and group as configured.
 */
struct control *
control_open(struct view *v, const char *path, const char *group,
    unsigned mode, uid_t owner)
{
	struct sockaddr_un	 sun;
	struct control		*c;
	struct group		*gr = NULL;
	char			*dir, *tmp;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return (NULL);
	}
	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		log_warnx("control socket: no group \"%s\"", group);
		return (NULL);
	}
	tmp = xstrdup(path);
	dir = dirname(tmp);
	if (mkdir(dir, 0755) == 0 && chown(dir, owner, (gid_t)-1) == -1)
		log_warn("%s: chown", dir);
	free(tmp);
	if (access(path, F_OK) == 0) {
		if (!stale_socket(path)) {
			log_warnx("control socket %s: another embargod "
			    "answers on it", path);
			return (NULL);
		}
		unlink(path);
	}
	c = xcalloc(1, sizeof(*c));
	c->v = v;
	c->path = xstrdup(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, mode) == -1 ||
	    (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) == -1) ||
	    listen(c->fd, 64) == -1) {
		log_warn("control socket %s", path);
		if (c->fd != -1)
			close(c->fd);
		free(c->path);
		free(c);
		return (NULL);
	}
	return (c);
}

/* Start accepting on base (the main thread's loop). */
int
control_listen(struct control *c, struct event_base *base)
{
	struct server_conf	 sc = {
		.name = "control socket",
		.clients = CONTROL_CLIENTS,
		.deadline = CONTROL_DEADLINE,
		.request_max = CONTROL_LINEMAX,
		.end = "\n",
		.answer = answer,
		.arg = c->v,
	};

	if ((c->srv = server_new(base, c->fd, &sc)) == NULL)
		return (-1);
	c->v->control = c->srv;
	return (0);
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	if (c->srv != NULL)
		server_free(c->srv);	/* closes the socket */
	else
		close(c->fd);
	/*
	 * A directory the daemon's user may not write (one that existed
	 * before, not made by control_new()) keeps the socket: the next
	 * start finds it stale and removes it.
	 */
	if (unlink(c->path) == -1) {
		if (errno == EACCES || errno == EPERM)
			log_info("control socket %s stays: its directory is "
			    "not the daemon user's; the next start removes it",
			    c->path);
		else if (errno != ENOENT)
			log_warn("%s", c->path);
	}
	free(c->path);
	free(c);
}
