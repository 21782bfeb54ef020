/*
 * policy.c: decide a packet from the rule that covers its name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "policy.h"
#include "xmalloc.h"

/* A policy for conf over ls; the policy takes the reference to ls. */
struct policy *
policy_new(const struct conf *conf, struct lists *ls)
{
	struct cidr_builder	*b = cidr_builder_new();
	struct policy		*p;
	size_t			 i;

	p = xcalloc(1, sizeof(*p));
	atomic_init(&p->refs, 1);
	p->lists = ls;
	p->mode = conf->mode;
	p->default_drop = conf->default_drop;
	p->reject_dns = conf->reject_dns;
	p->reject_ttl = conf->reject_ttl;
	p->canary = conf->canary;
	p->refuse_svcb = conf->refuse_svcb;
	for (i = 0; i < conf->nclients; i++)
		cidr_builder_add(b, &conf->clients[i].net,
		    conf->clients[i].plen, conf->clients[i].policy);
	p->clients = cidr_builder_finish(b);
	p->loaded = time(NULL);
	return (p);
}

/*
 * The policy for a client address: 1 and *cp when a client statement
 * covers it (the most specific one), 0 when none does.
 */
int
policy_client(const struct policy *p, const struct addr *a,
    enum client_policy *cp)
{
	uint32_t	 v;

	if (!cidr_lookup(p->clients, a, &v, NULL, NULL))
		return (0);
	*cp = (enum client_policy)v;
	return (1);
}

struct policy *
policy_ref(struct policy *p)
{
	atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
	return (p);
}

void
policy_unref(struct policy *p)
{
	if (p == NULL)
		return;
	if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
		return;
	lists_unref(p->lists);
	cidr_free(p->clients);
	free(p);
}

/*
 * The verdict when the daemon cannot judge (a malformed message, a
 * bound): accept or drop as configured.  For TCP it also decides the
 * flow, since its later packets cannot be judged without their start.
 */
enum verdict
policy_default(const struct policy *p, int tcp)
{
	if (p->default_drop)
		return (tcp ? VERDICT_BLOCK : VERDICT_DROP);
	return (tcp ? VERDICT_ALLOW : VERDICT_PASS);
}

/*
 * Decide a name seen in proto over TCP (tcp) or UDP from a client with
 * policy cp.  An allow rule, or no rule, lets it be.  Allowed TCP flows
 * are decided (the firewall stops queueing them); DNS flows never are,
 * so that every query is seen.
 */
void
policy_decide(const struct policy *p, const char *name, size_t len,
    enum proto proto, int tcp, enum client_policy cp, struct decision *d)
{
	const struct list	*l;
	int			 dns = (proto == PROTO_DNS);

	memset(d, 0, sizeof(*d));
	l = lists_lookup(p->lists, name, len, &d->res);
	if (l == NULL || d->res.effect == MATCH_ALLOW) {
		d->list = l;
		d->action = EVENT_NONE;
		d->verdict = dns ? VERDICT_PASS : VERDICT_ALLOW;
		return;
	}
	policy_apply(p, l, dns, tcp, cp, d);
}

/*
 * What a block rule of list l (a name, an address or a port) does to a
 * packet from a client with policy cp.  It blocks unless its list, the
 * client or the whole daemon is in audit mode; a client marked block
 * is blocked even in audit mode.  A DNS query over UDP is dropped
 * alone, a TCP flow (or a UDP one, past DNS) is blocked as a whole.
 * d->res is left for the caller.
 */
void
policy_apply(const struct policy *p, const struct list *l, int dns, int tcp,
    enum client_policy cp, struct decision *d)
{
	d->list = l;
	d->reject = 0;
	if (cp == CLIENT_AUDIT || l->action == ACTION_AUDIT ||
	    (p->mode == MODE_AUDIT && cp != CLIENT_BLOCK)) {
		d->action = EVENT_AUDIT;
		d->verdict = dns ? VERDICT_PASS : VERDICT_ALLOW;
		return;
	}
	d->action = EVENT_BLOCK;
	d->reject = l->action == ACTION_REJECT;
	d->verdict = (dns && !tcp) ? VERDICT_DROP : VERDICT_BLOCK;
}

void
policy_slot_init(struct policy_slot *slot, struct policy *p)
{
	pthread_mutex_init(&slot->lock, NULL);
	slot->cur = p;
	atomic_init(&slot->gen, 1);
}

/*
 * Publish p (the slot takes its reference).  Threads pick it up at
 * their next batch; each holds its own reference to the policy it
 * uses, so the old one lives until the last of them moves on.
 */
void
policy_slot_set(struct policy_slot *slot, struct policy *p)
{
	struct policy	*old;

	pthread_mutex_lock(&slot->lock);
	old = slot->cur;
	slot->cur = p;
	atomic_fetch_add_explicit(&slot->gen, 1, memory_order_release);
	pthread_mutex_unlock(&slot->lock);
	policy_unref(old);
}

/*
 * A reference to the live policy and its generation in *gen; a caller
 * that already has generation *gen can skip this (one atomic load).
 */
struct policy *
policy_slot_get(struct policy_slot *slot, unsigned *gen)
{
	struct policy	*p;

	pthread_mutex_lock(&slot->lock);
	p = policy_ref(slot->cur);
	*gen = atomic_load_explicit(&slot->gen, memory_order_relaxed);
	pthread_mutex_unlock(&slot->lock);
	return (p);
}

void
policy_slot_clear(struct policy_slot *slot)
{
	policy_unref(slot->cur);
	slot->cur = NULL;
	pthread_mutex_destroy(&slot->lock);
}
