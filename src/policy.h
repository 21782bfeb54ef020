/*
 * policy.h: the one place that decides.  From the rule that matched (a
 * name's, an address's or a port's), the list's action, the mode, the
 * client's statement and the reject settings to a decision: verdict,
 * event action, whether to answer the client at once, and why.  The
 * callers look nothing of that up themselves; they find the rule
 * (match, enforce) and carry out what the decision says (inspect).
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

enum record_action {
	RECORD_NONE,
	RECORD_AUDIT,
	RECORD_BLOCK,
	RECORD_ALLOW		/* let through for a stated reason */
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
	int			 malformed_block;	/* block unclean names */
	struct list		 malformed;	/* the rule they meet then */
	uint8_t			 exception[EXC_MAX];	/* conf_exc_action */
	struct list		 exceptions;	/* the rule bounds block by */
	int			 quic;		/* enum conf_quic */
	time_t			 loaded;
};

struct decision {
	enum verdict		 verdict;
	enum record_action	 action;
	int			 reject;	/* answer the client at once */
	int			 refuse;	/* ... a DNS query with REFUSED */
	int			 learn;		/* learn the answer's addresses */
	int			 malformed;	/* the name was not clean */
	const struct list	*list;		/* the deciding rule's list */
	struct match_result	 res;
	const char		*reason;	/* for the event; or NULL */
};

/* What a flow's first message said, for judging where it goes. */
struct flow_name {
	int			 named;		/* it named a host */
	int			 allowed;	/* an allow rule covers it */
	int			 ech;		/* its ClientHello hid it */
	const char		*none;		/* no name: why, for the event */
};

/* What the daemon would do with a name: embargod -T, embargoctl test. */
struct explain {
	struct name		 name;		/* as normalised */
	struct decision		 d;
	enum client_policy	 client;	/* the client's, mode folded in */
	const char		*outcome;	/* "blocked", "audited", ... */
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
enum client_policy policy_client(const struct policy *, const struct addr *);
enum verdict	 policy_exempt(int, int);
void		 policy_decide(const struct policy *, const struct name *,
		    enum proto, int, uint16_t, enum client_policy,
		    struct decision *);
void		 policy_apply(const struct list *, int, int, enum client_policy,
		    struct decision *);
void		 policy_flow(const struct list *, const struct flow_name *,
		    enum client_policy, struct decision *);
enum verdict	 policy_default(const struct policy *, int, int);
void		 policy_exception(const struct policy *, enum conf_exception,
		    const struct list *, const struct decision *, int,
		    enum client_policy, struct decision *);
void		 policy_overlap(const struct policy *, enum client_policy,
		    struct decision *);
int		 policy_explain(const struct policy *, const char *,
		    const struct addr *, struct explain *);
void		 policy_explain_text(const struct explain *, const char *,
		    char *, size_t);
void		 policy_slot_init(struct policy_slot *, struct policy *);
void		 policy_slot_set(struct policy_slot *, struct policy *);
struct policy	*policy_slot_get(struct policy_slot *, unsigned *);
void		 policy_slot_clear(struct policy_slot *);

#endif
