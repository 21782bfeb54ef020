/*
 * embargod: keep restricted vendors' software from phoning home.
 *
 * The main thread loads the configuration and lists, opens one NFQUEUE
 * socket per queue, starts a thread per queue and then only handles
 * signals: reload, reopen the event file, report counters, stop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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
#include "record.h"
#include "inject.h"
#include "learn.h"
#include "lists.h"
#include "log.h"
#include "match.h"
#include "metrics.h"
#include "name.h"
#include "notify.h"
#include "policy.h"
#include "priv.h"
#include "queue.h"
#include "replay.h"
#include "resolve.h"
#include "sandbox.h"
#include "stats.h"
#include "clock.h"
#include "packet.h"
#include "view.h"
#include "worker.h"
#include "xmalloc.h"

/*
 * Descriptors held in reserve and let go for a reload or a reopen, so
 * that those still work when something else took every descriptor up
 * to the limit (as a daemon of mail or news keeps a spare one).
 */
#define SPARE_FDS	4

/*
 * The running daemon.  What the side paths may see of it is v, its
 * view (view.h): they read it and never call in here.
 */
struct daemon {
	const char		*conffile;
	const char		*listsdir;	/* -L */
	int			 fflag;
	int			 audit;		/* -a */
	int			 qflag;		/* -q given */
	unsigned		 qfirst;
	unsigned		 qlast;
	struct conf		*conf;		/* v.conf too */
	struct policy_slot	 slot;		/* v.slot points here */
	struct record_log		*events;
	struct event_base	*base;
	struct control		*control;
	struct metrics		*metrics;
	struct inject		 inject;	/* raw sockets for rejects */
	struct event		*ev_tick;	/* expiry and lookups */
	time_t			 resolved;	/* last lookup round */
	struct notify		 notify;	/* systemd, when it asks */
	struct event		*ev_watchdog;
	uint64_t		 watchdog_ms;	/* 0: no watchdog */
	int			 stalled;	/* a queue thread is silent */
	int			 spare[SPARE_FDS];
	struct view		 v;
};

static void		 usage(void) __attribute__((__noreturn__));
static int		 parse_queues(const char *, unsigned *, unsigned *);
static struct conf	*load_conf(struct daemon *);
static struct policy	*load_policy(const struct conf *);
static int		 check(const struct conf *, struct lists *);
static int		 test_names(const struct policy *, const struct addr *,
			    int, char **);
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
static int		 reload(void *, char *, size_t);
static int		 reopen(void *);
static void		 spare_hold(struct daemon *);
static void		 spare_release(struct daemon *);
static void		 watchdog_start(struct daemon *);
static void		 on_watchdog(evutil_socket_t, short, void *);
static void		 report(struct daemon *, const char *);

#ifndef EMBARGO_USER
#define EMBARGO_USER	"embargo"
#endif

extern char *__progname;

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-adnv] [-f file] [-L dir] [-q queue[-last]]\n"
	    "       %s [-av] [-c client] [-f file] [-L dir] -T name ...\n"
	    "       %s [-av] [-f file] [-L dir] -r capture [capture ...]\n",
	    __progname, __progname, __progname);
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

/*
 * -T: say what the daemon would do with each name and why (list and
 * rule), for a client at address client (NULL: none given), through the
 * same policy_explain() the control socket's test uses.
 */
static int
test_names(const struct policy *p, const struct addr *client, int argc,
    char **argv)
{
	struct explain	 x;
	char		 line[NAME_BUFSZ * 2 + 256];
	int		 i, rc = 0;

	for (i = 0; i < argc; i++) {
		if (policy_explain(p, argv[i], client, &x) == -1)
			rc = 1;
		policy_explain_text(&x, argv[i], line, sizeof(line));
		printf("%s\n", line);
	}
	return (rc);
}

/* Log the counters summed over every queue. */
static void
report(struct daemon *d, const char *label)
{
	struct stats	 sum;

	view_stats(&d->v, &sum);
	stats_log(&sum, label);
}

/*
 * Load the configuration and lists beside the live ones and swap them
 * in only when everything loaded (SIGHUP, embargoctl reload).  Settings
 * that size memory or sockets at start-up need a restart; say so.  The
 * warnings go to the log and, when msg is given, into msg too.
 * Returns 0, or -1 with the running set unchanged.
 */
