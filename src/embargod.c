/*
 * embargod: keep restricted vendors' software from phoning home.
 *
 * The main thread loads the configuration and lists, opens one NFQUEUE
 * socket per queue, starts a thread per queue and then only handles
 * signals: reload, reopen the event file, report counters, stop.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "cidr.h"
#include "conf.h"
#include "control.h"
#include "embargod.h"
#include "event.h"
#include "inject.h"
#include "learn.h"
#include "lists.h"
#include "log.h"
#include "match.h"
#include "metrics.h"
#include "name.h"
#include "policy.h"
#include "priv.h"
#include "queue.h"
#include "resolve.h"
#include "sandbox.h"
#include "stats.h"
#include "worker.h"
#include "xmalloc.h"

static void		 usage(void) __attribute__((__noreturn__));
static int		 parse_queues(const char *, unsigned *, unsigned *);
static struct conf	*load_conf(struct daemon *);
static struct policy	*load_policy(const struct conf *);
static int		 check(const struct conf *, struct lists *);
static int		 test_names(struct lists *, int, char **);
static void		 print_list(const struct list *);
static int		 run(struct daemon *, int);
static int		 open_all(struct daemon *, uid_t);
static int		 confine(struct daemon *, const struct priv_id *);
static void		 close_all(struct daemon *);
static void		 on_signal(evutil_socket_t, short, void *);
static void		 on_tick(evutil_socket_t, short, void *);
static void		 resolve_lists(struct daemon *);
static int		 restart_needed(const struct conf *,
			    const struct conf *);
static int		 same_str(const char *, const char *);
static void		 report(struct daemon *, const char *);

#ifndef EMBARGO_USER
#define EMBARGO_USER	"embargo"
#endif

extern char *__progname;

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-adnv] [-f file] [-L dir] [-q queue[-last]]\n"
	    "       %s [-v] [-f file] [-L dir] -T name ...\n", __progname,
	    __progname);
	exit(1);
}

/* -q N or -q FIRST-LAST */
static int
parse_queues(const char *s, unsigned *first, unsigned *last)
{
	char		*end;
	unsigned long	 a, b;

	errno = 0;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-')
		b = strtoul(end + 1, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    a > 65535 || b > 65535 || b < a || b - a >= 64)
		return (-1);
	*first = (unsigned)a;
	*last = (unsigned)b;
	return (0);
}

/* The configuration, with the command line's overrides. */
static struct conf *
load_conf(struct daemon *d)
{
	struct conf	*conf;

	if ((conf = conf_load(d->conffile, d->fflag, d->listsdir)) == NULL)
		return (NULL);
	if (d->audit)
		conf->mode = MODE_AUDIT;
	if (d->qflag) {
		conf->qfirst = d->qfirst;
		conf->qlast = d->qlast;
	}
	return (conf);
}

static struct policy *
load_policy(const struct conf *conf)
{
	struct lists	*ls;

	if ((ls = lists_load(conf, NULL, NULL)) == NULL)
		return (NULL);
	return (policy_new(conf, ls));
}

/* One list, as a comment line of -nv output. */
static void
print_list(const struct list *l)
{
	printf("# list %s: %zu rule%s, %s%s%s%s%s\n", l->name, l->rules,
	    l->rules == 1 ? "" : "s", l->path, l->vendor ? ", vendor " : "",
	    l->vendor ? l->vendor : "", l->version ? ", version " : "",
	    l->version ? l->version : "");
}

/*
 * -n: the configuration and every list loaded; say so.  With -v, print
 * the effective configuration first: all the output then parses again
 * as a configuration file (everything else is a comment).
 */
static int
check(const struct conf *conf, struct lists *ls)
{
	size_t	 i, warnings = 0;
	int	 verbose = log_getverbose() > 0;

	if (verbose)
		conf_print(stdout, conf);
	for (i = 0; i < ls->nlists; i++) {
		warnings += ls->list[i].warnings;
		if (verbose)
			print_list(&ls->list[i]);
	}
	printf("%s%s: configuration OK, %zu list%s, %zu rule%s",
	    verbose ? "# " : "", conf->path, ls->nlists,
	    ls->nlists == 1 ? "" : "s", lists_rules(ls),
	    lists_rules(ls) == 1 ? "" : "s");
	if (ls->ipset != NULL && cidr_count(ls->ipset) > 0)
		printf(", %zu prefix%s", cidr_count(ls->ipset),
		    cidr_count(ls->ipset) == 1 ? "" : "es");
	if (warnings > 0)
		printf(", %zu warning%s", warnings, warnings == 1 ? "" : "s");
	printf("\n");
	return (0);
}

