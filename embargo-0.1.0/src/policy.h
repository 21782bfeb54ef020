/*
 * policy.h: from a name's matching rule to what happens to the packet.
 *
 * A policy is everything that decides, built from one configuration:
 * the lists, the mode, the default verdict.  It is immutable and
 * reference counted; a reload builds a new one and swaps it whole.
 */
#ifndef EMBARGO_POLICY_H
#define EMBARGO_POLICY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "embargo.h"
#include "lists.h"
#include "match.h"

enum event_action {
	EVENT_NONE,
	EVENT_AUDIT,
	EVENT_BLOCK,
	EVENT_ALLOW		/* let through for a stated reason */
};

struct cidr_set;

struct policy {
	atomic_uint		 refs;
	struct lists		*lists;
	struct cidr_set		*clients;	/* value: enum client_policy */
	enum conf_mode		 mode;
	int			 default_drop;
	int			 reject_dns;	/* enum dns_reject */
	uint32_t		 reject_ttl;
	int			 canary;	/* answer the DoH canary */
	int			 refuse_svcb;	/* refuse HTTPS/SVCB queries */
	time_t			 loaded;
};

struct decision {
	enum verdict		 verdict;
	enum event_action	 action;
	int			 reject;	/* answer the client at once */
	const struct list	*list;		/* the deciding rule's list */
	struct match_result	 res;
};

/* Where the live policy is published to the queue threads. */
struct policy_slot {
	pthread_mutex_t		 lock;
	struct policy		*cur;
	atomic_uint		 gen;
};

struct policy	*policy_new(const struct conf *, struct lists *);
struct policy	*policy_ref(struct policy *);
void		 policy_unref(struct policy *);
int		 policy_client(const struct policy *, const struct addr *,
		    enum client_policy *);
void		 policy_decide(const struct policy *, const char *, size_t,
		    enum proto, int, enum client_policy, struct decision *);
void		 policy_apply(const struct policy *, const struct list *,
		    int, int, enum client_policy, struct decision *);
enum verdict	 policy_default(const struct policy *, int);
void		 policy_slot_init(struct policy_slot *, struct policy *);
void		 policy_slot_set(struct policy_slot *, struct policy *);
struct policy	*policy_slot_get(struct policy_slot *, unsigned *);
void		 policy_slot_clear(struct policy_slot *);

#endif
