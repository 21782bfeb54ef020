/*
 * enforce.h: the address path.  Which rule claims a flow by where it
 * goes (a listed prefix, an address learned for a blocked name, a
 * claimed service port), and what DNS answers teach.  It finds rules;
 * policy.c decides what they do.
 */
#ifndef EMBARGO_ENFORCE_H
#define EMBARGO_ENFORCE_H

#include <netinet/in.h>
#include <stdint.h>

#include "dns.h"
#include "embargo.h"
#include "learn.h"
#include "lists.h"

/* The rule that claims an address or port, for the event. */
struct enforce_rule {
	const struct list	*list;
	const char		*match;		/* "prefix", "learned", "port" */
	char			 rule[LEARN_NAMEMAX + INET6_ADDRSTRLEN];
};

int	 enforce_port(const struct lists *, uint16_t, struct enforce_rule *);
int	 enforce_addr(const struct lists *, struct learn *,
	    const struct addr *, uint64_t, struct enforce_rule *);
int	 enforce_learn(struct learn *, const struct dns_answer *,
	    const char *, const char *, uint64_t);

#endif
