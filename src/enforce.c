/*
 * enforce.c: what names alone do not stop.
 *
 * A product whose names fail may still reach its servers: through a
 * fallback resolver whose answers we saw, by bare address, with a TLS
 * ClientHello that carries no SNI or hides it with ECH.  So the daemon
 * also knows addresses: those the answers for blocked names gave (and
 * its own c-ares lookups of the lists' exact names), held in the learn
 * table for their TTL, and the prefixes of the IP lists; and ports,
 * those a list claims (@ports, DNS over TLS on 853).
 *
 * This module finds the rule that claims an address or a port and
 * keeps what answers teach; policy_flow() and policy_apply() decide
 * what the rule does, and inspect.c carries it out.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "enforce.h"

/* The first list that claims port; 1 and r, or 0 when none does. */
int
enforce_port(const struct lists *ls, uint16_t port, struct enforce_rule *r)
{
	if ((r->list = lists_lookup_port(ls, port)) == NULL)
		return (0);
	r->match = "port";
	snprintf(r->rule, sizeof(r->rule), "%u", (unsigned)port);
	return (1);
}

/*
 * The rule that claims address a: a prefix of an IP list, or else an
 * address learned (still live at now) for a name of a list that is
 * still loaded.  1 and r, or 0 when none does.
 */
int
enforce_addr(const struct lists *ls, struct learn *learn,
    const struct addr *a, uint64_t now, struct enforce_rule *r)
{
	struct learn_info	 li;
	struct addr		 net;
	unsigned		 plen;

	if ((r->list = lists_lookup_addr(ls, a, &net, &plen)) != NULL) {
		cidr_format(&net, plen, r->rule, sizeof(r->rule));
		r->match = "prefix";
		return (1);
	}
	if (learn == NULL || !learn_lookup(learn, a, now, &li) ||
	    (r->list = lists_find(ls, li.list)) == NULL)
		return (0);
	snprintf(r->rule, sizeof(r->rule), "%s", li.name);
	r->match = "learned";
	return (1);
}

/*
 * Learn the addresses of answer ans, given for name (blocked or audited
 * by list), for their TTLs.  Returns how many were learned.
 */
int
enforce_learn(struct learn *learn, const struct dns_answer *ans,
    const char *name, const char *list, uint64_t now)
{
	int	 i, n = 0;

	for (i = 0; i < ans->naddr && learn != NULL; i++)
		if (learn_add(learn, &ans->addr[i], ans->ttl[i], name, list,
		    now) == 0)
			n++;
	return (n);
}