/* -T: say which list and rule decide each name, as the daemon would. */
static int
test_names(struct lists *ls, int argc, char **argv)
{
	struct match_result	 res;
	const struct list	*l;
	struct name		 n;
	char			 why[128];
	int			 i, rc = 0;

	for (i = 0; i < argc; i++) {
		if (name_normalize(&n, argv[i], strlen(argv[i]),
		    NAME_LIST) == -1) {
			printf("%s: invalid name: %s\n", argv[i],
			    name_strerror(&n, why, sizeof(why)));
			rc = 1;
			continue;
		}
		if ((l = lists_lookup(ls, n.s, n.len, &res)) == NULL) {
			printf("%s: not listed\n", n.s);
			continue;
		}
		printf("%s: %s by list %s (%s%s rule %s)\n", n.s,
		    res.effect == MATCH_ALLOW ? "allowed" :
		    l->action == ACTION_AUDIT ? "audited" : "blocked", l->name,
		    res.effect == MATCH_ALLOW ? "allow " : "",
		    match_kind_name(res.kind),
		    n.s + res.offset);
	}
	return (rc);
}

/* Log the counters summed over every queue. */
static void
report(struct daemon *d, const char *label)
{
	struct stats	 sum;

	daemon_stats(d, &sum);
	stats_log(&sum, label);
}

/* Log the counters summed over every queue. */
void
daemon_stats(struct daemon *d, struct stats *sum)
{
	unsigned	 i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < d->nworkers; i++)
		stats_sum(sum, &d->workers[i]->stats);
}

/*
 * Load the configuration and lists beside the live ones and swap them
 * in only when everything loaded (SIGHUP, embargoctl reload).  Settings
 * that size memory or sockets at start-up need a restart; say so.  The
 * warnings go to the log and, when msg is given, into msg too.
 * Returns 0, or -1 with the running set unchanged.
 */
int
daemon_reload(struct daemon *d, char *msg, size_t size)
{
	struct conf	*conf;
	struct policy	*p;

	log_info("reloading %s", d->conffile);
	if (msg != NULL)
		log_capture(msg, size);
	d->reloaded = time(NULL);
	d->reload_ok = 0;
	if ((conf = load_conf(d)) == NULL) {
		log_warnx("reload failed; keeping the running configuration");
		goto fail;
	}
	if ((p = load_policy(conf)) == NULL) {
		log_warnx("reload failed; keeping the running lists");
		conf_free(conf);
		goto fail;
	}
	if (restart_needed(d->conf, conf))
		log_warnx("queues, limits, marks, fail-open, the event file, "
		    "resolver, user, control socket and metrics change only "
		    "when embargod restarts");
	lists_carry_counts(p->lists, d->slot.cur->lists);
	policy_slot_set(&d->slot, p);
	resolve_lists(d);
	log_info("reloaded: %zu lists, %zu rules", p->lists->nlists,
	    lists_rules(p->lists));
	conf_free(d->conf);
	d->conf = conf;
	d->reload_ok = 1;
	d->reloads_ok++;
	log_capture_end();
	return (0);
fail:
	d->reloads_failed++;
	log_capture_end();
	return (-1);
}

/* Do two configurations differ in what only a restart applies? */
static int
restart_needed(const struct conf *a, const struct conf *b)
{
	return (a->qfirst != b->qfirst || a->qlast != b->qlast ||
	    memcmp(a->limit, b->limit, sizeof(a->limit)) != 0 ||
	    a->mark_mask != b->mark_mask || a->mark_seen != b->mark_seen ||
	    a->mark_allow != b->mark_allow || a->mark_block != b->mark_block ||
	    a->fail_open != b->fail_open || !same_str(a->events, b->events) ||
	    a->resolve != b->resolve || !same_str(a->resolver, b->resolver) ||
	    !same_str(a->user, b->user) ||
	    !same_str(a->control_path, b->control_path) ||
	    !same_str(a->metrics_addr, b->metrics_addr) ||
	    a->metrics_port != b->metrics_port);
}