static int
reload(void *arg, char *msg, size_t size)
{
	struct daemon	*d = arg;
	struct conf	*conf;
	struct policy	*p;

	log_info("reloading %s", d->conffile);
	spare_release(d);
	if (msg != NULL)
		log_capture(msg, size);
	d->v.reloaded = time(NULL);
	d->v.reload_ok = 0;
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
	d->v.conf = d->conf = conf;
	d->v.reload_ok = 1;
	d->v.reloads_ok++;
	log_capture_end();
	spare_hold(d);
	return (0);
fail:
	d->v.reloads_failed++;
	log_capture_end();
	spare_hold(d);
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

/*
 * Open the event file again, after a rotation (SIGUSR1, embargoctl
 * reopen), and say how that went: the log and embargoctl status show a
 * failure as one.  Returns 0, or -1 with events going nowhere new.
 */
static int
reopen(void *arg)
{
	struct daemon	*d = arg;
	int		 rc = 0;

	spare_release(d);
	if (d->events != NULL)
		rc = record_log_reopen(d->events);
	spare_hold(d);
	d->v.reopened = time(NULL);
	d->v.reopen_ok = rc == 0;
	if (rc == 0)
		log_info("event file reopened");
	else
		log_warnx("event file NOT reopened (see above); events still "
		    "go to the file held before");
	return (rc);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)what;
	switch (sig) {
	case SIGHUP:
		reload(d, NULL, 0);
		break;
	case SIGUSR1:
		reopen(d);
		break;
	case SIGUSR2:
		report(d, "counters");
		break;
	default:
		notify_send(&d->notify, "STOPPING=1");
		event_base_loopbreak(d->base);
		break;
	}
}

/* Look up the exact names of the block lists, again. */
static void
resolve_lists(struct daemon *d)
{
	if (d->v.resolver == NULL)
		return;
	d->resolved = time(NULL);
	resolver_run(d->v.resolver, d->slot.cur->lists);
}

