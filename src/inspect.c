/*
 * inspect.c: from a packet to its verdict.
 *
 * DNS over UDP is judged packet by packet.  A TCP flow is followed from
 * its SYN until its first client message (a TLS ClientHello, an HTTP
 * request head, or anything else) has been judged; then the flow is
 * decided and the firewall stops queueing it.  DNS over TCP is judged
 * message by message for the life of the connection.  QUIC to UDP port
 * 443 is followed the same way, from its first Initial until the
 * ClientHello in its CRYPTO frames has been judged.
 *
 * Split messages are read as they come, not held: every packet gets
 * its verdict in the batch it arrived in, and the earlier pieces of a
 * message pass.  A ClientHello is read in order by a reader that keeps
 * its place (tls.h), so the packet that completes its server name is
 * the one judged; an HTTP head is gathered and judged by the packet
 * that completes it.  When the name is blocked that packet is dropped
 * and the flow marked, and the server never receives a whole
 * ClientHello or request head to act on.  Holding pieces instead would
 * keep packets in the kernel queue for as long as a client cared to
 * wait.
 *
 * Every failure (malformed message, a bound) counts and goes to its
 * exception policy (policy_exception()).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "dns.h"
#include "enforce.h"
#include "http.h"
#include "inspect.h"
#include "log.h"
#include "packet.h"
#include "quic.h"
#include "tls.h"
#include "xmalloc.h"

/* What the bytes of a flow said so far. */
struct judged {
	int		 complete;	/* a verdict was reached */
	enum verdict	 verdict;
	size_t		 next;		/* an allowed HTTP request: where the
					   next one starts (0: none) */
};

/* What a flow's first message said about where it goes. */
struct seen {
	enum proto		 proto;
	const struct name	*name;		/* NULL: the flow named none */
	const char		*none;		/* then why, for the event */
	int			 decided;	/* the name's rule gave an event */
	int			 allowed;	/* an allow rule covers the name */
	int			 ech;
	const char		*alpn;
};

/*
 * Where a flow's ClientHello is read: the reader (tls.h), the bytes of
 * the buffer it has read, and its state at the buffer's first byte.
 */
struct tls_aux {
	struct tls_reader	 rd;
	struct tls_reader	 snap;		/* at st.base */
	uint32_t		 fed;		/* st.buf[0..fed) read */
	struct stream		 other;		/* f->alt's: the other view */
};

/* Where a flow's HTTP request head is read. */
struct http_aux {
	struct http_reader	 rd;
	uint32_t		 fed;		/* st.buf[0..fed) taken */
};

union flow_aux {
	struct tls_aux		 tls;
	struct http_aux		 http;
};

static enum verdict	inspect_udp(struct inspect *, const struct packet *);
static enum verdict	inspect_tcp(struct inspect *, const struct packet *);
static enum verdict	judge_dns(struct inspect *, const struct tuple *,
			    const uint8_t *, size_t, int);
static enum verdict	judge_dns_stream(struct inspect *, struct flow *,
			    const struct packet *, uint32_t);
static void		read_held(struct inspect *, struct flow *,
			    struct tls_aux *, const struct stream *,
			    struct judged *);
static int		make_room(struct flow *, uint32_t *, uint32_t, size_t);
static int		second_view(struct inspect *, struct flow *);
static void		start_reader(struct flow *);
static enum proto	classify(struct inspect *, struct flow *,
			    const uint8_t *, size_t, struct judged *);
static void		judge_tls(struct inspect *, struct flow *,
			    struct tls_reader *, const uint8_t *, size_t,
			    struct judged *);
static void		judge_http(struct inspect *, struct flow *,
			    struct http_reader *, const uint8_t *, size_t, int,
			    size_t *, struct judged *);
static enum verdict	judge_host(struct inspect *, struct flow *,
			    const struct name *, struct seen *, enum verdict);
static enum verdict	judge_stream(struct inspect *, struct flow *,
			    const struct packet *, uint32_t);
static enum verdict	judge_flow(struct inspect *, const struct tuple *,
			    const struct seen *, enum verdict);
static enum verdict	judge_port(struct inspect *, const struct packet *);
static enum verdict	judge_answer(struct inspect *, const struct packet *);
static int		judge_quic(struct inspect *, const struct packet *,
			    enum verdict *);
static enum verdict	quic_hello(struct inspect *, struct flow *,
			    const struct quic_initial *);
static enum verdict	fail_quic(struct inspect *, struct flow *,
			    const struct tuple *, enum stats_id, int);
static void		reject_quic(struct inspect *, const struct packet *);
static enum verdict	decide(struct inspect *, const struct tuple *,
			    enum proto, const struct name *, uint16_t,
			    const struct tls_hello *, struct seen *);
static int		blocks(struct inspect *, const struct tuple *,
			    enum proto, const struct name *);
static enum verdict	judge_question(struct inspect *, const struct tuple *,
			    const struct dns_question *, enum verdict);
static int		is_canary(const struct dns_query *);
static int		is_address(const struct name *);
static enum verdict	fail(struct inspect *, enum stats_id, int);
static enum verdict	exception(struct inspect *, struct flow *,
			    enum conf_exception, enum stats_id);
static int		held_name(struct inspect *, struct flow *,
			    struct name *, struct decision *);
static int		scan_bytes(struct inspect *, const uint8_t *, size_t,
			    struct name *, struct decision *);
static int		in_sequence(const struct flow *, const struct packet *);
static void		reset_tcp(struct inspect *, const struct packet *);
static void		inspect_record(struct inspect *, struct record *,
			    const struct decision *);
static void		inspect_answer_dns(struct inspect *, const struct tuple *,
			    const uint8_t *, const struct dns_query *,
			    enum dns_reject);
static struct flow	*add_flow(struct inspect *, const struct tuple *);
static enum verdict	keep_alive(struct inspect *, struct flow *,
			    struct judged *, const uint8_t *, size_t, uint32_t);
static void		done(struct judged *, enum verdict);

/* Set up a queue thread's inspector from the configuration. */
void
inspect_init(struct inspect *in, const struct conf *conf,
    struct stats *stats, struct record_log *events, unsigned queue)
{
	memset(in, 0, sizeof(*in));
	in->flows = flow_table_new(conf->limit[LIMIT_FLOWS],
	    conf->limit[LIMIT_GATHER_BUFFERS],
	    conf->limit[LIMIT_GATHER_BYTES], sizeof(union flow_aux));
	in->stats = stats;
	in->events = record_buf_new(events);
	in->queue = queue;
	in->flow_timeout_ms = (uint64_t)conf->limit[LIMIT_FLOW_TIMEOUT] * 1000;
	in->decided_timeout_ms =
	    (uint64_t)conf->limit[LIMIT_DECIDED_TIMEOUT] * 1000;
	in->scratchlen = conf->limit[LIMIT_GATHER_BYTES];
	in->scratch = xmalloc(in->scratchlen);
	if ((in->quic = quic_crypto_new()) == NULL)
		fatalx("libcrypto offers no HKDF, AES-128-GCM or AES-128-ECB");
}

void
inspect_free(struct inspect *in)
{
	ct_close(in->ct);
	inspect_flush(in);
	record_buf_free(in->events);
	flow_table_free(in->flows);
	free(in->scratch);
	quic_crypto_free(in->quic);
	memset(in, 0, sizeof(*in));
}

/* Count a failure and give the default verdict. */
static enum verdict
fail(struct inspect *in, enum stats_id why, int tcp)
{
	stats_inc(in->stats, why);
	return (policy_default(in->policy, 0, tcp));
}