static int
same_str(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)what;
	switch (sig) {
	case SIGHUP:
		daemon_reload(d, NULL, 0);
		break;
	case SIGUSR1:
		if (d->events != NULL)
			eventlog_reopen(d->events);
		log_info("event file reopened");
		break;
	case SIGUSR2:
		report(d, "counters");
		break;
	default:
		event_base_loopbreak(d->base);
		break;
	}
}

/* Look up the exact names of the block lists, again. */
static void
resolve_lists(struct daemon *d)
{
	if (d->resolver == NULL)
		return;
	d->resolved = time(NULL);
	resolver_run(d->resolver, d->slot.cur->lists);
}

/*
 * Every few seconds: forget learned addresses past their time, and
 * look the lists' names up again every resolve-interval.
 */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;
	size_t		 n;

	(void)fd;
	(void)what;
	if ((n = learn_expire(d->learn, worker_now_ms())) > 0)
		log_debug("%zu learned address%s expired", n, n == 1 ? "" :
		    "es");
	if (time(NULL) - d->resolved >=
	    (time_t)d->conf->limit[LIMIT_RESOLVE_INTERVAL])
		resolve_lists(d);
}

/*
 * Everything that needs privileges or may fail loudly, while errors
 * still reach the terminal: the event file, the raw sockets, the
 * queues, the control socket, the metrics listener.  Returns -1 after
 * logging.
 */
static int
open_all(struct daemon *d, uid_t owner)
{
	const struct conf	*c = d->conf;
	const struct inject	*inject = NULL;
	unsigned		 i;

	if ((d->events = eventlog_open(c->events)) == NULL)
		return (-1);
	if (inject_open(&d->inject, c->mark_seen) == 0)
		inject = &d->inject;
	d->learn = learn_new(c->limit[LIMIT_LEARNED],
	    c->limit[LIMIT_LEARN_HOLD]);
	if ((d->procfd = queue_kernel_open()) == -1)
		log_warn("/proc/net/netfilter/nfnetlink_queue (status and "
		    "metrics will lack the kernel's queue counters)");
	d->nworkers = c->qlast - c->qfirst + 1;
	d->workers = xcalloc(d->nworkers, sizeof(*d->workers));
	for (i = 0; i < d->nworkers; i++)
		if ((d->workers[i] = worker_new(c->qfirst + i, c, &d->slot,
		    d->events, inject, d->learn)) == NULL)
			return (-1);
	if (c->control_path != NULL && (d->control = control_open(d,
	    c->control_path, c->control_group, c->control_mode, owner)) ==
	    NULL)
		return (-1);
	if (c->metrics_addr != NULL && (d->metrics = metrics_open(d,
	    c->metrics_addr, c->metrics_port)) == NULL)
		return (-1);
	return (0);
}

/*
 * Become the configured user with only the capabilities needed, then
 * confine the system calls: before any queue thread starts, so that
 * they all inherit both.
 */
static int
confine(struct daemon *d, const struct priv_id *id)
{
	if (priv_drop(id, 0) == -1 || sandbox_apply() == -1)
		return (-1);
	log_debug("running as uid %ld gid %ld, CAP_NET_ADMIN only, seccomp "
	    "on", (long)getuid(), (long)getgid());
	(void)d;
	return (0);
}

/* Close what open_all() opened, after the threads stopped. */
static void
close_all(struct daemon *d)
{
	unsigned	 i;

	for (i = 0; i < d->nworkers; i++)
		worker_free(d->workers[i]);
	free(d->workers);
	control_close(d->control);
	metrics_close(d->metrics);
	resolver_free(d->resolver);
	d->resolver = NULL;
	if (d->ev_tick != NULL)
		event_free(d->ev_tick);
	if (d->learn != NULL)
		learn_free(d->learn);
	inject_close(&d->inject);
	eventlog_close(d->events);
	if (d->procfd != -1)
		close(d->procfd);
}

