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
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "conf.h"
#include "event.h"
#include "lists.h"
#include "log.h"
#include "match.h"
#include "name.h"
#include "policy.h"
#include "stats.h"
#include "worker.h"
#include "xmalloc.h"

struct daemon {
	const char		*conffile;
	const char		*listsdir;	/* -L */
	int			 fflag;
	int			 audit;		/* -a */
	int			 qflag;		/* -q given */
	unsigned		 qfirst;
	unsigned		 qlast;
	struct conf		*conf;
	struct policy_slot	 slot;
	struct eventlog		*events;
	struct worker		**workers;
	unsigned		 nworkers;
	struct event_base	*base;
};

static void		 usage(void) __attribute__((__noreturn__));
static int		 parse_queues(const char *, unsigned *, unsigned *);
static struct conf	*load_conf(struct daemon *);
static struct policy	*load_policy(const struct conf *);
static int		 check(const struct conf *, struct lists *);
static int		 test_names(struct lists *, int, char **);
static void		 print_list(const struct list *);
static int		 run(struct daemon *, int);
static void		 on_signal(evutil_socket_t, short, void *);
static void		 reload(struct daemon *);
static void		 report(struct daemon *, const char *);

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

static void
print_list(const struct list *l)
{
	printf("list %s: %zu rule%s, action %s, %s%s%s%s%s\n", l->name,
	    l->rules, l->rules == 1 ? "" : "s", conf_action_name(l->action),
	    l->path, l->vendor ? ", vendor " : "", l->vendor ? l->vendor : "",
	    l->version ? ", version " : "", l->version ? l->version : "");
}

/* -n: the configuration and every list loaded; say so. */
static int
check(const struct conf *conf, struct lists *ls)
{
	size_t	 i, warnings = 0;

	for (i = 0; i < ls->nlists; i++) {
		warnings += ls->list[i].warnings;
		if (log_getverbose() > 0)
			print_list(&ls->list[i]);
	}
	printf("%s: configuration OK, %zu list%s, %zu rule%s", conf->path,
	    ls->nlists, ls->nlists == 1 ? "" : "s", lists_rules(ls),
	    lists_rules(ls) == 1 ? "" : "s");
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
		    res.kind == MATCH_EXACT ? "exact" : "suffix",
		    n.s + res.offset);
	}
	return (rc);
}

/* Log the counters summed over every queue. */
static void
report(struct daemon *d, const char *label)
{
	struct stats	 sum;
	unsigned	 i;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < d->nworkers; i++)
		stats_sum(&sum, &d->workers[i]->stats);
	stats_log(&sum, label);
}

/*
 * SIGHUP: load the configuration and lists beside the live ones and
 * swap them in only when everything loaded.  Settings that size
 * memory or sockets at start-up need a restart; say so.
 */
static void
reload(struct daemon *d)
{
	struct conf	*conf;
	struct policy	*p;

	log_info("reloading %s", d->conffile);
	if ((conf = load_conf(d)) == NULL) {
		log_warnx("reload failed; keeping the running configuration");
		return;
	}
	if ((p = load_policy(conf)) == NULL) {
		log_warnx("reload failed; keeping the running lists");
		conf_free(conf);
		return;
	}
	if (conf->qfirst != d->conf->qfirst || conf->qlast != d->conf->qlast ||
	    memcmp(conf->limit, d->conf->limit, sizeof(conf->limit)) != 0 ||
	    conf->mark_mask != d->conf->mark_mask ||
	    conf->mark_seen != d->conf->mark_seen ||
	    conf->mark_allow != d->conf->mark_allow ||
	    conf->mark_block != d->conf->mark_block ||
	    conf->fail_open != d->conf->fail_open ||
	    (conf->events == NULL) != (d->conf->events == NULL) ||
	    (conf->events != NULL && strcmp(conf->events,
	    d->conf->events) != 0))
		log_warnx("queues, limits, marks, fail-open and the event "
		    "file change only when embargod restarts");
	policy_slot_set(&d->slot, p);
	log_info("reloaded: %zu lists, %zu rules", p->lists->nlists,
	    lists_rules(p->lists));
	conf_free(d->conf);
	d->conf = conf;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)what;
	switch (sig) {
	case SIGHUP:
		reload(d);
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

/*
 * Open every queue while errors still reach the terminal, then detach
 * (unless -d), start the queue threads and wait for signals.
 */
static int
run(struct daemon *d, int foreground)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGTERM,
	    SIGINT };
	struct event	*ev[5];
	unsigned	 i;
	int		 rc = 0;

	if (evthread_use_pthreads() == -1)
		fatalx("libevent threads");
	if ((d->events = eventlog_open(d->conf->events)) == NULL)
		return (1);
	d->nworkers = d->conf->qlast - d->conf->qfirst + 1;
	d->workers = xcalloc(d->nworkers, sizeof(*d->workers));
	for (i = 0; i < d->nworkers; i++)
		if ((d->workers[i] = worker_new(d->conf->qfirst + i, d->conf,
		    &d->slot, d->events)) == NULL)
			return (1);
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, log_getverbose(), LOG_DAEMON);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((d->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < 5; i++) {
		ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (ev[i] == NULL || event_add(ev[i], NULL) == -1)
			fatalx("signal events");
	}
	for (i = 0; i < d->nworkers; i++)
		if (worker_start(d->workers[i]) == -1)
			rc = 1;
	log_info("started: queues %u-%u, %zu rules, mode %s",
	    d->conf->qfirst, d->conf->qlast, lists_rules(d->slot.cur->lists),
	    d->conf->mode == MODE_AUDIT ? "audit" : "block");
	if (rc == 0)
		event_base_dispatch(d->base);
	for (i = 0; i < d->nworkers; i++)
		worker_stop(d->workers[i]);
	report(d, "exiting; counters");
	for (i = 0; i < d->nworkers; i++)
		worker_free(d->workers[i]);
	for (i = 0; i < 5; i++)
		event_free(ev[i]);
	event_base_free(d->base);
	free(d->workers);
	eventlog_close(d->events);
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
		policy_slot_init(&d.slot, policy_ref(p));
		rc = run(&d, foreground);
		policy_slot_clear(&d.slot);
	}
	policy_unref(p);
	conf_free(d.conf);
	return (rc);
}
