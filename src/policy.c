/*
 * policy.c: the one place that decides (see policy.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "name.h"
#include "policy.h"
#include "xmalloc.h"

static const char	*outcome(const struct decision *, enum client_policy);

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
	p->malformed_block = conf->malformed_block;
	p->malformed.name = (char *)"malformed";
	p->malformed.category = (char *)"malformed";
	p->malformed.action = ACTION_BLOCK;
	memcpy(p->exception, conf->exception, sizeof(p->exception));
	p->exceptions.name = (char *)"exception";
	p->exceptions.category = (char *)"exception";
	p->exceptions.action = ACTION_BLOCK;
	p->quic = conf->quic;
	for (i = 0; i < conf->nclients; i++)
		cidr_builder_add(b, &conf->clients[i].net,
		    conf->clients[i].plen, conf->clients[i].policy);
	p->clients = cidr_builder_finish(b);
	p->loaded = time(NULL);
	return (p);
}

/*
 * How matches count for a client: the most specific client statement
 * that covers its address, or else the mode's (audit mode audits, block
 * mode blocks).  Folded here once, so no caller looks at the mode.
 */
enum client_policy
policy_client(const struct policy *p, const struct addr *a)
{
	uint32_t	 v;

	if (a != NULL && cidr_lookup(p->clients, a, &v, NULL, NULL))
		return ((enum client_policy)v);
	return (p->mode == MODE_AUDIT ? CLIENT_AUDIT : CLIENT_BLOCK);
}

/*
 * An exempt client's packet: a TCP flow, or a UDP flow past DNS, is
 * let go at once; DNS (dns) only passes, so the firewall keeps
 * queueing what is not the client's.
 */