/*
 * A flow the daemon cannot read still says what it says: the runs of
 * host-name bytes (name_scan()) in the bytes it holds, the packet's
 * payload and the filled ranges of the flow's buffers, are judged as
 * names, each also without its first byte (which may be a length).
 * 1, with the name and its decision, for the first that a block rule
 * covers; at most HELD_RUNS runs a range.
 */
#define HELD_RUNS	64

static int
scan_bytes(struct inspect *in, const uint8_t *p, size_t len, struct name *n,
    struct decision *d)
{
	size_t	 off = 0, a, k, skip;
	int	 runs;

	for (runs = 0; runs < HELD_RUNS && name_scan(p, len, &off, &a, &k);
	    runs++)
		for (skip = 0; skip < 2; skip++) {
			if (name_normalize(n, (const char *)p + a + skip,
			    k - skip, NAME_WIRE) == -1 && n->len == 0)
				continue;
			policy_decide(in->policy, n, PROTO_TLS, 1, 0,
			    in->client, d);
			if (d->action == RECORD_BLOCK)
				return (1);
		}
	return (0);
}

static int
held_name(struct inspect *in, struct flow *f, struct name *n,
    struct decision *d)
{
	const struct stream	*views[2];
	int			 v, i;

	if (scan_bytes(in, in->payload, in->plen, n, d))
		return (1);
	views[0] = f->st.buf != NULL ? &f->st : NULL;
	views[1] = f->alt != NULL ? &((struct tls_aux *)f->alt)->other : NULL;
	for (v = 0; v < 2; v++)
		for (i = 0; views[v] != NULL && i < views[v]->nr; i++)
			if (scan_bytes(in, views[v]->buf + views[v]->r[i].start,
			    views[v]->r[i].end - views[v]->r[i].start, n, d))
				return (1);
	return (0);
}

/*
 * A TCP flow the daemon cannot judge (kind k, counted as why): the
 * exception policy decides (policy_exception()), with the list that
 * claims the flow's address if any, and the decision for a blocked
 * name the bytes held still carry (held_name()); the event names the
 * kind.
 */
static enum verdict
exception(struct inspect *in, struct flow *f, enum conf_exception k,
    enum stats_id why)
{
	struct enforce_rule	 r;
	struct decision		 d, nd;
	struct record		 e;
	struct name		 n;
	char			 reason[128];
	int			 claimed, named;

	stats_inc(in->stats, why);
	named = held_name(in, f, &n, &nd);
	claimed = enforce_addr(in->policy->lists, in->learn, &f->t.dst,
	    in->now_ms, &r);
	policy_exception(in->policy, k, claimed ? r.list : NULL,
	    named ? &nd : NULL, 1, in->client, &d);
	stats_inc(in->stats, d.verdict == VERDICT_BLOCK ? STAT_EXC_BLOCKED :
	    STAT_EXC_PASSED);
	if (d.action == RECORD_NONE)
		return (d.verdict);
	snprintf(reason, sizeof(reason), "%s: %s", conf_exception_name(k),
	    d.reason);
	memset(&e, 0, sizeof(e));
	e.proto = (enum proto)f->proto;
	e.reason = reason;
	e.t = &f->t;
	if (named && d.list == nd.list) {
		e.name = n.s;
		e.rule = n.s + d.res.offset;
		e.match = match_kind_name(d.res.kind);
	} else {
		e.rule = claimed ? r.rule : conf_exception_name(k);
		e.match = claimed ? r.match : "exception";
	}
	inspect_record(in, &e, &d);
	return (d.verdict);
}

static void
done(struct judged *j, enum verdict v)
{
	j->complete = 1;
	j->verdict = v;
	j->next = 0;
}

/*
 * Record an event decided by d: count it, against its list too, keep
 * its name and client for the top tables, and write it.  A block by a
 * reject list is answered (e->reject) when the daemon can send.
 */
static void
inspect_record(struct inspect *in, struct record *e, const struct decision *d)
{
	char	 a[INET6_ADDRSTRLEN];

	e->action = d->action;
	e->reject = d->action == RECORD_BLOCK && d->reject && in->inject != NULL;
	if (e->reject)
		in->reject = 1;
	if (e->reject && d->refuse)
		in->refuse = 1;
	if (e->reason == NULL)
		e->reason = d->reason;
	e->ruleset = d->list->name;
	e->vendor = d->list->vendor;
	e->category = d->list->category;
	e->queue = in->queue;
	e->time_ms = in->wall_ms;
	if (e->proto == PROTO_QUIC)
		e->quic_version = in->quic_version;
	e->capture = in->capture;
	e->packet = in->capture_packet;
	switch (d->action) {
	case RECORD_BLOCK:
		stats_inc(in->stats, STAT_EVENT_BLOCK);
		list_count_event(d->list, 1);
		break;
	case RECORD_AUDIT:
		stats_inc(in->stats, STAT_EVENT_AUDIT);
		list_count_event(d->list, 0);
		break;
	default:
		stats_inc(in->stats, STAT_EVENT_ALLOW);
		break;
	}
	if (in->top_names != NULL && d->action != RECORD_ALLOW) {
		top_add(in->top_names, e->name != NULL ? e->name : e->rule, 1);
		top_add(in->top_clients, addr_ntop(&e->t->src, a, sizeof(a)),
		    1);
	}
	stats_add(in->stats, STAT_EVENT_ERRORS, record_emit(in->events, e));
}

/*
 * Write out the events of the batch (after it, before its thread
 * sleeps: none waits in the buffer for the next packet); a lost one
 * counts.
 */
void
inspect_flush(struct inspect *in)
{
	if (in->events == NULL)
		return;
	stats_add(in->stats, STAT_EVENT_ERRORS, record_flush(in->events));
}

/*
 * Decide one name (policy_decide()) and write the event if there is
 * one; note in s (when given) what the name said, for the address to
 * be judged after it.
 */
static enum verdict
decide(struct inspect *in, const struct tuple *t, enum proto proto,
    const struct name *n, uint16_t qtype, const struct tls_hello *h,
    struct seen *s)
{
	struct decision	 d;
	struct record	 e;

	policy_decide(in->policy, n, proto, t->l4 == IPPROTO_TCP, qtype,
	    in->client, &d);
	if (n->unclean)
		stats_inc(in->stats, STAT_MALFORMED_NAMES);
	/* a name no rule reads whole is no name: the address judges */
	if (s != NULL && (!n->partial || d.list != NULL)) {
		s->name = n;
		s->allowed = d.list != NULL && d.res.effect == MATCH_ALLOW;
	}
	if (s != NULL)
		s->decided |= d.action != RECORD_NONE;
	if (d.action == RECORD_NONE)
		return (d.verdict);
	memset(&e, 0, sizeof(e));
	e.proto = proto;
	e.name = n->s;
	e.qtype = qtype;
	if (d.list == &in->policy->malformed)
		e.rule = e.match = "malformed";
	else {
		e.rule = n->s + d.res.offset;
		e.match = match_kind_name(d.res.kind);
	}
	e.malformed = d.malformed;
	e.raw = n->unclean ? n->raw : NULL;
	e.alpn = h ? h->alpn : NULL;
	e.ech = h ? h->ech : 0;
	e.t = t;
	inspect_record(in, &e, &d);
	return (d.verdict);
}

