/*
 * fixture.c: one list, parsed from text, wrapped in a policy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lists.h"
#include "xmalloc.h"

/*
 * A policy with one list "test" (vendor "Test", category "test") of
 * the given action, in the given mode, with default_drop.
 */
struct policy *
fixture_policy(const char *text, enum conf_action action, enum conf_mode mode,
    int default_drop)
{
	struct match_builder	*b = match_builder_new();
	struct lists		*ls;
	struct conf		 conf;
	char			*buf = xstrdup(text);

	ls = xcalloc(1, sizeof(*ls));
	atomic_init(&ls->refs, 1);
	ls->nlists = 1;
	ls->list = xcalloc(1, sizeof(*ls->list));
	ls->list[0].name = xstrdup("test");
	ls->list[0].path = xstrdup("test.list");
	ls->list[0].action = action;
	lists_parse(b, &ls->list[0], 0, buf, strlen(buf), NULL, NULL);
	free(buf);
	if (ls->list[0].vendor == NULL)
		ls->list[0].vendor = xstrdup("Test");
	if (ls->list[0].category == NULL)
		ls->list[0].category = xstrdup("test");
	ls->match = match_builder_finish(b, NULL, NULL);
	memset(&conf, 0, sizeof(conf));
	conf.mode = mode;
	conf.default_drop = default_drop;
	return (policy_new(&conf, ls));
}
