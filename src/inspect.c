/*
 * inspect.c: from a packet to its verdict.
 *
 * DNS over UDP is judged packet by packet.  A TCP flow is followed from
 * its SYN until its first client message (a TLS ClientHello, an HTTP
 * request head, or anything else) has been judged; then the flow is
 * decided and the firewall stops queueing it.  DNS over TCP is judged
 * message by message for the life of the connection.
 *
 * Split messages are gathered, not held: every packet gets its verdict
 * in the batch it arrived in, and the earlier pieces of a message pass.
 * The packet that completes a message is always the one judged, so when
 * the name is blocked that packet is dropped and the flow marked, and
 * the server never receives a whole ClientHello or request head to act
 * on.  Holding pieces instead would keep packets in the kernel queue
 * for as long as a client cared to wait.
 *
 * Every failure (malformed message, a bound) counts and ends in the
 * policy's default verdict.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "enforce.h"
#include "http.h"
#include "inspect.h"
#include "log.h"
#include "packet.h"
#include "tls.h"
#include "xmalloc.h"

/* What the bytes of a flow said so far. */
struct judged {
	int		 complete;	/* a verdict was reached */
	enum verdict	 verdict;
};

static enum verdict	inspect_udp(struct inspect *, const struct packet *);
static enum verdict	inspect_tcp(struct inspect *, const struct packet *);
static enum verdict	judge_dns(struct inspect *, const struct tuple *,
			    const uint8_t *, size_t, int);
static enum verdict	judge_dns_stream(struct inspect *, struct flow *,
			    const struct packet *);
static void		judge_bytes(struct inspect *, struct flow *,
			    const uint8_t *, size_t, struct judged *);
static void		judge_tls(struct inspect *, struct flow *,
			    const uint8_t *, size_t, struct judged *);
static void		judge_http(struct inspect *, struct flow *,
			    const uint8_t *, size_t, struct judged *);
static enum verdict	judge_stream(struct inspect *, struct flow *,
			    const struct packet *);
static enum verdict	decide(struct inspect *, const struct tuple *,
			    enum proto, const struct name *, uint16_t,
			    const struct tls_hello *, struct seen *);
static int		is_canary(const struct dns_query *);
static int		is_address(const struct name *);
static enum verdict	fail(struct inspect *, enum stats_id, int);
static void		reset_tcp(struct inspect *, const struct packet *);
static void		done(struct judged *, enum verdict);

/* Set up a queue thread's inspector from the configuration. */
void
inspect_init(struct inspect *in, const struct conf *conf,
    struct stats *stats, struct eventlog *events, unsigned queue)
{
	memset(in, 0, sizeof(*in));
	in->flows = flow_table_new(conf->limit[LIMIT_FLOWS],
	    conf->limit[LIMIT_GATHER_BUFFERS],
	    conf->limit[LIMIT_GATHER_BYTES]);
	in->stats = stats;
	in->events = events;
	in->queue = queue;
	in->flow_timeout_ms = (uint64_t)conf->limit[LIMIT_FLOW_TIMEOUT] * 1000;
	in->decided_timeout_ms =
	    (uint64_t)conf->limit[LIMIT_DECIDED_TIMEOUT] * 1000;
	in->scratchlen = conf->limit[LIMIT_GATHER_BYTES];
	in->scratch = xmalloc(in->scratchlen);
}

void
inspect_free(struct inspect *in)
{
	flow_table_free(in->flows);
	free(in->scratch);
	memset(in, 0, sizeof(*in));
}

/* Count a failure and give the default verdict. */
static enum verdict
fail(struct inspect *in, enum stats_id why, int tcp)
{
	stats_inc(in->stats, why);
	return (policy_default(in->policy, tcp));
}

static void
done(struct judged *j, enum verdict v)
{
	j->complete = 1;
	j->verdict = v;
}

/*
 * Record an event decided by d: count it, against its list too, keep
 * its name and client for the top tables, and write it.  A block by a
 * reject list is answered (e->reject) when the daemon can send.
 */
void
inspect_event(struct inspect *in, struct event *e, const struct decision *d)
{
	char	 a[INET6_ADDRSTRLEN];

	e->action = d->action;
	e->reject = d->action == EVENT_BLOCK && d->reject && in->inject != NULL;
	if (e->reject)
		in->reject = 1;
	e->ruleset = d->list->name;
	e->vendor = d->list->vendor;
	e->category = d->list->category;
	e->queue = in->queue;
	e->time_ms = in->wall_ms;
	e->capture = in->capture;
	e->packet = in->capture_packet;
	switch (d->action) {
	case EVENT_BLOCK:
		stats_inc(in->stats, STAT_EVENT_BLOCK);
		list_count_event(d->list, 1);
		break;
	case EVENT_AUDIT:
		stats_inc(in->stats, STAT_EVENT_AUDIT);
		list_count_event(d->list, 0);
		break;
	default:
		stats_inc(in->stats, STAT_EVENT_ALLOW);
		break;
	}
	if (in->top_names != NULL && d->action != EVENT_ALLOW) {
		top_add(in->top_names, e->name != NULL ? e->name : e->rule, 1);
		top_add(in->top_clients, addr_ntop(&e->t->src, a, sizeof(a)),
		    1);
	}
	if (event_emit(in->events, e) == -1)
		stats_inc(in->stats, STAT_EVENT_ERRORS);
}