/*
 * Open everything, detach (unless -d), give up privileges, start the
 * queue threads and wait for signals.
 */
static int
run(struct daemon *d, int foreground)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGTERM,
	    SIGINT };
	struct event	*ev[5];
	struct priv_id	 id;
	unsigned	 i;
	int		 rc = 0;

	if (evthread_use_pthreads() == -1)
		fatalx("libevent threads");
	priv_lookup(d->conf->user ? d->conf->user : EMBARGO_USER, &id);
	if (open_all(d, id.found ? id.uid : geteuid()) == -1) {
		close_all(d);
		return (1);
	}
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, log_getverbose(), d->conf->facility);
	}
	signal(SIGPIPE, SIG_IGN);
	d->started = time(NULL);
	if ((d->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < 5; i++) {
		ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (ev[i] == NULL || event_add(ev[i], NULL) == -1)
			fatalx("signal events");
	}
	/* c-ares reads resolv.conf now, while it still may */
	if (d->conf->resolve && (d->resolver = resolver_new(d->base,
	    d->conf->resolver, d->learn, d->conf->mark_allow)) == NULL)
		log_warnx("the lists' names will not be looked up");
	d->ev_tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	if (d->ev_tick == NULL || event_add(d->ev_tick,
	    &(struct timeval){ 10, 0 }) == -1)
		fatalx("timer event");
	if ((d->control != NULL && control_listen(d->control, d->base)) ||
	    (d->metrics != NULL && metrics_listen(d->metrics, d->base)) ||
	    confine(d, &id) == -1)
		rc = 1;
	for (i = 0; rc == 0 && i < d->nworkers; i++)
		if (worker_start(d->workers[i]) == -1)
			rc = 1;
	if (rc == 0) {
		log_info("started: queues %u-%u, %zu rules, mode %s",
		    d->conf->qfirst, d->conf->qlast,
		    lists_rules(d->slot.cur->lists),
		    d->conf->mode == MODE_AUDIT ? "audit" : "block");
		resolve_lists(d);
		event_base_dispatch(d->base);
	}
	for (i = 0; i < d->nworkers; i++)
		worker_stop(d->workers[i]);
	report(d, "exiting; counters");
	close_all(d);
	for (i = 0; i < 5; i++)
		event_free(ev[i]);
	event_base_free(d->base);
	return (rc);
}

int
main(int argc, char *argv[])
{
	struct daemon	 d;
	struct policy	*p;
	int		 ch, foreground = 0, checkonly = 0, testmode = 0;
	int		 verbose = 0, rc;

	memset(&d, 0, sizeof(d));
	d.conffile = EMBARGO_CONFFILE;
	d.procfd = -1;
	d.inject.fd4 = d.inject.fd6 = -1;
	while ((ch = getopt(argc, argv, "adf:L:nq:Tv")) != -1) {
		switch (ch) {
		case 'a':
			d.audit = 1;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'f':
			d.conffile = optarg;
			d.fflag = 1;
			break;
		case 'L':
			d.listsdir = optarg;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'q':
			if (parse_queues(optarg, &d.qfirst, &d.qlast) == -1) {
				fprintf(stderr, "%s: -q %s: a queue number or "
				    "a range of at most 64 queues, like 0-1\n",
				    __progname, optarg);
				usage();
			}
			d.qflag = 1;
			break;
		case 'T':
			testmode = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if ((testmode && argc == 0) || (!testmode && argc != 0))
		usage();
	log_init(1, verbose, LOG_DAEMON);

	if ((d.conf = load_conf(&d)) == NULL)
		return (1);
	if ((p = load_policy(d.conf)) == NULL) {
		conf_free(d.conf);
		return (1);
	}
	if (checkonly)
		rc = check(d.conf, p->lists);
	else if (testmode)
		rc = test_names(p->lists, argc, argv);
	else {
		/*
		 * The slot holds the only reference: a reload must be able
		 * to free the first set as it frees every later one.
		 */
		policy_slot_init(&d.slot, p);
		p = NULL;
		rc = run(&d, foreground);
		policy_slot_clear(&d.slot);
	}
	policy_unref(p);
	conf_free(d.conf);
	return (rc);
}