/* Would n, seen in a message not yet whole, be blocked?  No event. */
static int
blocks(struct inspect *in, const struct tuple *t, enum proto proto,
    const struct name *n)
{
	struct decision	 d;

	policy_decide(in->policy, n, proto, t->l4 == IPPROTO_TCP, 0,
	    in->client, &d);
	return (d.action == RECORD_BLOCK);
}

/*
 * A name that is an address literal names no host.  RFC 6066 forbids
 * one in the SNI, but a client may send it; the HTTP parser already
 * leaves such hosts out itself.
 */
static int
is_address(const struct name *n)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	return (inet_pton(AF_INET, n->s, &a4) == 1 ||
	    inet_pton(AF_INET6, n->s, &a6) == 1);
}

/* Firefox asks this name to learn whether DoH is welcome here. */
static int
is_canary(const struct dns_query *q)
{
	static const char	 canary[] = "use-application-dns.net";

	return (q->nq == 1 && q->q[0].name.len == sizeof(canary) - 1 &&
	    memcmp(q->q[0].name.s, canary, sizeof(canary) - 1) == 0);
}

/* One question of a query; returns the stricter of worst and its own. */
static enum verdict
judge_question(struct inspect *in, const struct tuple *t,
    const struct dns_question *dq, enum verdict worst)
{
	enum verdict	 v;

	if (dq->name.len == 0 && !dq->name.partial)
		return (worst);		/* the root */
	v = decide(in, t, PROTO_DNS, &dq->name, dq->qtype, NULL, NULL);
	return (v == VERDICT_DROP || v == VERDICT_BLOCK ? v : worst);
}

/*
 * Every question of a DNS query, however many; the strictest verdict
 * wins.  A query that cannot be read to its end is judged by the
 * questions read before the fault, and gets the default verdict when
 * none of them is blocked; over TCP an accepting default only passes
 * it: the connection's next queries are still judged.  A refused query
 * over UDP is answered at once when its list says reject (or it asked
 * for HTTPS/SVCB records); the DoH canary, when enabled, is answered
 * NXDOMAIN.
 */
static enum verdict
judge_dns(struct inspect *in, const struct tuple *t, const uint8_t *msg,
    size_t len, int tcp)
{
	struct dns_query	 q;
	struct dns_question	 extra;
	enum verdict		 worst = VERDICT_PASS;
	int			 i, bad, more = 0;

	stats_inc(in->stats, STAT_PROTO_DNS);
	bad = dns_parse_query(msg, len, &q) == -1;
	if (!bad && !tcp && in->policy->canary && in->inject != NULL &&
	    is_canary(&q)) {
		stats_inc(in->stats, STAT_CANARY);
		inspect_answer_dns(in, t, msg, &q, DNS_REJECT_NXDOMAIN);
		return (VERDICT_DROP);
	}
	for (i = 0; i < q.nq; i++)
		worst = judge_question(in, t, &q.q[i], worst);
	while (!bad && worst == VERDICT_PASS &&
	    (more = dns_next_question(msg, len, &q, &extra)) == 1)
		worst = judge_question(in, t, &extra, worst);
	if (bad || more == -1) {
		stats_inc(in->stats, STAT_ERR_DNS);
		if (worst != VERDICT_PASS)
			return (worst);
		return (policy_default(in->policy, 1, tcp));
	}
	if (worst == VERDICT_DROP && in->reject)
		inspect_answer_dns(in, t, msg, &q, in->refuse ?
		    DNS_REJECT_REFUSED : (enum dns_reject)in->policy->reject_dns);
	return (worst);
}

/*
 * Answer the query msg (parsed into q) that went along t, as its
 * resolver would, with how's answer (NXDOMAIN, REFUSED or a sink), so
 * the client stops at once instead of retrying until it times out.
 */
static void
inspect_answer_dns(struct inspect *in, const struct tuple *t,
    const uint8_t *msg, const struct dns_query *q, enum dns_reject how)
{
	struct tuple	 back;
	uint8_t		 reply[DNS_REPLY_MAX];
	int		 n;

	n = dns_build_reply(msg, q, how, in->policy->reject_ttl, reply,
	    sizeof(reply));
	back.src = t->dst;
	back.dst = t->src;
	back.sport = t->dport;
	back.dport = t->sport;
	back.l4 = IPPROTO_UDP;
	if (n > 0 && inject_udp(in->inject, &back, reply, (size_t)n) == 0)
		stats_inc(in->stats, STAT_REJECTS);
	else
		stats_inc(in->stats, STAT_REJECT_ERRORS);
}

/*
 * Reset a refused TCP connection.  At its SYN only the client knows of
 * it: it gets a RST|ACK for the SYN.  Later both ends are reset: the
 * client with the sequence number it expects next (what it
 * acknowledged), the server with the client's sequence number, which
 * the server expects since the segment that carried the name never
 * reached it.
 */
static void
reset_tcp(struct inspect *in, const struct packet *pk)
{
	struct tuple	 back;
	int		 ok;

	back.src = pk->t.dst;
	back.dst = pk->t.src;
	back.sport = pk->t.dport;
	back.dport = pk->t.sport;
	back.l4 = IPPROTO_TCP;
	if (pk->tcpflags & TCPF_SYN) {
		ok = inject_rst(in->inject, &back, 0, pk->seq + 1) == 0;
		stats_inc(in->stats, ok ? STAT_REJECTS : STAT_REJECT_ERRORS);
		return;
	}
	ok = inject_rst(in->inject, &back, pk->ack, pk->seq + (uint32_t)pk->plen)
	    == 0;
	ok &= inject_rst(in->inject, &pk->t, pk->seq, 0) == 0;
	stats_inc(in->stats, ok ? STAT_REJECTS : STAT_REJECT_ERRORS);
}

/*
 * UDP: a DNS query, a DNS response on its way to the client, QUIC to
 * port 443, or the first packet of another UDP flow, which names no
 * host and is judged by its port and address alone.
 */
static enum verdict
inspect_udp(struct inspect *in, const struct packet *pk)
{
	struct seen	 s;
	enum verdict	 v;

	if (pk->t.dport == 53)
		return (judge_dns(in, &pk->t, pk->payload, pk->plen, 0));
	if (pk->t.sport == 53)
		return (judge_answer(in, pk));
	if (pk->t.dport == 443 && judge_quic(in, pk, &v) == 0)
		return (v);
	stats_inc(in->stats, STAT_PROTO_OTHER);
	if (judge_port(in, pk) == VERDICT_BLOCK)
		return (VERDICT_BLOCK);
	memset(&s, 0, sizeof(s));
	s.proto = PROTO_NONE;
	s.none = "UDP names no host";
	return (judge_flow(in, &pk->t, &s, VERDICT_ALLOW));
}

/*
 * A flow's first message has been judged by its name (s; verdict v);
 * now by where it goes (see enforce.c and policy_flow()).  Returns v,
 * or VERDICT_BLOCK when the address blocks what the name did not.
 */
static enum verdict
judge_flow(struct inspect *in, const struct tuple *t, const struct seen *s,
    enum verdict v)
{
	struct enforce_rule	 r;
	struct flow_name	 fn;
	struct decision		 d;
	struct record		 e;

	if (s->decided || !enforce_addr(in->policy->lists, in->learn, &t->dst,
	    in->now_ms, &r))
		return (v);
	fn.named = s->name != NULL;
	fn.allowed = s->allowed;
	fn.ech = s->ech;
	fn.none = s->none;
	policy_flow(r.list, &fn, in->client, &d);
	if (d.action == RECORD_NONE)
		return (v);
	memset(&e, 0, sizeof(e));
	e.proto = s->proto;
	e.name = s->name != NULL ? s->name->s : NULL;
	e.rule = r.rule;
	e.match = r.match;
	e.alpn = s->alpn;
	e.ech = s->ech;
	e.t = t;
	inspect_record(in, &e, &d);
	return (d.action == RECORD_BLOCK ? VERDICT_BLOCK : v);
}