enum verdict
policy_exempt(int tcp, int dns)
{
	return (tcp || !dns ? VERDICT_ALLOW : VERDICT_PASS);
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
 * flow, since its later packets cannot be judged without their start;
 * DNS flows are never decided, so every query is judged, and a DNS
 * query over UDP is dropped alone.
 */
enum verdict
policy_default(const struct policy *p, int dns, int tcp)
{
	if (p->default_drop)
		return (tcp ? VERDICT_BLOCK : VERDICT_DROP);
	return (tcp && !dns ? VERDICT_ALLOW : VERDICT_PASS);
}

/*
 * What a TCP flow (tcp) or UDP one gets when the daemon cannot judge
 * it: a bound was reached, the message does not parse, its copies
 * differ, its start was never seen (kind k).  claimed is the list that
 * claims the flow's address (a listed prefix, a learned address), or
 * NULL; named, when the bytes the daemon holds name a host (read
 * without parsing them, see inspect.c), that name's decision, or NULL.
 * guard, the default, gives the default verdict but never lets a flow
 * pass whose held bytes name a blocked host (it is blocked by that
 * name's rule) or whose address a list claims (it is judged by that
 * list, as a flow that names nothing).  pass and drop do what they
 * say; reject also answers the client.  Every outcome has an event
 * (the rule is the kind, or the name's), so that a SOC sees the
 * attempt.
 */
void
policy_exception(const struct policy *p, enum conf_exception k,
    const struct list *claimed, const struct decision *named, int tcp,
    enum client_policy cp, struct decision *d)
{
	enum conf_exc_action	 a = (enum conf_exc_action)p->exception[k];

	if (a == EXCA_GUARD && named != NULL &&
	    named->action == RECORD_BLOCK) {
		*d = *named;
		d->reason = "the bytes held name a blocked host";
		return;
	}
	memset(d, 0, sizeof(*d));
	d->reason = claimed != NULL ? "cannot judge the flow, whose address "
	    "a list claims" : "cannot judge the flow";
	if (a == EXCA_GUARD && claimed != NULL) {
		policy_apply(claimed, 0, tcp, cp, d);
		return;
	}
	if (a == EXCA_PASS || (a == EXCA_GUARD && !p->default_drop) ||
	    cp == CLIENT_EXEMPT) {
		d->list = &p->exceptions;
		d->action = cp == CLIENT_EXEMPT ? RECORD_NONE : RECORD_ALLOW;
		d->verdict = tcp ? VERDICT_ALLOW : VERDICT_PASS;
		return;
	}
	policy_apply(&p->exceptions, 0, tcp, cp, d);
	d->reject = d->action == RECORD_BLOCK && a == EXCA_REJECT;
}

/*
 * Two copies of the same bytes of a flow differed, and the flow is
 * judged by both (the copy the Linux receiver keeps and the other): no
 * verdict of its own, but an audit event, so that a SOC sees the
 * attempt whatever the names then say.
 */
void
policy_overlap(const struct policy *p, enum client_policy cp,
    struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->list = &p->exceptions;
	d->verdict = VERDICT_PASS;
	d->action = cp == CLIENT_EXEMPT ? RECORD_NONE : RECORD_AUDIT;
	d->reason = "two copies of the same bytes differ: both are judged";
}

/*
 * Decide a name seen in proto over TCP (tcp) or UDP, asked for as DNS
 * type qtype (0: not DNS), from a client with policy cp.  An allow
 * rule, or no rule, lets it be.  Allowed TCP flows are decided (the
 * firewall stops queueing them); DNS flows never are, so that every
 * query is seen.  A blocked name's HTTPS or SVCB query is refused
 * outright (with refuse-svcb), so that no ECH keys for it are handed
 * out by a resolver the daemon cannot see.
 *
 * A name that was not clean is judged by what it still says: a name
 * valid only in part by the rules for names below its valid right-most
 * labels, so that no invalid label in front of a blocked suffix lets
 * it through.  When no block rule covers it, `malformed block` blocks
 * it all the same (by the "malformed" rule); otherwise a name valid
 * only in part gets the default verdict, as any message the daemon
 * cannot read whole.
 */
void
policy_decide(const struct policy *p, const struct name *n, enum proto proto,
    int tcp, uint16_t qtype, enum client_policy cp, struct decision *d)
{
	const struct list	*l;
	int			 dns = (proto == PROTO_DNS);

	memset(d, 0, sizeof(*d));
	if (cp == CLIENT_EXEMPT) {
		d->verdict = policy_exempt(tcp, dns);
		return;
	}
	l = lists_lookup_name(p->lists, n, &d->res);
	if (l != NULL && d->res.effect != MATCH_ALLOW)
		policy_apply(l, dns, tcp, cp, d);
	else if (n->unclean && p->malformed_block) {
		policy_apply(&p->malformed, dns, tcp, cp, d);
		d->res.offset = 0;
	} else {
		d->list = l;
		d->verdict = dns ? VERDICT_PASS : VERDICT_ALLOW;
		if (n->partial && l == NULL)
			d->verdict = policy_default(p, dns, tcp);
	}
	d->malformed = n->unclean;
	if (d->action == RECORD_BLOCK && (qtype == 64 || qtype == 65) &&
	    p->refuse_svcb)
		d->reject = d->refuse = 1;
}

/*
 * What a block rule of list l (a name, an address or a port) does to a
 * packet from a client with policy cp (the mode folded in, see
 * policy_client()).  It blocks unless its list or the client audits; a
 * client marked block is blocked even in audit mode.  A DNS query over
 * UDP is dropped alone, a TCP flow (or a UDP one, past DNS) is blocked
 * as a whole.  A block or reject list's addresses are learned, also
 * while only audited, so that the address path is audited too.
 * d->res is left for the caller.
 */
void
policy_apply(const struct list *l, int dns, int tcp, enum client_policy cp,
    struct decision *d)
{
	d->list = l;
	d->reject = d->refuse = 0;
	d->learn = l->action != ACTION_AUDIT;
	if (cp == CLIENT_EXEMPT) {
		d->action = RECORD_NONE;
		d->verdict = policy_exempt(tcp, dns);
		return;
	}
	if (cp == CLIENT_AUDIT || l->action == ACTION_AUDIT) {
		d->action = RECORD_AUDIT;
		d->verdict = dns ? VERDICT_PASS : VERDICT_ALLOW;
		return;
	}
	d->action = RECORD_BLOCK;
	d->reject = l->action == ACTION_REJECT;
	d->verdict = (dns && !tcp) ? VERDICT_DROP : VERDICT_BLOCK;
}

/*
 * A flow toward an address or port that list l claims, whose first
 * message said fn.  It passes when it names a host that no rule blocks
 * (addresses are shared; an honest name on one is someone else's
 * traffic), unless it hid the name behind ECH with an outer name that
 * no allow rule covers; then the event says why it passed.  A flow
 * that names nothing is judged by l.
 */
void
policy_flow(const struct list *l, const struct flow_name *fn,
    enum client_policy cp, struct decision *d)
{
	memset(d, 0, sizeof(*d));
	if (fn->named && (!fn->ech || fn->allowed)) {
		d->list = l;
		d->action = cp == CLIENT_EXEMPT ? RECORD_NONE : RECORD_ALLOW;
		d->verdict = VERDICT_ALLOW;
		d->reason = fn->ech ? "ECH, outer name on an allow list" :
		    "the flow names a host no rule blocks";
		return;
	}
	policy_apply(l, 0, 1, cp, d);
	d->reason = fn->ech ? "ECH with an outer name on no allow list" :
	    fn->none;
}

/* What a decision comes to, in a word. */
static const char *
outcome(const struct decision *d, enum client_policy cp)
{
	if (cp == CLIENT_EXEMPT)
		return ("exempt");
	switch (d->action) {
	case RECORD_BLOCK:
		return (d->reject ? "rejected" : "blocked");
	case RECORD_AUDIT:
		return ("audited");
	default:
		return (d->list != NULL ? "allowed" : d->verdict ==
		    VERDICT_ALLOW || d->verdict == VERDICT_PASS ?
		    "not listed" : "dropped by default");
	}
}

/*
 * What the daemon would do with the name text (as a TLS or HTTP name)
 * from client (NULL: a client no statement covers): the one answer
 * embargod -T and embargoctl test give, so they cannot disagree with
 * each other or with the packet path.  Names are normalised as list
 * entries are (upper case, a trailing dot and U-labels are fine).
 * Returns 0, or -1 for a name that is not valid (x->name.err says why).
 */
int
policy_explain(const struct policy *p, const char *text,
    const struct addr *client, struct explain *x)
{
	memset(&x->d, 0, sizeof(x->d));
	x->client = policy_client(p, client);
	x->outcome = "invalid name";
	if (name_normalize(&x->name, text, strlen(text), NAME_LIST) == -1)
		return (-1);
	policy_decide(p, &x->name, PROTO_TLS, 1, 0, x->client, &x->d);
	x->outcome = outcome(&x->d, x->client);
	return (0);
}

/*
 * An explanation in one line of words (no newline), the same for
 * embargod -T and embargoctl test: "NAME: blocked by list L (suffix
 * rule R)", "NAME: allowed by list L (allow exact rule R)", "NAME: not
 * listed", "TEXT: invalid name: why".
 */
void
policy_explain_text(const struct explain *x, const char *text, char *buf,
    size_t size)
{
	const struct decision	*d = &x->d;
	char			 why[128];

	if (x->name.err != NAME_OK)
		snprintf(buf, size, "%s: invalid name: %s", text,
		    name_strerror(&x->name, why, sizeof(why)));
	else if (d->list == NULL)
		snprintf(buf, size, "%s: %s", x->name.s, x->outcome);
	else
		snprintf(buf, size, "%s: %s by list %s (%s%s rule %s)",
		    x->name.s, x->outcome, d->list->name,
		    d->res.effect == MATCH_ALLOW ? "allow " : "",
		    match_kind_name(d->res.kind), x->name.s + d->res.offset);
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