/*
 * Decide one name and write the event if there is one; note in s (when
 * given) what the name said, for the address to be judged after it.  A
 * blocked name's HTTPS or SVCB query is refused outright, so that no
 * ECH keys for it are handed out by a resolver the daemon cannot see.
 */
static enum verdict
decide(struct inspect *in, const struct tuple *t, enum proto proto,
    const struct name *n, uint16_t qtype, const struct tls_hello *h,
    struct seen *s)
{
	struct decision	 d;
	struct event	 e;

	policy_decide(in->policy, n->s, n->len, proto,
	    t->l4 == IPPROTO_TCP, in->client, &d);
	if (s != NULL) {
		s->name = n;
		s->allowed = d.list != NULL && d.res.effect == MATCH_ALLOW;
		s->decided |= d.action != EVENT_NONE;
	}
	if (d.action == EVENT_NONE)
		return (d.verdict);
	if (d.action == EVENT_BLOCK && (qtype == 64 || qtype == 65) &&
	    in->policy->refuse_svcb) {
		d.reject = 1;
		in->refuse = 1;
	}
	memset(&e, 0, sizeof(e));
	e.proto = proto;
	e.name = n->s;
	e.qtype = qtype;
	e.rule = n->s + d.res.offset;
	e.match = match_kind_name(d.res.kind);
	e.alpn = h ? h->alpn : NULL;
	e.ech = h ? h->ech : 0;
	e.t = t;
	inspect_event(in, &e, &d);
	return (d.verdict);
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

/*
 * Every question of a DNS query; the strictest verdict wins.  A
 * malformed query gets the default verdict, but over TCP an accepting
 * default only passes it: the connection's next queries are still
 * judged.  A refused query over UDP is answered at once when its list
 * says reject (or it asked for HTTPS/SVCB records); the DoH canary,
 * when enabled, is answered NXDOMAIN.
 */
static enum verdict
judge_dns(struct inspect *in, const struct tuple *t, const uint8_t *msg,
    size_t len, int tcp)
{
	struct dns_query	 q;
	enum verdict		 v, worst = VERDICT_PASS;
	int			 i;

	stats_inc(in->stats, STAT_PROTO_DNS);
	if (dns_parse_query(msg, len, &q) == -1) {
		stats_inc(in->stats, STAT_ERR_DNS);
		v = policy_default(in->policy, tcp);
		return (v == VERDICT_ALLOW ? VERDICT_PASS : v);
	}
	if (!tcp && in->policy->canary && in->inject != NULL &&
	    is_canary(&q)) {
		stats_inc(in->stats, STAT_CANARY);
		inspect_answer_dns(in, t, msg, &q, DNS_REJECT_NXDOMAIN);
		return (VERDICT_DROP);
	}
	for (i = 0; i < q.nq; i++) {
		if (q.q[i].name.len == 0)
			continue;	/* the root */
		v = decide(in, t, PROTO_DNS, &q.q[i].name, q.q[i].qtype, NULL,
		    NULL);
		if (v == VERDICT_DROP || v == VERDICT_BLOCK)
			worst = v;
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
void
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
 * UDP: a DNS query, a DNS response on its way to the client, or the
 * first packet of another UDP flow, which names no host and is judged
 * by its port and address alone.
 */
static enum verdict
inspect_udp(struct inspect *in, const struct packet *pk)
{
	struct seen	 s;

	if (pk->t.dport == 53)
		return (judge_dns(in, &pk->t, pk->payload, pk->plen, 0));
	if (pk->t.sport == 53)
		return (enforce_answer(in, pk));
	stats_inc(in->stats, STAT_PROTO_OTHER);
	if (enforce_port(in, pk) == VERDICT_BLOCK)
		return (VERDICT_BLOCK);
	memset(&s, 0, sizeof(s));
	s.proto = PROTO_NONE;
	s.none = "UDP names no host";
	return (enforce_flow(in, &pk->t, &s, VERDICT_ALLOW));
}

/*
 * DNS over TCP: two-byte length, message; as many as the client sends.
 * Each complete message is judged and dropped from the buffer.
 */
static enum verdict
judge_dns_stream(struct inspect *in, struct flow *f, const struct packet *pk)
{
	uint32_t	 have, need;
	enum verdict	 v;

	f->proto = PROTO_DNS;
	if (flow_gather(in->flows, f) == -1)
		return (fail(in, STAT_BOUND_BUFFERS, 1));
	switch (stream_add(&f->st, pk->seq, pk->payload, pk->plen)) {
	case STREAM_TOO_SCATTERED:
		return (fail(in, STAT_BOUND_SEGMENTS, 1));
	case STREAM_PAST_END:
		return (fail(in, STAT_BOUND_GATHER, 1));
	case STREAM_OK:
		break;
	}
	while ((have = stream_contiguous(&f->st)) >= 2) {
		need = 2 + ((uint32_t)f->st.buf[0] << 8 | f->st.buf[1]);
		if (need == 2)
			return (fail(in, STAT_ERR_DNS, 1));
		if (need > f->st.cap)
			return (fail(in, STAT_BOUND_GATHER, 1));
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

static void
judge_tls(struct inspect *in, struct flow *f, const uint8_t *p, size_t n,
    struct judged *j)
{
	struct tls_hello	 h;
	struct seen		 s;
	enum verdict		 v = VERDICT_ALLOW;

	f->proto = PROTO_TLS;
	switch (tls_parse_hello(p, n, in->scratch, in->scratchlen, &h)) {
	case TLS_NEED_MORE:
		return;
	case TLS_TOO_BIG:
		done(j, fail(in, STAT_BOUND_GATHER, 1));
		return;
	case TLS_NOT_TLS:
	case TLS_MALFORMED:
		done(j, fail(in, STAT_ERR_TLS, 1));
		return;
	case TLS_DONE:
		break;
	}
	stats_inc(in->stats, STAT_PROTO_TLS);
	if (h.ech) {
		stats_inc(in->stats, STAT_ECH);
		log_debug("ECH ClientHello, outer name %s",
		    h.has_sni ? h.sni.s : "(none)");
	}
	memset(&s, 0, sizeof(s));
	s.proto = PROTO_TLS;
	s.none = "TLS without a server name";
	s.ech = h.ech;
	s.alpn = h.alpn;
	if (h.has_sni && !is_address(&h.sni))
		v = decide(in, &f->t, PROTO_TLS, &h.sni, 0, &h, &s);
	done(j, enforce_flow(in, &f->t, &s, v));
}

static void
judge_http(struct inspect *in, struct flow *f, const uint8_t *p, size_t n,
    struct judged *j)
{
	struct http_request	 r;
	struct seen		 s;
	enum verdict		 v;

	f->proto = PROTO_HTTP;
	switch (http_parse_request(p, n, &r)) {
	case HTTP_NEED_MORE:
		return;
	case HTTP_NOT_HTTP:
	case HTTP_MALFORMED:
		done(j, fail(in, STAT_ERR_HTTP, 1));
		return;
	case HTTP_DONE:
		break;
	}
	stats_inc(in->stats, STAT_PROTO_HTTP);
	memset(&s, 0, sizeof(s));
	s.proto = PROTO_HTTP;
	s.none = "HTTP without a host name";
	v = VERDICT_ALLOW;
	/* the parser leaves address literals out: they name no host */
	if (r.has_host)
		v = decide(in, &f->t, PROTO_HTTP, &r.host, 0, NULL, &s);
	/* a server or proxy may go by either name: the strictest wins */
	if (r.has_target && v != VERDICT_BLOCK &&
	    (s.name == NULL || strcmp(s.name->s, r.target.s) != 0))
		v = decide(in, &f->t, PROTO_HTTP, &r.target, 0, NULL, &s);
	done(j, enforce_flow(in, &f->t, &s, v));
}

/*
 * The first bytes of a flow: TLS, HTTP, or something we do not judge
 * (allowed).  Leaves j incomplete while the bytes cannot tell yet.
 */
static void
judge_bytes(struct inspect *in, struct flow *f, const uint8_t *p, size_t n,
    struct judged *j)
{
	int	 tls, http;

	j->complete = 0;
	if (f->proto == PROTO_NONE) {
		tls = tls_looks_like(p, n);
		http = http_looks_like(p, n);
		if (tls == 1)
			f->proto = PROTO_TLS;
		else if (http == 1)
			f->proto = PROTO_HTTP;
		else if (tls == 0 && http == 0) {
			struct seen	 s;

			stats_inc(in->stats, STAT_PROTO_OTHER);
			memset(&s, 0, sizeof(s));
			s.none = "neither TLS nor HTTP";
			done(j, enforce_flow(in, &f->t, &s, VERDICT_ALLOW));
			return;
		} else
			return;		/* too few bytes to tell */
	}
	if (f->proto == PROTO_TLS)
		judge_tls(in, f, p, n, j);
	else
		judge_http(in, f, p, n, j);
}

/*
 * A segment with payload on a flow not yet decided.  The common case,
 * a whole message in the flow's first segment, is judged in place;
 * anything else is gathered in a buffer from the pool.
 */
static enum verdict
judge_stream(struct inspect *in, struct flow *f, const struct packet *pk)
{
	struct judged	 j;
	enum stream_res	 res;
	uint32_t	 have;

	if (f->st.buf == NULL && pk->seq == f->base) {
		judge_bytes(in, f, pk->payload, pk->plen, &j);
		if (j.complete)
			return (j.verdict);
	}
	if (flow_gather(in->flows, f) == -1)
		return (fail(in, STAT_BOUND_BUFFERS, 1));
	if ((res = stream_add(&f->st, pk->seq, pk->payload, pk->plen)) ==
	    STREAM_TOO_SCATTERED)
		return (fail(in, STAT_BOUND_SEGMENTS, 1));
	f->state = FLOW_GATHER;
	if ((have = stream_contiguous(&f->st)) == 0)
		return (VERDICT_PASS);	/* the start is still missing */
	judge_bytes(in, f, f->st.buf, have, &j);
	if (j.complete)
		return (j.verdict);
	if (res == STREAM_PAST_END || have == f->st.cap)
		return (fail(in, STAT_BOUND_GATHER, 1));
	return (VERDICT_PASS);
}

/*
 * TCP: follow the flow from its SYN; judge its first message; once
 * decided, answer its packets still in flight the same way.
 */
static enum verdict
inspect_tcp(struct inspect *in, const struct packet *pk)
{
	struct flow	*f = flow_find(in->flows, &pk->t);
	enum verdict	 v;

	if (f != NULL)
		flow_touch(in->flows, f, in->now_ms);
	if (f != NULL && f->state == FLOW_DECIDED)
		return ((enum verdict)f->verdict);
	if (pk->tcpflags & TCPF_RST) {
		if (f != NULL)
			flow_remove(in->flows, f);
		return (VERDICT_PASS);
	}
	if ((pk->tcpflags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		if (enforce_port(in, pk) == VERDICT_BLOCK) {
			if (f != NULL)
				flow_remove(in->flows, f);
			if (in->reject)
				reset_tcp(in, pk);
			return (VERDICT_BLOCK);
		}
		if (f == NULL && (f = flow_add(in->flows, &pk->t,
		    in->now_ms)) == NULL) {
			/* try again, mid-stream, at the first payload */
			stats_inc(in->stats, STAT_BOUND_FLOWS);
			return (VERDICT_PASS);
		}
		f->base = pk->seq + 1;
		f->based = 1;
		return (VERDICT_PASS);
	}
	if (pk->plen == 0) {
		if (f != NULL && (pk->tcpflags & TCPF_FIN))
			flow_remove(in->flows, f);
		return (VERDICT_PASS);
	}
	if (f == NULL) {
		/* no SYN seen (a restart): the stream starts here */
		if ((f = flow_add(in->flows, &pk->t, in->now_ms)) == NULL)
			return (fail(in, STAT_BOUND_FLOWS, 1));
		f->base = pk->seq;
		f->based = 1;
	}
	if (pk->t.dport == 53)
		v = judge_dns_stream(in, f, pk);
	else
		v = judge_stream(in, f, pk);
	if (v == VERDICT_ALLOW || v == VERDICT_BLOCK) {
		f->state = FLOW_DECIDED;
		f->verdict = (uint8_t)v;
		flow_release_buffer(in->flows, f);
	} else if (pk->tcpflags & TCPF_FIN)
		flow_remove(in->flows, f);
	if (v == VERDICT_BLOCK && in->reject)
		reset_tcp(in, pk);
	return (v);
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
	/* a DNS response goes to the client */
	answer = pk.t.l4 == IPPROTO_UDP && pk.t.sport == 53 &&
	    pk.t.dport != 53;
	in->client = in->policy->mode == MODE_AUDIT ? CLIENT_AUDIT :
	    CLIENT_BLOCK;
	if (policy_client(in->policy, answer ? &pk.t.dst : &pk.t.src,
	    &in->client) && in->client == CLIENT_EXEMPT) {
		stats_inc(in->stats, STAT_EXEMPT);
		if (pk.t.l4 == IPPROTO_TCP || (!answer && pk.t.dport != 53))
			return (VERDICT_ALLOW);
		return (VERDICT_PASS);
	}
	if (pk.t.l4 == IPPROTO_UDP)
		return (inspect_udp(in, &pk));
	return (inspect_tcp(in, &pk));
}

/* Forget flows that went quiet; returns how many. */
size_t
inspect_expire(struct inspect *in)
{
	size_t	 n;

	n = flow_expire(in->flows, in->now_ms, in->flow_timeout_ms,
	    in->decided_timeout_ms);
	stats_add(in->stats, STAT_FLOWS_EXPIRED, n);
	return (n);
}
