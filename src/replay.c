/*
 * replay.c: embargod -r FILE...: judge the packets of pcap and pcapng
 * captures on the very path the queue threads use, with the capture's
 * timestamps as the clock, and write the events.
 *
 * A capture holds more than the firewall rules would queue: replies,
 * and the rest of flows the daemon already decided.  So the replay keeps
 * a small table of connections, as conntrack would, and hands over what
 * embargo-firewall(8) queues: DNS over UDP both ways, TCP in the
 * direction of its first packet, a UDP flow's first packets, and any
 * flow only until a verdict decided it (the connection mark).  The rest
 * is counted as not queued.
 *
 * Nothing here needs privileges: no netlink, no raw sockets (a reject
 * list's blocks are not answered; the events say "block").
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "record.h"
#include "inspect.h"
#include "learn.h"
#include "log.h"
#include "packet.h"
#include "replay.h"
#include "stats.h"
#include "xmalloc.h"

#define CONN_TCP_IDLE_MS	(300 * 1000)	/* forget quiet connections */
#define CONN_UDP_IDLE_MS	(120 * 1000)
#define EXPIRE_EVERY_MS		1000		/* flows and learned addresses */
#define CONN_EXPIRE_EVERY_MS	(10 * 1000)
#define CONN_MIN		262144		/* nf_conntrack_max's order */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

/* A connection as conntrack sees it: t is its original direction. */
struct conn {
	struct tuple	 t;
	uint64_t	 last;
	uint32_t	 next;		/* hash chain or free list: index + 1 */
	uint8_t		 decided;	/* a verdict marked it */
	uint8_t		 replied;	/* the other end answered */
};

struct conns {
	struct conn	*c;
	uint32_t	*bucket;	/* index + 1; 0: empty */
	uint32_t	 nbuckets;	/* a power of two */
	uint32_t	 max;
	uint32_t	 used;		/* entries ever handed out */
	uint32_t	 free;		/* free list: index + 1 */
	uint64_t	 expired;
};

/* Counters of the capture itself, beside the daemon's. */
enum replay_stat {
	RS_FILES,
	RS_PACKETS,
	RS_NOT_IP,
	RS_SHORT_LINK,
	RS_SNAPPED,
	RS_NOT_QUEUED,
	RS_CONN_FULL,
	RS_CONN_EXPIRED,
	RS_MAX
};

static const char *rs_names[RS_MAX] = {
	[RS_FILES] = "capture_files",
	[RS_PACKETS] = "capture_packets",
	[RS_NOT_IP] = "capture_not_ip",
	[RS_SHORT_LINK] = "capture_short_link",
	[RS_SNAPPED] = "capture_snapped",
	[RS_NOT_QUEUED] = "capture_not_queued",
	[RS_CONN_FULL] = "capture_bound_conns",
	[RS_CONN_EXPIRED] = "capture_conns_expired",
};

struct replay {
	struct inspect	 in;
	struct stats	 stats;
	struct learn	*learn;
	struct conns	 conns;
	uint64_t	 rs[RS_MAX];
	uint64_t	 expired_at;
	uint64_t	 conns_at;
	int		 started;	/* the clock has been set */
};

static int	 replay_file(struct replay *, const char *);
static void	 replay_packet(struct replay *, int,
		    const struct pcap_pkthdr *, const uint8_t *);
static void	 replay_clock(struct replay *, const struct timeval *);
static int	 replay_queued(struct replay *, const struct packet *,
		    struct conn **);
static void	 replay_summary(const struct replay *);
static uint32_t	 conn_hash(const struct tuple *);
static int	 conn_same(const struct tuple *, const struct tuple *, int *);
static struct conn *conn_find(struct conns *, const struct tuple *, int *);
static struct conn *conn_add(struct conns *, const struct tuple *, uint64_t);
static void	 conn_expire(struct conns *, uint64_t);
static uint16_t	 be16(const uint8_t *);

static uint16_t
be16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

/* Can replay_link() read this link type? */
int
replay_linktype_ok(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return (1);
	default:
		return (0);
	}
}

/*
 * Find the IP header behind a frame of link type dlt (caplen bytes
 * captured): Ethernet with up to REPLAY_VLANMAX 802.1Q/802.1ad tags,
 * Linux cooked v1 and v2, raw IP, BSD loopback.  Sets *off to where the
 * IP header starts.
 */