/*
 * The first packet of a TCP or UDP flow (a SYN, or a new UDP flow past
 * DNS) toward a port a list claims.  Returns VERDICT_PASS when no list
 * claims it, or when the list only audits: the flow is still judged by
 * its name.
 */
static enum verdict
judge_port(struct inspect *in, const struct packet *pk)
{
	struct enforce_rule	 r;
	struct decision		 d;
	struct record		 e;

	if (!enforce_port(in->policy->lists, pk->t.dport, &r))
		return (VERDICT_PASS);
	memset(&d, 0, sizeof(d));
	policy_apply(r.list, 0, 1, in->client, &d);
	memset(&e, 0, sizeof(e));
	e.proto = PROTO_NONE;
	e.rule = r.rule;
	e.match = r.match;
	e.reason = "a service port of the list";
	e.t = &pk->t;
	inspect_record(in, &e, &d);
	return (d.action == RECORD_BLOCK ? VERDICT_BLOCK : VERDICT_PASS);
}

/*
 * A DNS response on its way to the client.  When its question, or a
 * name its CNAME chain leads to, is covered by a block or audit rule,
 * the event records the addresses it gave, and a block list's
 * addresses are learned.  A response that reaches a blocked name
 * through an alias is dropped (or refused, for reject lists) like the
 * query would have been.  The answer is read once, by dns.c.
 */
static enum verdict
judge_answer(struct inspect *in, const struct packet *pk)
{
	struct dns_query	 q;
	struct dns_answer	 ans;
	struct decision		 d, best;
	const struct name	*nm, *hit = NULL;
	struct tuple		 back;
	struct record		 e;
	int			 i;

	stats_inc(in->stats, STAT_DNS_ANSWERS);
	if (dns_parse_response(pk->payload, pk->plen, &q, &ans) == -1) {
		stats_inc(in->stats, STAT_ERR_DNS);
		return (VERDICT_PASS);
	}
	if (q.nq == 0 || q.q[0].name.len == 0)
		return (VERDICT_PASS);
	memset(&best, 0, sizeof(best));
	for (i = -1; i < ans.nchain && best.action != RECORD_BLOCK; i++) {
		nm = i < 0 ? &q.q[0].name : &ans.chain[i];
		policy_decide(in->policy, nm, PROTO_DNS, 0, 0, in->client, &d);
		if (d.action > best.action) {
			best = d;
			hit = nm;
		}
	}
	if (best.action == RECORD_NONE)
		return (VERDICT_PASS);
	if (best.learn)
		stats_add(in->stats, STAT_LEARNED, (uint64_t)enforce_learn(
		    in->learn, &ans, hit->s, best.list->name, in->now_ms));
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
	e.answers = ans.addr;
	e.nanswers = ans.naddr;
	e.rule = hit->s + best.res.offset;
	e.match = match_kind_name(best.res.kind);
	if (hit != &q.q[0].name)
		e.reason = "reached through a CNAME";
	e.t = &back;
	inspect_record(in, &e, &best);
	if (best.action != RECORD_BLOCK)
		return (VERDICT_PASS);
	if (e.reject)
		inspect_answer_dns(in, &back, pk->payload, &q,
		    (enum dns_reject)in->policy->reject_dns);
	return (VERDICT_DROP);
}

/*
 * DNS over TCP: two-byte length, message; as many as the client sends.
 * Each complete message is judged and dropped from the buffer.
 */
static enum verdict
judge_dns_stream(struct inspect *in, struct flow *f, const struct packet *pk,
    uint32_t seq)
{
	uint32_t	 have, need;
	enum verdict	 v;

	f->proto = PROTO_DNS;
	if (flow_gather(in->flows, f) == -1)
		return (exception(in, f, EXC_GATHER_BUFFERS,
		    STAT_BOUND_BUFFERS));
	switch (stream_add(&f->st, seq, pk->payload, pk->plen)) {
	case STREAM_TOO_SCATTERED:
		return (exception(in, f, EXC_SEGMENTS, STAT_BOUND_SEGMENTS));
	case STREAM_PAST_END:
		return (exception(in, f, EXC_GATHER_BYTES, STAT_BOUND_GATHER));
	case STREAM_OK:
		break;
	}
	if (f->st.conflict)
		return (exception(in, f, EXC_OVERLAP, STAT_OVERLAPS));
	while ((have = stream_contiguous(&f->st)) >= 2) {
		need = 2 + ((uint32_t)f->st.buf[0] << 8 | f->st.buf[1]);
		if (need == 2)
			return (fail(in, STAT_ERR_DNS, 1));
		if (need > f->st.cap)
			return (exception(in, f, EXC_GATHER_BYTES,
			    STAT_BOUND_GATHER));
		if (have < need)
			break;
		v = judge_dns(in, &f->t, f->st.buf + 2, need - 2, 1);
		if (v != VERDICT_PASS)
			return (v);
		stream_consume(&f->st, need);
	}
	f->state = FLOW_GATHER;
	return (VERDICT_PASS);
}

/*
 * The next n bytes of a ClientHello, in order, to the flow's reader rd;
 * then, if they tell, the verdict: by the SNI, then by where the flow
 * goes.  A server name that blocks is acted on as soon as its bytes
 * have come, before the rest of the ClientHello.  One that breaks the
 * rules after its SNI was read is still judged by it; only when that
 * does not block it does it go to the malformed exception.
 */
static void
judge_tls(struct inspect *in, struct flow *f, struct tls_reader *rd,
    const uint8_t *p, size_t n, struct judged *j)
{
	const struct tls_hello	*h = &rd->h;
	struct seen		 s;
	enum verdict		 v = VERDICT_ALLOW;

	f->proto = PROTO_TLS;
	switch (tls_read(rd, p, n)) {
	case TLS_NEED_MORE:
		if (!h->has_sni || is_address(&h->sni) ||
		    !blocks(in, &f->t, PROTO_TLS, &h->sni))
			return;
		break;
	case TLS_TOO_BIG:	/* a bare message only: not here */
	case TLS_NOT_TLS:
		done(j, exception(in, f, EXC_MALFORMED, STAT_ERR_TLS));
		return;
	case TLS_MALFORMED:
		if (!h->has_sni || is_address(&h->sni) ||
		    !blocks(in, &f->t, PROTO_TLS, &h->sni)) {
			done(j, exception(in, f, EXC_MALFORMED, STAT_ERR_TLS));
			return;
		}
		stats_inc(in->stats, STAT_ERR_TLS);
		break;
	case TLS_DONE:
		break;
	}
	stats_inc(in->stats, STAT_PROTO_TLS);
	if (h->ech) {
		stats_inc(in->stats, STAT_ECH);
		log_debug("ECH ClientHello, outer name %s",
		    h->has_sni ? h->sni.s : "(none)");
	}
	memset(&s, 0, sizeof(s));
	s.proto = PROTO_TLS;
	s.none = "TLS without a server name";
	s.ech = h->ech;
	s.alpn = h->alpn;
	if (h->has_sni && !is_address(&h->sni))
		v = decide(in, &f->t, PROTO_TLS, &h->sni, 0, h, &s);
	done(j, judge_flow(in, &f->t, &s, v));
}

