/*
 * test_conf.c: what the configuration parser makes of good files, and
 * that it refuses bad ones (the exact messages are checked by
 * tests/conf/run.sh through embargod -n).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

/* The shipped lists and profiles, in the source tree. */
#define LISTS	TOP_SRCDIR "/lists"

static void
test_builtin_default(void **state)
{
	struct conf	*conf;

	(void)state;
	/* it is "profile default", read from the lists directory */
	conf = conf_load_string("(built-in default)", NULL, LISTS);
	assert_non_null(conf);
	assert_int_equal(conf->mode, MODE_BLOCK);
	assert_int_equal(conf->nlists, 5);
	assert_string_equal(conf->lists[0].name, "kaspersky-update");
	assert_string_equal(conf->lists[4].name, "kaspersky-statistics");
	assert_int_equal(conf->lists[0].action, ACTION_BLOCK);
	assert_int_equal(conf->lists[0].lenient, 0);
	conf_free(conf);
}

/* Profiles nest; a list from a profile can be changed or disabled. */
static void
test_profiles(void **state)
{
	struct conf	*conf;
	size_t		 i;

	(void)state;
	conf = conf_load_string("t.conf", "profile whole-vendor\n"
	    "list kaspersky-bis-carveout disabled\n"
	    "list kaspersky-ksn action audit\n", LISTS);
	assert_non_null(conf);
	assert_int_equal(conf->nlists, 8);	/* + kaspersky-account */
	for (i = 0; i < conf->nlists; i++) {
		if (strcmp(conf->lists[i].name, "kaspersky-bis-carveout") == 0)
			assert_int_equal(conf->lists[i].disabled, 1);
		else
			assert_int_equal(conf->lists[i].disabled, 0);
		if (strcmp(conf->lists[i].name, "kaspersky-ksn") == 0)
			assert_int_equal(conf->lists[i].action, ACTION_AUDIT);
	}
	assert_non_null(strstr(conf->lists[0].file, "default.profile"));
	conf_free(conf);
	/* -L beats lists-dir; a profile that does not exist is an error */
	conf = conf_load_string("t.conf", "lists-dir \"/nowhere\"\n"
	    "profile default\n", LISTS);
	assert_non_null(conf);
	assert_string_equal(conf->listsdir, LISTS);
	conf_free(conf);
	assert_null(conf_load_string("t.conf", "profile nosuch\n", LISTS));
	assert_null(conf_load_string("t.conf", "profile \"quoted\"\n", LISTS));
	assert_null(conf_load_string("t.conf", "profile Bad/Name\n", LISTS));
}

static void
test_lists_and_options(void **state)
{
	struct conf	*conf;
	char		*path;

	(void)state;
	conf = conf_load_string("t.conf",
	    "mode audit   # trailing comment\n"
	    "lists-dir \"/srv/lists\"\n"
	    "list a \"a.list\"\n"
	    "list b \"/etc/embargo/b.hosts\" format hosts lenient \\\n"
	    "    action audit\n"
	    "list a action audit format adblock\n"
	    "list c \"with \\\"quote\\\".list\" strict\n", NULL);
	assert_non_null(conf);
	assert_int_equal(conf->mode, MODE_AUDIT);
	assert_int_equal(conf->nlists, 3);
	assert_string_equal(conf->lists[0].name, "a");
	assert_int_equal(conf->lists[0].action, ACTION_AUDIT);
	assert_int_equal(conf->lists[0].format, FORMAT_ADBLOCK);
	assert_int_equal(conf->lists[0].line, 3);
	assert_int_equal(conf->lists[1].format, FORMAT_HOSTS);
	assert_int_equal(conf->lists[1].lenient, 1);
	assert_int_equal(conf->lists[1].action, ACTION_AUDIT);
	assert_string_equal(conf->lists[2].path, "with \"quote\".list");
	path = conf_list_path(conf, &conf->lists[0]);
	assert_string_equal(path, "/srv/lists/a.list");
	free(path);
	path = conf_list_path(conf, &conf->lists[1]);
	assert_string_equal(path, "/etc/embargo/b.hosts");
	free(path);
	conf_free(conf);
}

static void
test_refused(void **state)
{
	static const char *bad[] = {
		"qeue 0\n",
		"mode loud\n",
		"mode\n",
		"list x\n",
		"list Bad \"x.list\"\n",
		"list x \"x.list\"\nlist x \"y.list\"\n",
		"list y action block\n",
		"list x \"x.list\" format csv\n",
		"list x \"x.list\" action drop\n",
		"list x \"x.list\" frobnicate\n",
		"list x \"x.list\" action\n",
		"list x \"unterminated\n",
		"include \"/nonexistent/embargo.conf\"\n",
		"\"quoted\" keyword\n",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conf_load_string("bad.conf", bad[i], NULL) != NULL)
			fail_msg("accepted: %s", bad[i]);
}

static void
test_include(void **state)
{
	char		 dir[] = "/tmp/embargo-conf-XXXXXX", path[600];
	struct conf	*conf;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lists.conf", dir);
	f = fopen(path, "w");
	fputs("list inc \"inc.list\"\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	f = fopen(path, "w");
	fputs("include \"lists.conf\"\nlist inc action audit\n", f);
	fclose(f);
	conf = conf_load(path, 1, NULL);
	assert_non_null(conf);
	assert_int_equal(conf->nlists, 1);
	assert_int_equal(conf->lists[0].action, ACTION_AUDIT);
	assert_non_null(strstr(conf->lists[0].file, "lists.conf"));
	conf_free(conf);
	/* a file that includes itself stops at the depth bound */
	f = fopen(path, "w");
	fputs("include \"main.conf\"\n", f);
	fclose(f);
	assert_null(conf_load(path, 1, NULL));
	/* no file: the built-in default, unless the file was insisted on */
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	conf = conf_load(path, 0, LISTS);
	assert_non_null(conf);
	assert_string_equal(conf->path, "(built-in default)");
	conf_free(conf);
	assert_null(conf_load(path, 1, NULL));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_default),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_lists_and_options),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_include),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