enum replay_link
replay_link(int dlt, const uint8_t *p, size_t caplen, size_t *off)
{
	uint32_t	 family;
	uint16_t	 type;
	size_t		 o;
	int		 tags;

	switch (dlt) {
	case DLT_EN10MB:
		o = 14;
		break;
	case DLT_LINUX_SLL:
		o = 16;
		break;
	case DLT_LINUX_SLL2:
		o = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < 4)
			return (REPLAY_LINK_SHORT);
		memcpy(&family, p, 4);
		if (dlt == DLT_LOOP)
			family = ntohl(family);
		else if (family > 0xffff)
			family = ntohl(family);	/* written on the other end */
		/* AF_INET everywhere; AF_INET6 of Linux, the BSDs, macOS */
		if (family != 2 && family != 10 && family != 24 &&
		    family != 28 && family != 30)
			return (REPLAY_LINK_OTHER);
		*off = 4;
		return (REPLAY_LINK_IP);
	default:	/* raw IP */
		*off = 0;
		return (REPLAY_LINK_IP);
	}
	if (caplen < o)
		return (REPLAY_LINK_SHORT);
	type = be16(p + (dlt == DLT_EN10MB ? 12 : dlt == DLT_LINUX_SLL ? 14 :
	    0));
	for (tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100;
	    tags++) {
		if (tags == REPLAY_VLANMAX)
			return (REPLAY_LINK_OTHER);
		if (caplen < o + 4)
			return (REPLAY_LINK_SHORT);
		type = be16(p + o + 2);
		o += 4;
	}
	if (type != 0x0800 && type != 0x86dd)
		return (REPLAY_LINK_OTHER);
	*off = o;
	return (REPLAY_LINK_IP);
}

/* ------------------------------------------------------------ conns */

static uint32_t
conn_hash(const struct tuple *t)
{
	uint32_t	 a = 2166136261u, b = 2166136261u;
	size_t		 i, n = t->src.family == AF_INET ? 4 : 16;

	for (i = 0; i < n; i++) {
		a = (a ^ t->src.u.b[i]) * 16777619u;
		b = (b ^ t->dst.u.b[i]) * 16777619u;
	}
	a = (a ^ t->sport) * 16777619u;
	b = (b ^ t->dport) * 16777619u;
	return ((a + b) ^ t->l4);	/* the same both ways */
}

/* Is t the connection c, either way?  *reply says it is the reverse. */
static int
conn_same(const struct tuple *c, const struct tuple *t, int *reply)
{
	size_t	 n = t->src.family == AF_INET ? 4 : 16;

	if (c->l4 != t->l4 || c->src.family != t->src.family)
		return (0);
	if (c->sport == t->sport && c->dport == t->dport &&
	    memcmp(c->src.u.b, t->src.u.b, n) == 0 &&
	    memcmp(c->dst.u.b, t->dst.u.b, n) == 0) {
		*reply = 0;
		return (1);
	}
	if (c->sport == t->dport && c->dport == t->sport &&
	    memcmp(c->src.u.b, t->dst.u.b, n) == 0 &&
	    memcmp(c->dst.u.b, t->src.u.b, n) == 0) {
		*reply = 1;
		return (1);
	}
	return (0);
}

static struct conn *
conn_find(struct conns *cs, const struct tuple *t, int *reply)
{
	uint32_t	 i;

	for (i = cs->bucket[conn_hash(t) & (cs->nbuckets - 1)]; i != 0;
	    i = cs->c[i - 1].next)
		if (conn_same(&cs->c[i - 1].t, t, reply))
			return (&cs->c[i - 1]);
	return (NULL);
}

/* A new connection in t's direction; NULL when the table is full. */
static struct conn *
conn_add(struct conns *cs, const struct tuple *t, uint64_t now)
{
	struct conn	*c;
	uint32_t	 i, h;

	if (cs->free != 0) {
		i = cs->free - 1;
		cs->free = cs->c[i].next;
	} else if (cs->used < cs->max)
		i = cs->used++;
	else
		return (NULL);
	c = &cs->c[i];
	memset(c, 0, sizeof(*c));
	c->t = *t;
	c->last = now;
	h = conn_hash(t) & (cs->nbuckets - 1);
	c->next = cs->bucket[h];
	cs->bucket[h] = i + 1;
	return (c);
}