/*
 * A QUIC flow (or datagram) that cannot be judged by its name: count
 * why and give the default verdict, for the whole flow when flow is
 * set (a bound: nothing more can be read), else for this datagram
 * only, so that a later Initial of the flow is still read.  An
 * accepting default goes through the address checks first: a flow
 * toward a listed or learned address is never passed by a failure.
 */
static enum verdict
fail_quic(struct inspect *in, struct flow *f, const struct tuple *t,
    enum stats_id why, int flow)
{
	struct seen	 s;
	enum verdict	 v;

	if (flow && f != NULL) {
		/* a bound or a ClientHello that does not parse */
		v = exception(in, f, why == STAT_BOUND_BUFFERS ?
		    EXC_GATHER_BUFFERS : why == STAT_BOUND_SEGMENTS ?
		    EXC_SEGMENTS : why == STAT_BOUND_GATHER ?
		    EXC_GATHER_BYTES : EXC_MALFORMED, why);
		f->state = FLOW_DECIDED;
		f->verdict = (uint8_t)v;
		flow_release_buffer(in->flows, f);
		return (v);
	}
	stats_inc(in->stats, why);
	v = policy_default(in->policy, 0, flow);
	if (v == VERDICT_ALLOW || v == VERDICT_PASS) {
		memset(&s, 0, sizeof(s));
		s.proto = PROTO_QUIC;
		s.none = "QUIC Initial not read";
		v = judge_flow(in, t, &s, v);
	}
	if (f != NULL && (v == VERDICT_ALLOW || v == VERDICT_BLOCK)) {
		f->state = FLOW_DECIDED;
		f->verdict = (uint8_t)v;
		flow_release_buffer(in->flows, f);
	}
	return (v);
}

/*
 * The CRYPTO data of a QUIC flow's Initial qi: read in place when one
 * frame holds the whole ClientHello, else gathered in the flow's buffer
 * until it is whole; then decided by its name.  The flow is decided
 * unless more is needed (VERDICT_PASS).
 */
static enum verdict
quic_hello(struct inspect *in, struct flow *f, const struct quic_initial *qi)
{
	struct tls_hello	 h;
	struct seen		 s;
	enum stream_res		 res = STREAM_OK;
	enum tls_status		 ts = TLS_NEED_MORE;
	enum verdict		 v = VERDICT_ALLOW;

	if (f->st.buf == NULL && qi->nfrag > 0 && qi->frag[0].off == 0)
		ts = tls_parse_handshake(qi->frag[0].p, qi->frag[0].len,
		    in->scratchlen, &h);
	if (ts == TLS_NEED_MORE) {
		if (flow_gather(in->flows, f) == -1)
			return (fail_quic(in, f, &f->t, STAT_BOUND_BUFFERS, 1));
		if ((res = quic_gather(&f->st, qi)) == STREAM_TOO_SCATTERED)
			return (fail_quic(in, f, &f->t, STAT_BOUND_SEGMENTS,
			    1));
		ts = tls_parse_handshake(f->st.buf, stream_contiguous(&f->st),
		    f->st.cap, &h);
	}
	if (ts == TLS_NEED_MORE && res == STREAM_OK) {
		f->state = FLOW_GATHER;
		return (VERDICT_PASS);
	}
	if (ts != TLS_DONE)
		return (fail_quic(in, f, &f->t, ts == TLS_NEED_MORE ||
		    ts == TLS_TOO_BIG ? STAT_BOUND_GATHER : STAT_ERR_TLS, 1));
	stats_inc(in->stats, STAT_PROTO_QUIC);
	memset(&s, 0, sizeof(s));
	s.proto = PROTO_QUIC;
	s.none = "QUIC without a server name";
	s.ech = h.ech;
	s.alpn = h.alpn;
	if (h.has_sni && !is_address(&h.sni))
		v = decide(in, &f->t, PROTO_QUIC, &h.sni, 0, &h, &s);
	v = judge_flow(in, &f->t, &s, v);
	f->state = FLOW_DECIDED;
	f->verdict = (uint8_t)v;
	flow_release_buffer(in->flows, f);
	return (v);
}

/* Tell the client of a refused QUIC flow: ICMP port unreachable. */
static void
reject_quic(struct inspect *in, const struct packet *pk)
{
	struct tuple	 back;

	back.src = pk->t.dst;
	back.dst = pk->t.src;
	back.sport = pk->t.dport;
	back.dport = pk->t.sport;
	back.l4 = IPPROTO_UDP;
	stats_inc(in->stats, inject_unreach(in->inject, &back, in->ip,
	    in->iplen) == 0 ? STAT_REJECTS : STAT_REJECT_ERRORS);
}

/*
 * QUIC to UDP port 443.  The CRYPTO data of a flow's client Initials is
 * gathered by offset (quic.h), with the keys of its first Initial's
 * DCID, until the ClientHello is whole; its name is then decided as a
 * TLS ClientHello's is.  As with TCP, the Initials before the last
 * pass and the one that completes the ClientHello is judged: when
 * blocked it is dropped, the flow marked (the client falls back to TCP,
 * where the TLS path judges it again), and with reject the client gets
 * an ICMP port unreachable.  Returns -1, judging nothing, for a
 * datagram that is no QUIC long header: other UDP.
 */
static int
judge_quic(struct inspect *in, const struct packet *pk, enum verdict *v)
{
	struct flow		*f = flow_find(in->flows, &pk->t);
	struct quic_initial	 qi;
	enum quic_status	 qs;
	int			 keyed = f != NULL && f->q.version != 0;

	if (in->policy->quic == QUIC_ALLOW || pk->plen == 0 ||
	    (pk->payload[0] & 0xc0) != 0xc0) {
		if (f == NULL || f->proto != PROTO_QUIC)
			return (-1);
		/* a short header on a QUIC flow: as the flow stands */
		*v = f->state == FLOW_DECIDED ? (enum verdict)f->verdict :
		    VERDICT_PASS;
		return (0);
	}
	if (f != NULL)
		flow_touch(in->flows, f, in->now_ms);
	if (f != NULL && f->state == FLOW_DECIDED) {
		*v = (enum verdict)f->verdict;
		return (0);
	}
	if (in->policy->quic == QUIC_BLOCK && in->client != CLIENT_AUDIT) {
		stats_inc(in->stats, STAT_QUIC_BLOCKED);
		*v = VERDICT_BLOCK;
		return (0);
	}
	qs = quic_parse(in->quic, pk->payload, pk->plen, keyed ? f->q.cid :
	    NULL, keyed ? f->q.cidlen : 0, &qi);
	if (qs == QUIC_DECRYPT_FAILED && keyed && (qi.dcidlen != f->q.cidlen ||
	    memcmp(qi.dcid, f->q.cid, qi.dcidlen) != 0) &&
	    (qs = quic_parse(in->quic, pk->payload, pk->plen, NULL, 0, &qi)) ==
	    QUIC_OK) {
		/* after a Retry the keys come from the new DCID: start over */
		flow_release_buffer(in->flows, f);
		f->q.version = 0;
	}
	in->quic_version = quic_version_name(qi.version);
	if (qs == QUIC_NOT_QUIC && f == NULL)
		return (-1);
	if (qs == QUIC_NOT_INITIAL && f != NULL)
		*v = VERDICT_PASS;	/* 0-RTT while the ClientHello gathers */
	else if (qs != QUIC_OK)
		*v = fail_quic(in, f, &pk->t, qs == QUIC_UNKNOWN_VERSION ||
		    qs == QUIC_NEGOTIATION ? STAT_QUIC_UNKNOWN : STAT_ERR_QUIC,
		    0);
	else {
		if (f == NULL)
			f = add_flow(in, &pk->t);
		f->proto = PROTO_QUIC;
		if (f->q.version == 0) {
			f->q.version = qi.version;
			f->q.cidlen = qi.dcidlen;
			memcpy(f->q.cid, qi.dcid, qi.dcidlen);
		}
		*v = quic_hello(in, f, &qi);
		if (*v == VERDICT_BLOCK && in->reject)
			reject_quic(in, pk);
	}
	return (0);
}