/* Take the spare descriptors back (those that can be had). */
static void
spare_hold(struct daemon *d)
{
	int	 i;

	for (i = 0; i < SPARE_FDS; i++)
		if (d->spare[i] == -1)
			d->spare[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
spare_release(struct daemon *d)
{
	int	 i;

	for (i = 0; i < SPARE_FDS; i++) {
		if (d->spare[i] != -1)
			close(d->spare[i]);
		d->spare[i] = -1;
	}
}

/*
 * Under a systemd watchdog ($WATCHDOG_USEC): check the queue threads
 * twice a period.  Each beats on its one-second timer; when one has
 * not beaten for half a period (at least three seconds), WATCHDOG=1 is
 * not sent and systemd restarts the daemon at the period's end.
 */
static void
watchdog_start(struct daemon *d)
{
	uint64_t	 us = notify_watchdog_usec(getenv("WATCHDOG_USEC"),
			    getenv("WATCHDOG_PID"), getpid());
	struct timeval	 tv;

	if (us == 0 || d->notify.fd == -1)
		return;
	d->watchdog_ms = us / 1000 / 2 > 3000 ? us / 1000 / 2 : 3000;
	tv.tv_sec = (time_t)(us / 2 / 1000000);
	tv.tv_usec = (suseconds_t)(us / 2 % 1000000);
	d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
	if (d->ev_watchdog == NULL || event_add(d->ev_watchdog, &tv) == -1)
		fatalx("watchdog timer");
	log_info("systemd watchdog: every %llu ms while the queue threads "
	    "answer", (unsigned long long)(us / 1000));
	notify_send(&d->notify, "WATCHDOG=1");
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;
	uint64_t	 now = clock_mono_ms(), beat = 0;
	unsigned	 i;

	(void)fd;
	(void)what;
	for (i = 0; i < d->v.nworkers; i++) {
		/* a beat after now was taken is a thread that answers */
		beat = atomic_load(&d->v.workers[i]->beat);
		if (beat < now && now - beat > d->watchdog_ms)
			break;
	}
	if (i < d->v.nworkers) {
		if (!d->stalled)
			log_warnx("queue %u: its thread has not answered for "
			    "%llu ms; not telling the watchdog",
			    d->v.workers[i]->num,
			    (unsigned long long)(now - beat));
		d->stalled = 1;
		return;
	}
	if (d->stalled)
		log_info("every queue thread answers again");
	d->stalled = 0;
	notify_send(&d->notify, "WATCHDOG=1");
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
	if ((n = learn_expire(d->v.learn, clock_mono_ms())) > 0)
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

	if ((d->events = record_log_open(c->events)) == NULL)
		return (-1);
	if (inject_open(&d->inject, c->mark_seen) == 0)
		inject = &d->inject;
	d->v.learn = learn_new(c->limit[LIMIT_LEARNED],
	    c->limit[LIMIT_LEARN_HOLD]);
	if ((d->v.procfd = queue_kernel_open()) == -1)
		log_warn("/proc/net/netfilter/nfnetlink_queue (status and "
		    "metrics will lack the kernel's queue counters)");
	d->v.nworkers = c->qlast - c->qfirst + 1;
	d->v.workers = xcalloc(d->v.nworkers, sizeof(*d->v.workers));
	for (i = 0; i < d->v.nworkers; i++)
		if ((d->v.workers[i] = worker_new(c->qfirst + i, c, &d->slot,
		    d->events, inject, d->v.learn)) == NULL)
			return (-1);
	if (c->control_path != NULL && (d->control = control_open(&d->v,
	    c->control_path, c->control_group, c->control_mode, owner)) ==
	    NULL)
		return (-1);
	if (c->metrics_addr != NULL && (d->metrics = metrics_open(&d->v,
	    c->metrics_addr, c->metrics_port)) == NULL)
		return (-1);
	spare_hold(d);
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

	for (i = 0; i < d->v.nworkers; i++)
		worker_free(d->v.workers[i]);
	free(d->v.workers);
	control_close(d->control);
	metrics_close(d->metrics);
	resolver_free(d->v.resolver);
	d->v.resolver = NULL;
	if (d->ev_tick != NULL)
		event_free(d->ev_tick);
	if (d->v.learn != NULL)
		learn_free(d->v.learn);
	if (d->ev_watchdog != NULL)
		event_free(d->ev_watchdog);
	notify_close(&d->notify);
	spare_release(d);
	inject_close(&d->inject);
	record_log_close(d->events);
	if (d->v.procfd != -1)
		close(d->v.procfd);
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
	if (priv_lookup(d->conf->user ? d->conf->user : EMBARGO_USER,
	    d->conf->user != NULL, &id) == -1)
		return (1);
	/* the notify socket, made before the sandbox; -d under systemd */
	if (notify_open(&d->notify, getenv("NOTIFY_SOCKET")) == -1 ||
	    open_all(d, id.found ? id.uid : geteuid()) == -1) {
		close_all(d);
		return (1);
	}
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, log_getverbose(), d->conf->facility);
	}
	signal(SIGPIPE, SIG_IGN);
	d->v.started = time(NULL);
	if ((d->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < 5; i++) {
		ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (ev[i] == NULL || event_add(ev[i], NULL) == -1)
			fatalx("signal events");
	}
	/* c-ares reads resolv.conf now, while it still may */
	if (d->conf->resolve && (d->v.resolver = resolver_new(d->base,
	    d->conf->resolver, d->v.learn, d->conf->mark_allow)) == NULL)
		log_warnx("the lists' names will not be looked up");
	d->ev_tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	if (d->ev_tick == NULL || event_add(d->ev_tick,
	    &(struct timeval){ 10, 0 }) == -1)
		fatalx("timer event");
	if ((d->control != NULL && control_listen(d->control, d->base)) ||
	    (d->metrics != NULL && metrics_listen(d->metrics, d->base)) ||
	    confine(d, &id) == -1)
		rc = 1;
	for (i = 0; rc == 0 && i < d->v.nworkers; i++)
		if (worker_start(d->v.workers[i]) == -1)
			rc = 1;
	if (rc == 0) {
		log_info("started: queues %u-%u, %zu rules, mode %s",
		    d->conf->qfirst, d->conf->qlast,
		    lists_rules(d->slot.cur->lists),
		    d->conf->mode == MODE_AUDIT ? "audit" : "block");
		resolve_lists(d);
		watchdog_start(d);
		notify_send(&d->notify, "READY=1");
		event_base_dispatch(d->base);
	}
	for (i = 0; i < d->v.nworkers; i++)
		worker_stop(d->v.workers[i]);
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
	struct addr	 client, *clientp = NULL;
	int		 ch, foreground = 0, checkonly = 0, testmode = 0;
	int		 verbose = 0, rc;
	char		*capture = NULL;

	memset(&d, 0, sizeof(d));
	d.conffile = EMBARGO_CONFFILE;
	d.v.slot = &d.slot;
	d.v.reload = reload;
	d.v.reopen = reopen;
	d.v.arg = &d;
	d.v.procfd = -1;
	d.inject.fd4 = d.inject.fd6 = -1;
	d.notify.fd = -1;
	for (ch = 0; ch < SPARE_FDS; ch++)
		d.spare[ch] = -1;
	while ((ch = getopt(argc, argv, "ac:df:L:nq:r:Tv")) != -1) {
		switch (ch) {
		case 'a':
			d.audit = 1;
			break;
		case 'c':
			if (addr_pton(optarg, &client) == -1) {
				fprintf(stderr, "%s: -c %s: not an IPv4 or "
				    "IPv6 address\n", __progname, optarg);
				usage();
			}
			clientp = &client;
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
		case 'r':
			capture = optarg;
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
	if ((testmode && argc == 0) || (!testmode && capture == NULL &&
	    argc != 0) || (capture != NULL && (testmode || checkonly)) ||
	    (clientp != NULL && !testmode))
		usage();
	/* a replay's per-event log lines only with -v: stdout has them */
	log_init(1, capture != NULL ? verbose - 1 : verbose, LOG_DAEMON);

	if ((d.v.conf = d.conf = load_conf(&d)) == NULL)
		return (1);
	if ((p = load_policy(d.conf)) == NULL) {
		conf_free(d.conf);
		return (1);
	}
	if (checkonly)
		rc = check(d.conf, p->lists);
	else if (testmode)
		rc = test_names(p, clientp, argc, argv);
	else if (capture != NULL) {
		/* -r: no queues, sockets or privileges; argv has more files */
		char	**files = xcalloc((size_t)argc + 1, sizeof(*files));

		files[0] = capture;
		memcpy(files + 1, argv, (size_t)argc * sizeof(*files));
		rc = replay_run(d.conf, p, files, argc + 1);
		free(files);
	} else {
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
