/*
 * enforce.c: what names alone do not stop.
 *
 * A product whose names fail may still reach its servers: through a
 * fallback resolver whose answers we saw, by bare address, with a TLS
 * ClientHello that carries no SNI or hides it with ECH.  So the daemon
 * also knows addresses: those the answers for blocked names gave (and
 * its own c-ares lookups of the lists' exact names), held in the learn
 * table for their TTL, and the prefixes of the IP lists.
 *
 * A flow toward such an address is judged at its first message.  When
 * the message names a host that no rule blocks, the flow passes and the
 * event says so: addresses are shared (CDNs, cloud front ends), and an
 * honest name on one is the mark of someone else's traffic.  A flow
 * that names nothing, or whose ClientHello is ECH with an outer name
 * no allow rule covers, is blocked by the address's list.  Flows to a
 * service port a list claims (@ports, DNS over TLS on 853) are judged
 * by the port at their first packet.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "dns.h"
#include "enforce.h"
#include "learn.h"
#include "lists.h"
#include "resolve.h"

#define ENFORCE_CHAIN	8	/* CNAME targets followed per answer */

/*
 * The first packet of a TCP or UDP flow (a SYN, or a new UDP flow past
 * DNS) toward a port a list claims.  Returns VERDICT_PASS when no list
 * claims it, or when the list only audits: the flow is still judged by
 * its name.
 */
enum verdict
enforce_port(struct inspect *in, const struct packet *pk)
{
	const struct list	*l;
	struct decision		 d;
	struct event		 e;
	char			 rule[8];

	if ((l = lists_lookup_port(in->policy->lists, pk->t.dport)) == NULL)
		return (VERDICT_PASS);
	memset(&d, 0, sizeof(d));
	policy_apply(in->policy, l, 0, 1, in->client, &d);
	snprintf(rule, sizeof(rule), "%u", (unsigned)pk->t.dport);
	memset(&e, 0, sizeof(e));
	e.proto = PROTO_NONE;
	e.rule = rule;
	e.match = "port";
	e.reason = "a service port of the list";
	e.t = &pk->t;
	inspect_event(in, &e, &d);
	return (d.action == EVENT_BLOCK ? VERDICT_BLOCK : VERDICT_PASS);
}

/*
 * A flow's first message has been judged by its name (s; verdict v);
 * now by where it goes.  Returns v, or VERDICT_BLOCK when the address
 * blocks what the name did not.
 */
enum verdict
enforce_flow(struct inspect *in, const struct tuple *t, const struct seen *s,
    enum verdict v)
{
	const struct lists	*ls = in->policy->lists;
	const struct list	*l;
	struct learn_info	 li;
	struct decision		 d;
	struct event		 e;
	struct addr		 net;
	unsigned		 plen;
	char			 rule[LEARN_NAMEMAX + INET6_ADDRSTRLEN];
	const char		*match;

	if (s->decided)
		return (v);
	if ((l = lists_lookup_addr(ls, &t->dst, &net, &plen)) != NULL) {
		cidr_format(&net, plen, rule, sizeof(rule));
		match = "prefix";
	} else if (in->learn != NULL &&
	    learn_lookup(in->learn, &t->dst, in->now_ms, &li) &&
	    (l = lists_find(ls, li.list)) != NULL) {
		snprintf(rule, sizeof(rule), "%s", li.name);
		match = "learned";
	} else
		return (v);
	memset(&d, 0, sizeof(d));
	memset(&e, 0, sizeof(e));
	e.proto = s->proto;
	e.name = s->name != NULL ? s->name->s : NULL;
	e.rule = rule;
	e.match = match;
	e.alpn = s->alpn;
	e.ech = s->ech;
	e.t = t;
	if (s->name != NULL && (!s->ech || s->allowed)) {
		d.action = EVENT_ALLOW;
		d.list = l;
		e.reason = s->ech ? "ECH, outer name on an allow list" :
		    "the flow names a host no rule blocks";
		inspect_event(in, &e, &d);
		return (v);
	}
	policy_apply(in->policy, l, 0, 1, in->client, &d);
	e.reason = s->ech ? "ECH with an outer name on no allow list" :
	    s->none;
	inspect_event(in, &e, &d);
	return (d.action == EVENT_BLOCK ? VERDICT_BLOCK : v);
}

/*
 * A DNS response on its way to the client.  When its question, or a
 * name its CNAME chain leads to, is covered by a block or audit rule,
 * the event records the addresses it gave (read by c-ares), and a block
 * list's addresses are learned.  A response that reaches a blocked
 * name through an alias is dropped (or refused, for reject lists)
 * like the query would have been.
 */
enum verdict
enforce_answer(struct inspect *in, const struct packet *pk)
{
	struct dns_query	 q;
	struct name		 chain[ENFORCE_CHAIN];
	struct decision		 d, best;
	const struct name	*nm, *hit = NULL;
	struct addr		 a[RESOLVE_ADDRMAX];
	uint32_t		 ttl[RESOLVE_ADDRMAX];
	struct tuple		 back;
	struct event		 e;
	int			 nchain, n, i;

	stats_inc(in->stats, STAT_DNS_ANSWERS);
	nchain = dns_parse_response(pk->payload, pk->plen, &q, chain,
	    ENFORCE_CHAIN);
	if (nchain == -1) {
		stats_inc(in->stats, STAT_ERR_DNS);
		return (VERDICT_PASS);
	}
	if (q.nq == 0 || q.q[0].name.len == 0)
		return (VERDICT_PASS);
	memset(&best, 0, sizeof(best));
	for (i = -1; i < nchain && best.action != EVENT_BLOCK; i++) {
		nm = i < 0 ? &q.q[0].name : &chain[i];
		policy_decide(in->policy, nm->s, nm->len, PROTO_DNS, 0,
		    in->client, &d);
		if (d.action > best.action) {
			best = d;
			hit = nm;
		}
	}
	if (best.action == EVENT_NONE)
		return (VERDICT_PASS);
	n = resolve_answer(pk->payload, pk->plen, q.q[0].qtype, a, ttl,
	    RESOLVE_ADDRMAX);
	if (n < 0) {
		stats_inc(in->stats, STAT_ERR_DNS);
		n = 0;
	}
	for (i = 0; i < n && in->learn != NULL &&
	    best.list->action != ACTION_AUDIT; i++)
		if (learn_add(in->learn, &a[i], ttl[i], hit->s,
		    best.list->name, in->now_ms) == 0)
			stats_inc(in->stats, STAT_LEARNED);
	/* the event reads as the query did: from the client */
	back.src = pk->t.dst;
	back.dst = pk->t.src;
	back.sport = pk->t.dport;
	back.dport = pk->t.sport;
	back.l4 = pk->t.l4;
	memset(&e, 0, sizeof(e));
	e.proto = PROTO_DNS;
	e.answer = 1;
	e.name = q.q[0].name.s;
	e.qtype = q.q[0].qtype;
	e.answers = a;
	e.nanswers = n;
	e.rule = hit->s + best.res.offset;
	e.match = match_kind_name(best.res.kind);
	if (hit != &q.q[0].name)
		e.reason = "reached through a CNAME";
	e.t = &back;
	inspect_event(in, &e, &best);
	if (best.action != EVENT_BLOCK)
		return (VERDICT_PASS);
	if (e.reject)
		inspect_answer_dns(in, &back, pk->payload, &q,
		    (enum dns_reject)in->policy->reject_dns);
	return (VERDICT_DROP);
}