/* Judge name n of an HTTP request unless v already blocks. */
static enum verdict
judge_host(struct inspect *in, struct flow *f, const struct name *n,
    struct seen *s, enum verdict v)
{
	if (v == VERDICT_BLOCK || (s->name != NULL &&
	    strcmp(s->name->s, n->s) == 0 && !n->partial))
		return (v);
	return (decide(in, &f->t, PROTO_HTTP, n, 0, NULL, s));
}

/*
 * An HTTP request head: judged by every name a server or proxy could
 * go by (the first and the last Host header, the request target); the
 * strictest wins.  A Host header that blocks is acted on as soon as its
 * line is whole, before the head is.  A head with faults is judged by
 * the names it carries; with none, it gets the default verdict.
 */
static void
judge_http(struct inspect *in, struct flow *f, struct http_reader *rd,
    const uint8_t *p, size_t n, int full, size_t *took, struct judged *j)
{
	const struct http_request *r = &rd->r;
	struct seen		 s;
	enum verdict		 v = VERDICT_ALLOW;
	enum http_status	 st;

	f->proto = PROTO_HTTP;
	st = http_read(rd, p, n, took, full);
	if (st == HTTP_NEED_MORE && (!r->has_host ||
	    !blocks(in, &f->t, PROTO_HTTP, &r->host)))
		return;
	if (st == HTTP_NOT_HTTP || (st == HTTP_MALFORMED && !r->has_host &&
	    !r->has_host_last && !r->has_target)) {
		done(j, exception(in, f, EXC_MALFORMED, STAT_ERR_HTTP));
		return;
	}
	if (st == HTTP_MALFORMED)
		stats_inc(in->stats, STAT_ERR_HTTP);
	stats_inc(in->stats, STAT_PROTO_HTTP);
	memset(&s, 0, sizeof(s));
	s.proto = PROTO_HTTP;
	s.none = "HTTP without a host name";
	/* the parser leaves address literals out: they name no host */
	if (r->has_host)
		v = decide(in, &f->t, PROTO_HTTP, &r->host, 0, NULL, &s);
	if (r->has_host_last)
		v = judge_host(in, f, &r->host_last, &s, v);
	if (r->has_target)
		v = judge_host(in, f, &r->target, &s, v);
	done(j, judge_flow(in, &f->t, &s, v));
	/* a whole, allowed request whose end is known: on to the next */
	if (st == HTTP_DONE && j->verdict == VERDICT_ALLOW &&
	    r->body_len >= 0 && r->body_len < 0x40000000)
		j->next = r->head_len + (size_t)r->body_len;
}

/*
 * Which protocol a flow's first bytes p[0..n) start: TLS, HTTP, or
 * something we do not judge (allowed; j is then complete).  PROTO_NONE
 * while the bytes cannot tell yet.
 */
static enum proto
classify(struct inspect *in, struct flow *f, const uint8_t *p, size_t n,
    struct judged *j)
{
	struct seen	 s;
	int		 tls, http;

	j->complete = 0;
	if (f->proto != PROTO_NONE)
		return ((enum proto)f->proto);
	tls = tls_looks_like(p, n);
	http = http_looks_like(p, n);
	if (tls == 1)
		return (f->proto = PROTO_TLS);
	if (http == 1)
		return (f->proto = PROTO_HTTP);
	if (tls == 0 && http == 0) {
		stats_inc(in->stats, STAT_PROTO_OTHER);
		memset(&s, 0, sizeof(s));
		s.none = "neither TLS nor HTTP";
		done(j, judge_flow(in, &f->t, &s, VERDICT_ALLOW));
	}
	return (PROTO_NONE);
}

/*
 * Start the reader of a flow whose protocol is known (TLS or HTTP), in
 * the state in front of its buffer, at the buffer's first byte.
 */
static void
start_reader(struct flow *f)
{
	union flow_aux	*u = f->aux;

	if (f->proto == PROTO_TLS) {
		tls_reader_init(&u->tls.rd, 1, 0);
		tls_reader_init(&u->tls.snap, 1, 0);
		u->tls.fed = 0;
	} else {
		http_reader_init(&u->http.rd);
		u->http.fed = 0;
	}
	f->reading = 1;
}

/*
 * Read the bytes of st (whose reader is x) not yet read; j tells the
 * verdict if they told one.
 */
static void
read_held(struct inspect *in, struct flow *f, struct tls_aux *x,
    const struct stream *st, struct judged *j)
{
	uint32_t	 have = stream_contiguous(st);

	j->complete = 0;
	if (have > x->fed) {
		judge_tls(in, f, &x->rd, st->buf + x->fed, have - x->fed, j);
		x->fed = have;
	}
}

/*
 * When a segment ahead of the bytes read would not fit, the bytes read
 * (fed) make room: they go.  1 if they did.
 */
static int
make_room(struct flow *f, uint32_t *fed, uint32_t seq, size_t len)
{
	uint32_t	 off = seq - f->st.base;

	if (*fed == 0 || (off < 0x80000000U && off + len <= f->st.cap))
		return (0);
	stream_consume(&f->st, *fed);
	*fed = 0;
	return (1);
}

/*
 * The segment at seq would bring bytes that differ from those the flow
 * holds: from now on the flow is judged by both views of its stream,
 * the copy the Linux receiver keeps and the other (stream.h), each read
 * by its own reader from the buffer's first byte.  Counted, with an
 * event.  Returns -1 when there is no buffer for the second view.
 */
static int
second_view(struct inspect *in, struct flow *f)
{
	struct tls_aux	*x = f->aux, *y;
	struct decision	 d;
	struct record	 e;
	uint8_t		*buf;

	if (flow_gather_second(in->flows, f, &buf) == -1)
		return (-1);
	y = f->alt;
	y->other.buf = buf;
	stream_copy(&y->other, &f->st);
	y->other.other = 1;
	if (f->reading)
		y->rd = x->snap;
	else
		tls_reader_init(&y->rd, 1, 0);
	y->fed = 0;
	stats_inc(in->stats, STAT_OVERLAPS);
	policy_overlap(in->policy, in->client, &d);
	if (d.action == RECORD_NONE)
		return (0);
	memset(&e, 0, sizeof(e));
	e.proto = PROTO_TLS;
	e.rule = "overlap";
	e.match = "exception";
	e.t = &f->t;
	inspect_record(in, &e, &d);
	return (0);
}

/*
 * A segment with payload on a flow not yet decided.  A ClientHello is
 * read as its bytes come, in order (tls.h), so one of any size is
 * judged: the buffer keeps the bytes read as long as it has room (a
 * later copy of them that differs is an overlap) and then lets them
 * go; gather-bytes only bounds how far ahead of the bytes read a
 * segment may come.  A segment in sequence that the buffer cannot hold
 * is read in place.  Where copies differ, the ClientHello is read in
 * both views (second_view()) and a block in either blocks.  An HTTP
 * request head is gathered whole, and copies that differ in it are the
 * overlap exception.  The common case, a whole message in the flow's
 * first segment, is judged in place.
 */
