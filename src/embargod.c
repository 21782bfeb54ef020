/*
 * embargod: keep restricted vendors' software from phoning home.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "lists.h"
#include "log.h"
#include "match.h"
#include "name.h"

static void		usage(void) __attribute__((__noreturn__));
static int		check(const struct conf *, struct lists *);
static int		test_names(struct lists *, int, char **);
static void		print_list(const struct list *);

extern char *__progname;

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-nv] [-f file]\n"
	    "       %s [-v] [-f file] -T name ...\n", __progname, __progname);
	exit(1);
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

int
main(int argc, char *argv[])
{
	struct conf	*conf;
	struct lists	*ls;
	const char	*conffile = EMBARGO_CONFFILE;
	int		 ch, foreground = 0, checkonly = 0, testmode = 0;
	int		 verbose = 0, fflag = 0, rc;

	while ((ch = getopt(argc, argv, "f:nTv")) != -1) {
		switch (ch) {
		case 'f':
			conffile = optarg;
			fflag = 1;
			break;
		case 'n':
			checkonly = 1;
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
	if (checkonly || testmode)
		foreground = 1;
	log_init(foreground, verbose, LOG_DAEMON);

	if ((conf = conf_load(conffile, fflag)) == NULL)
		return (1);
	if ((ls = lists_load(conf, NULL, NULL)) == NULL) {
		conf_free(conf);
		return (1);
	}
	if (checkonly)
		rc = check(conf, ls);
	else if (testmode)
		rc = test_names(ls, argc, argv);
	else {
		log_warnx("the packet path is not built yet; use -n or -T");
		rc = 1;
	}
	lists_unref(ls);
	conf_free(conf);
	return (rc);
}
