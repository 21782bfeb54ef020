/*
 * fixture.c: one list, parsed from text, wrapped in a policy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cidr.h"
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
	return (fixture_policy_ip(text, NULL, action, mode, default_drop));
}

/* The same, and when cidrs is given an IP list "test-ip" holding them. */
struct policy *
fixture_policy_ip(const char *text, const char *cidrs, enum conf_action action,
    enum conf_mode mode, int default_drop)
{
	struct match_builder	*b = match_builder_new();
	struct cidr_builder	*cb;
	struct lists		*ls;
	struct conf		 conf;
	struct list		*l;
	char			*buf = xstrdup(text);
	size_t			 i;

	ls = xcalloc(1, sizeof(*ls));
	atomic_init(&ls->refs, 1);
	ls->nlists = cidrs != NULL ? 2 : 1;
	ls->list = xcalloc(ls->nlists, sizeof(*ls->list));
	for (i = 0; i < ls->nlists; i++) {
		l = &ls->list[i];
		l->name = xstrdup(i == 0 ? "test" : "test-ip");
		l->path = xstrdup(i == 0 ? "test.list" : "test.cidr");
		l->format = i == 0 ? FORMAT_NATIVE : FORMAT_CIDR;
		l->action = action;
	}
	lists_parse(b, &ls->list[0], 0, buf, strlen(buf), NULL, NULL);
	free(buf);
	if (cidrs != NULL) {
		cb = cidr_builder_new();
		buf = xstrdup(cidrs);
		lists_parse_ip(cb, &ls->list[1], 1, buf, strlen(buf), NULL,
		    NULL);
		free(buf);
		ls->ipset = cidr_builder_finish(cb);
	}
	for (i = 0; i < ls->nlists; i++) {
		if (ls->list[i].vendor == NULL)
			ls->list[i].vendor = xstrdup("Test");
		if (ls->list[i].category == NULL)
			ls->list[i].category = xstrdup("test");
	}
	ls->match = match_builder_finish(b, NULL, NULL);
	memset(&conf, 0, sizeof(conf));
	conf.mode = mode;
	conf.default_drop = default_drop;
	conf.refuse_svcb = 1;		/* the defaults conf_load() sets */
	conf.reject_ttl = 10;
	conf.exception[EXC_OVERLAP] = EXCA_DROP;
	return (policy_new(&conf, ls));
}