static enum verdict
judge_stream(struct inspect *in, struct flow *f, const struct packet *pk,
    uint32_t seq)
{
	struct tls_reader	 first;
	struct http_reader	 head;
	struct tls_aux		*x;
	struct http_aux		*hx;
	struct judged		 j;
	enum stream_res		 res;
	uint32_t		 have, skip;
	size_t			 took;

	/* the body of a request already judged: the next one comes after */
	if (f->requests > 0 && (int32_t)(seq + (uint32_t)pk->plen -
	    f->base) <= 0)
		return (VERDICT_PASS);
	j.complete = 0;
	if (f->st.buf == NULL && seq == f->base) {
		switch (classify(in, f, pk->payload, pk->plen, &j)) {
		case PROTO_TLS:
			tls_reader_init(&first, 1, 0);
			judge_tls(in, f, &first, pk->payload, pk->plen, &j);
			if (j.complete)
				return (j.verdict);
			/* more to come: the reader's place is kept */
			if (flow_gather(in->flows, f) == -1)
				return (exception(in, f, EXC_GATHER_BUFFERS,
				    STAT_BOUND_BUFFERS));
			start_reader(f);
			x = f->aux;
			x->rd = first;
			f->state = FLOW_GATHER;
			if (pk->plen <= f->st.cap) {
				(void)stream_add(&f->st, seq, pk->payload,
				    pk->plen);
				x->fed = pk->plen;
			} else {
				f->st.base = seq + (uint32_t)pk->plen;
				x->snap = first;
			}
			return (VERDICT_PASS);
		case PROTO_HTTP:
			/* read again from the buffer if it is not whole */
			http_reader_init(&head);
			judge_http(in, f, &head, pk->payload, pk->plen, 0,
			    &took, &j);
			break;
		default:
			break;
		}
		if (j.complete)
			return (keep_alive(in, f, &j, pk->payload, pk->plen,
			    0));
	}
	if (flow_gather(in->flows, f) == -1)
		return (exception(in, f, EXC_GATHER_BUFFERS,
		    STAT_BOUND_BUFFERS));
	f->state = FLOW_GATHER;
	if (f->reading && f->proto == PROTO_HTTP) {
		hx = f->aux;
		(void)make_room(f, &hx->fed, seq, pk->plen);
	} else if (f->reading) {
		x = f->aux;
		if (make_room(f, &x->fed, seq, pk->plen)) {
			/* the other view, if any, is given up then */
			x->snap = x->rd;
			flow_release_second(in->flows, f);
		}
		skip = f->st.base - seq;
		if (f->st.nr == 0 && skip < pk->plen &&
		    pk->plen - skip > f->st.cap) {
			/* in sequence, bigger than the buffer: in place */
			flow_release_second(in->flows, f);
			f->st.base = seq + (uint32_t)pk->plen;
			judge_tls(in, f, &x->rd, pk->payload + skip,
			    pk->plen - skip, &j);
			x->snap = x->rd;
			return (j.complete ? j.verdict : VERDICT_PASS);
		}
	}
	/* a ClientHello (or what may become one) is read in both views */
	if (f->proto != PROTO_HTTP && f->alt == NULL &&
	    stream_differs(&f->st, seq, pk->payload, pk->plen) &&
	    second_view(in, f) == -1)
		return (exception(in, f, EXC_OVERLAP, STAT_OVERLAPS));
	if (f->alt != NULL)
		(void)stream_add(&((struct tls_aux *)f->alt)->other, seq,
		    pk->payload, pk->plen);
	if ((res = stream_add(&f->st, seq, pk->payload, pk->plen)) ==
	    STREAM_TOO_SCATTERED)
		return (exception(in, f, EXC_SEGMENTS, STAT_BOUND_SEGMENTS));
	if (f->st.conflict && f->alt == NULL)
		return (exception(in, f, EXC_OVERLAP, STAT_OVERLAPS));
	if ((have = stream_contiguous(&f->st)) == 0) {
		/* the start is still missing */
		if (res == STREAM_PAST_END)
			return (exception(in, f, EXC_GATHER_BYTES,
			    STAT_BOUND_GATHER));
		return (VERDICT_PASS);
	}
	if (!f->reading && classify(in, f, f->st.buf, have, &j) != PROTO_NONE)
		start_reader(f);
	/* an HTTP head has one view: copies that differ are the exception */
	if (f->alt != NULL && f->proto == PROTO_HTTP)
		return (exception(in, f, EXC_OVERLAP, STAT_OVERLAPS));
	if (f->reading && f->proto == PROTO_HTTP) {
		hx = f->aux;
		judge_http(in, f, &hx->rd, f->st.buf + hx->fed, have - hx->fed,
		    have == f->st.cap, &took, &j);
		hx->fed += (uint32_t)took;
		if (j.complete)
			return (keep_alive(in, f, &j, f->st.buf, have,
			    f->st.base - f->base));
	} else if (f->reading) {
		if (f->alt != NULL) {
			/* the other view first: a block there blocks */
			x = f->alt;
			read_held(in, f, x, &x->other, &j);
			if (j.complete && j.verdict == VERDICT_BLOCK)
				return (j.verdict);
		}
		read_held(in, f, f->aux, &f->st, &j);
		if (j.complete)
			return (j.verdict);
	} else if (j.complete)
		return (keep_alive(in, f, &j, f->st.buf, have, 0));
	if (res == STREAM_PAST_END)
		return (exception(in, f, EXC_GATHER_BYTES, STAT_BOUND_GATHER));
	return (VERDICT_PASS);
}

/*
 * After an allowed HTTP request (p[0..n) from the flow's base; the next
 * request starts at j->next), the flow is not decided: it stays queued
 * and every request on it is judged.  The bytes of later requests
 * already here are judged at once (pipelining), a loop rather than a
 * recursion; a request not yet whole is gathered from its own start.
 * Any other verdict is returned as it is.
 */
static enum verdict
keep_alive(struct inspect *in, struct flow *f, struct judged *j,
    const uint8_t *p, size_t n, uint32_t at)
{
	struct http_reader	 head;
	size_t			 rest, took;

	while (j->complete && j->next > 0) {
		/* p[0..n) is the request's from its byte at on */
		rest = at + n > j->next ? at + n - j->next : 0;
		if (rest > in->scratchlen)
			return (exception(in, f, EXC_GATHER_BYTES,
			    STAT_BOUND_GATHER));
		memmove(in->scratch, p + (j->next - at), rest);
		flow_release_buffer(in->flows, f);
		f->base += (uint32_t)j->next;
		f->state = FLOW_OPEN;
		f->requests++;
		stats_inc(in->stats, STAT_HTTP_REQUESTS);
		if (rest == 0)
			return (VERDICT_PASS);
		p = in->scratch;
		n = rest;
		at = 0;
		j->complete = 0;
		http_reader_init(&head);
		judge_http(in, f, &head, p, n, 0, &took, j);
	}
	if (j->complete)
		return (j->verdict);
	/* the start of the next request: gather it, read it again then */
	if (flow_gather(in->flows, f) == -1)
		return (exception(in, f, EXC_GATHER_BUFFERS,
		    STAT_BOUND_BUFFERS));
	stream_add(&f->st, f->base, p, n);
	f->state = FLOW_GATHER;
	return (VERDICT_PASS);
}