/* Forget connections that went quiet, as conntrack would. */
static void
conn_expire(struct conns *cs, uint64_t now)
{
	uint32_t	*pp, i, self;
	struct conn	*c;
	uint64_t	 idle;

	for (i = 0; i < cs->nbuckets; i++) {
		pp = &cs->bucket[i];
		while (*pp != 0) {
			c = &cs->c[*pp - 1];
			idle = c->t.l4 == IPPROTO_TCP ? CONN_TCP_IDLE_MS :
			    CONN_UDP_IDLE_MS;
			if (now - c->last < idle) {
				pp = &c->next;
				continue;
			}
			cs->expired++;
			self = *pp;
			*pp = c->next;
			c->next = cs->free;
			cs->free = self;
		}
	}
}

/* ------------------------------------------------------------ replay */

/*
 * Would the firewall rules queue this packet?  DNS over UDP always;
 * otherwise a connection's packets in its original direction until a
 * verdict marked it, and for UDP only while conntrack calls it NEW:
 * until the other end answered.  *cp is the connection to mark, or
 * NULL.
 */
static int
replay_queued(struct replay *r, const struct packet *pk, struct conn **cp)
{
	struct conn	*c;
	int		 reply = 0;

	*cp = NULL;
	if (pk->t.l4 == IPPROTO_UDP && (pk->t.dport == 53 ||
	    pk->t.sport == 53))
		return (1);
	c = conn_find(&r->conns, &pk->t, &reply);
	/* a new SYN on an old pair of ports starts a new connection */
	if (c != NULL && pk->t.l4 == IPPROTO_TCP &&
	    (pk->tcpflags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		c->t = pk->t;
		c->decided = c->replied = 0;
		reply = 0;
	}
	if (c == NULL && (c = conn_add(&r->conns, &pk->t, r->in.now_ms)) ==
	    NULL) {
		r->rs[RS_CONN_FULL]++;
		return (1);	/* judged as if new: the safe side */
	}
	c->last = r->in.now_ms;
	if (reply)
		c->replied = 1;
	if (reply || c->decided || (c->t.l4 == IPPROTO_UDP && c->replied))
		return (0);
	*cp = c;
	return (1);
}

/* The capture's time is the clock; flows expire by it, never backwards. */
static void
replay_clock(struct replay *r, const struct timeval *tv)
{
	uint64_t	 ms;

	ms = (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
	r->in.wall_ms = ms;
	if (!r->started) {
		r->started = 1;
		r->in.now_ms = r->expired_at = r->conns_at = ms;
	}
	if (ms > r->in.now_ms)
		r->in.now_ms = ms;
	if (r->in.now_ms - r->expired_at >= EXPIRE_EVERY_MS) {
		r->expired_at = r->in.now_ms;
		inspect_expire(&r->in);
		learn_expire(r->learn, r->in.now_ms);
	}
	if (r->in.now_ms - r->conns_at >= CONN_EXPIRE_EVERY_MS) {
		r->conns_at = r->in.now_ms;
		conn_expire(&r->conns, r->in.now_ms);
	}
}

/* One captured frame, number n of its file. */
static void
replay_packet(struct replay *r, int dlt, const struct pcap_pkthdr *h,
    const uint8_t *p)
{
	struct packet	 pk;
	struct conn	*c;
	enum verdict	 v;
	size_t		 off;

	r->rs[RS_PACKETS]++;
	replay_clock(r, &h->ts);
	if (h->caplen < h->len)
		r->rs[RS_SNAPPED]++;
	switch (replay_link(dlt, p, h->caplen, &off)) {
	case REPLAY_LINK_SHORT:
		r->rs[RS_SHORT_LINK]++;
		return;
	case REPLAY_LINK_OTHER:
		r->rs[RS_NOT_IP]++;
		return;
	case REPLAY_LINK_IP:
		break;
	}
	c = NULL;
	if (packet_parse(&pk, p + off, h->caplen - off) == PACKET_OK &&
	    !replay_queued(r, &pk, &c)) {
		r->rs[RS_NOT_QUEUED]++;
		return;
	}
	/* what the queue thread does with a packet */
	stats_inc(&r->stats, STAT_PACKETS);
	v = inspect_packet(&r->in, p + off, h->caplen - off);
	stats_inc(&r->stats, (enum stats_id)(STAT_VERDICT_PASS + v));
	if (c != NULL && (v == VERDICT_ALLOW || v == VERDICT_BLOCK))
		c->decided = 1;
}

/*
 * One capture file ("-": standard input).  Returns 0, or -1 after
 * saying "file: packet N: why" (what came before was judged).
 */
static int
replay_file(struct replay *r, const char *path)
{
	char			 err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*h;
	const u_char		*p;
	pcap_t			*pc;
	uint64_t		 n = 0;
	int			 dlt, rc;

	if ((pc = pcap_open_offline(path, err)) == NULL) {
		log_warnx("%s: %s", path, err);
		return (-1);
	}
	dlt = pcap_datalink(pc);
	if (!replay_linktype_ok(dlt)) {
		log_warnx("%s: link type %s not supported (Ethernet, Linux "
		    "cooked, raw IP or loopback captures)", path,
		    pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(
		    dlt) : "unknown");
		pcap_close(pc);
		return (-1);
	}
	r->rs[RS_FILES]++;
	r->in.capture = strcmp(path, "-") == 0 ? "(stdin)" : path;
	while ((rc = pcap_next_ex(pc, &h, &p)) == 1) {
		r->in.capture_packet = ++n;
		replay_packet(r, dlt, h, p);
	}
	if (rc == PCAP_ERROR)
		log_warnx("%s: packet %" PRIu64 ": %s", r->in.capture, n + 1,
		    pcap_geterr(pc));
	pcap_close(pc);
	return (rc == PCAP_ERROR ? -1 : 0);
}

/*
 * The counters, as embargoctl stats prints them, then the capture's
 * own, on standard error.
 */
static void
replay_summary(const struct replay *r)
{
	int	 k;

	for (k = 0; k < STAT_MAX; k++)
		fprintf(stderr, "%-22s %" PRIu64 "\n",
		    stats_name((enum stats_id)k),
		    stats_get(&r->stats, (enum stats_id)k));
	for (k = 0; k < RS_MAX; k++)
		fprintf(stderr, "%-22s %" PRIu64 "\n", rs_names[k], r->rs[k]);
}

/*
 * embargod -r: judge every packet of the files in turn, as one stream
 * (flows and learned addresses carry over from one file to the next),
 * writing events to the configured event file or standard output.
 * Returns the exit status: 1 when a file could not be read to its end.
 */
int
replay_run(const struct conf *conf, struct policy *p, char **files, int n)
{
	struct replay	*r;
	struct record_log	*events;
	int		 i, rc = 0;

	if (conf->events != NULL)
		events = record_log_open(conf->events);
	else
		events = eventlog_open_fd(STDOUT_FILENO);
	if (events == NULL)
		return (1);
	r = xcalloc(1, sizeof(*r));
	inspect_init(&r->in, conf, &r->stats, events, 0);
	r->in.policy = p;
	r->learn = learn_new(conf->limit[LIMIT_LEARNED],
	    conf->limit[LIMIT_LEARN_HOLD]);
	r->in.learn = r->learn;
	r->conns.max = conf->limit[LIMIT_FLOWS] * 4;
	if (r->conns.max < CONN_MIN)
		r->conns.max = CONN_MIN;
	for (r->conns.nbuckets = 1; r->conns.nbuckets < r->conns.max;
	    r->conns.nbuckets <<= 1)
		;
	r->conns.c = xcalloc(r->conns.max, sizeof(*r->conns.c));
	r->conns.bucket = xcalloc(r->conns.nbuckets, sizeof(uint32_t));
	for (i = 0; i < n && rc == 0; i++)
		if (replay_file(r, files[i]) == -1)
			rc = 1;
	inspect_flush(&r->in);
	r->rs[RS_CONN_EXPIRED] = r->conns.expired;
	replay_summary(r);
	inspect_free(&r->in);
	learn_free(r->learn);
	free(r->conns.c);
	free(r->conns.bucket);
	free(r);
	record_log_close(events);
	return (rc);
}