/*
 * Is a segment's sequence number the one the server expects next (the
 * client's bytes so far all in order)?  Only such a RST or FIN ends a
 * connection (RFC 5961: an in-window RST that is not exact draws a
 * challenge ACK and the connection lives on), so only it ends the
 * flow's inspection.
 */
static int
in_sequence(const struct flow *f, const struct packet *pk)
{
	uint32_t	 next = f->base;

	if (f->st.buf != NULL)
		next = f->st.base + stream_contiguous(&f->st);
	return (!f->based || pk->seq == next);
}

/*
 * TCP: follow the flow from its SYN; judge its first message; once
 * decided, answer its packets still in flight the same way.
 */
static enum verdict
inspect_tcp(struct inspect *in, const struct packet *pk)
{
	struct flow	*f = flow_find(in->flows, &pk->t);
	uint32_t	 seq = pk->seq;
	enum verdict	 v;

	if (f != NULL)
		flow_touch(in->flows, f, in->now_ms);
	if (f != NULL && f->state == FLOW_DECIDED)
		return ((enum verdict)f->verdict);
	if ((pk->tcpflags & TCPF_RST) || (pk->plen == 0 &&
	    (pk->tcpflags & TCPF_FIN))) {
		if (f != NULL && in_sequence(f, pk))
			flow_remove(in->flows, f);
		else if (f != NULL)
			stats_inc(in->stats, STAT_OUT_OF_SEQUENCE);
		return (VERDICT_PASS);
	}
	if ((pk->tcpflags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		if (judge_port(in, pk) == VERDICT_BLOCK) {
			if (f != NULL)
				flow_remove(in->flows, f);
			if (in->reject)
				reset_tcp(in, pk);
			return (VERDICT_BLOCK);
		}
		if (f == NULL)
			f = add_flow(in, &pk->t);
		if (!f->based) {
			f->base = pk->seq + 1;
			f->based = 1;
		}
		if (pk->plen == 0)
			return (VERDICT_PASS);
		/* TCP Fast Open: the data in the SYN starts the stream */
		stats_inc(in->stats, STAT_TFO);
		seq = pk->seq + 1;
	} else if (pk->plen == 0) {
		/* the handshake's last ACK: a connection, not a lone SYN */
		if (f != NULL && (pk->tcpflags & TCPF_ACK))
			f->answered = 1;
		return (VERDICT_PASS);
	} else if (f == NULL) {
		/* its start was never seen: its bytes cannot be read */
		f = add_flow(in, &pk->t);
		v = exception(in, f, EXC_MIDSTREAM, STAT_MIDSTREAM);
		f->state = FLOW_DECIDED;
		f->verdict = (uint8_t)v;
		if (v == VERDICT_BLOCK && in->reject)
			reset_tcp(in, pk);
		return (v);
	}
	if (pk->t.dport == 53)
		v = judge_dns_stream(in, f, pk, seq);
	else
		v = judge_stream(in, f, pk, seq);
	if (v == VERDICT_ALLOW || v == VERDICT_BLOCK) {
		f->state = FLOW_DECIDED;
		f->verdict = (uint8_t)v;
		flow_release_buffer(in->flows, f);
	}
	if (v == VERDICT_BLOCK && in->reject)
		reset_tcp(in, pk);
	return (v);
}

/*
 * A new entry in the flow table.  A full table gives up its oldest
 * flow, a decided one first (see flow_add()), rather than refuse a new
 * one: refusing would let a flood of SYNs keep a connection out of
 * sight.  Evictions are counted.
 */
static struct flow *
add_flow(struct inspect *in, const struct tuple *t)
{
	struct flow	*f;
	int		 evicted = 0;

	f = flow_add(in->flows, t, in->now_ms, &evicted);
	if (evicted)
		stats_inc(in->stats, STAT_BOUND_FLOWS);
	return (f);
}

/*
 * Judge one packet, given from its IP header.  The sender's client
 * statement, if any, decides how matches count; an exempt client's
 * flows are let go at their first packet.
 */
enum verdict
inspect_packet(struct inspect *in, const uint8_t *buf, size_t len)
{
	struct packet	 pk;
	enum packet_err	 e;
	int		 answer;

	if ((e = packet_parse(&pk, buf, len)) != PACKET_OK) {
		if (e == PACKET_EFRAGMENT)
			return (fail(in, STAT_ERR_FRAGMENT, 0));
		return (fail(in, STAT_ERR_PACKET, 0));
	}
	in->reject = 0;
	in->refuse = 0;
	in->ip = buf;
	in->iplen = len;
	in->payload = pk.payload;
	in->plen = pk.plen;
	in->quic_version = NULL;
	/* a DNS response goes to the client */
	answer = pk.t.l4 == IPPROTO_UDP && pk.t.sport == 53 &&
	    pk.t.dport != 53;
	in->client = policy_client(in->policy, answer ? &pk.t.dst : &pk.t.src);
	if (in->client == CLIENT_EXEMPT) {
		stats_inc(in->stats, STAT_EXEMPT);
		return (policy_exempt(pk.t.l4 == IPPROTO_TCP,
		    answer || pk.t.dport == 53));
	}
	if (pk.t.l4 == IPPROTO_UDP)
		return (inspect_udp(in, &pk));
	return (inspect_tcp(in, &pk));
}

/*
 * At most this many undecided flows are asked about in one expiry pass
 * (two queries each at most, answered at once): a pass never holds its
 * queue thread for long, and the rest stay until the next second's
 * pass.  The flow table's own bound (a full table gives up a decided or
 * the oldest flow) stays what limits the flows kept.
 */
#define INSPECT_CT_ASK	64

/* The state of one pass's questions to conntrack. */
struct ct_pass {
	struct inspect	*in;
	unsigned	 left;		/* flows still to ask about */
	unsigned	 later;		/* flows left for the next pass */
};

/*
 * An undecided flow went quiet for flow-timeout.  While conntrack holds
 * its connection it is kept: a client may wait as long as it likes
 * between its handshake and its first message, and a flow forgotten
 * here would come back as a midstream flow, which guard passes unless a
 * list claims the address.  Gone, or when conntrack cannot tell, it is
 * forgotten.
 */
static enum flow_fate
expire_ask(const struct flow *f, void *arg)
{
	struct ct_pass	*p = arg;

	if (p->left == 0) {
		p->later++;
		return (FLOW_LATER);
	}
	p->left--;
	switch (ct_held(p->in->ct, &f->t)) {
	case CT_HELD:
		stats_inc(p->in->stats, STAT_CT_KEPT);
		return (FLOW_KEEP);
	case CT_GONE:
		return (FLOW_FORGET);
	default:
		stats_inc(p->in->stats, STAT_CT_UNKNOWN);
		return (FLOW_FORGET);
	}
}

/* Forget flows that went quiet (see expire_ask()); returns how many. */
size_t
inspect_expire(struct inspect *in)
{
	struct ct_pass	 p = { in, INSPECT_CT_ASK, 0 };
	size_t		 n;

	if (in->ct == NULL)
		n = flow_expire(in->flows, in->now_ms, in->flow_timeout_ms,
		    in->decided_timeout_ms);
	else
		n = flow_expire_ask(in->flows, in->now_ms, in->flow_timeout_ms,
		    in->decided_timeout_ms, expire_ask, &p);
	if (p.later > 0)
		stats_inc(in->stats, STAT_BOUND_CT_ASK);
	stats_add(in->stats, STAT_FLOWS_EXPIRED, n);
	return (n);
}
