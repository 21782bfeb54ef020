/*
 * ct.c: ask the kernel's connection tracking (ctnetlink) whether it
 * still holds a flow's connection: IPCTNL_MSG_CT_GET by tuple, which
 * the kernel answers with the entry or with ENOENT.
 *
 * One netlink socket per queue thread, opened at start-up while the
 * daemon may still open sockets of any kind; the queries need
 * CAP_NET_ADMIN, which the daemon keeps for its queues (priv.c), and
 * only sendto(2) and recvmsg(2) once it runs (sandbox.c).  The kernel
 * answers a request within the sendto(2) that carries it, so the answer
 * is read without waiting: a query never blocks its thread, and no
 * answer at once is "cannot tell".
 *
 * A flow is asked about as the queue saw it: from the client, after a
 * destination NAT in PREROUTING but before a source NAT in POSTROUTING.
 * That is the entry's original tuple unless the destination was
 * rewritten; then the entry is found by its reply tuple, which is the
 * same flow seen from the server.  Only conntrack zone 0 is asked.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "ct.h"
#include "log.h"
#include "xmalloc.h"

/* An answer is one message; stale ones of a lost query are skipped. */
#define CT_READS	4
#define CT_BUFSIZE	4096	/* an entry takes a few hundred bytes */

struct ct {
	struct mnl_socket	*nl;
	uint32_t		 seq;
	union {
		struct nlmsghdr	 h;
		uint8_t		 b[CT_BUFSIZE];
	}			 buf;
};

static int	ct_ask(struct ct *, const struct tuple *, int);
static int	ct_fail(int);
static int	ct_message(const struct nlmsghdr *, int *);
static int	ct_entry(const struct nlmsghdr *);

/* A socket for the queries; NULL after logging (flows then time out). */
struct ct *
ct_open(void)
{
	struct ct	*ct;

	ct = xcalloc(1, sizeof(*ct));
	if ((ct->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == NULL) {
		log_warn("conntrack: netlink socket (undecided flows are "
		    "forgotten after flow-timeout)");
		free(ct);
		return (NULL);
	}
	if (mnl_socket_bind(ct->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("conntrack: netlink bind (undecided flows are "
		    "forgotten after flow-timeout)");
		mnl_socket_close(ct->nl);
		free(ct);
		return (NULL);
	}
	return (ct);
}

void
ct_close(struct ct *ct)
{
	if (ct == NULL)
		return;
	mnl_socket_close(ct->nl);
	free(ct);
}

/*
 * Whether conntrack holds t's connection: CT_HELD, CT_GONE, or
 * CT_UNKNOWN when it cannot tell.  Asked by the original tuple first,
 * then by the reply tuple (a rewritten destination).
 */
int
ct_held(struct ct *ct, const struct tuple *t)
{
	int	 r;

	if ((r = ct_ask(ct, t, CT_DIR_ORIG)) != CT_GONE)
		return (r);
	return (ct_ask(ct, t, CT_DIR_REPLY));
}

/* One query: the request, then its answer, read without waiting. */
static int
ct_ask(struct ct *ct, const struct tuple *t, int dir)
{
	ssize_t	 r;
	size_t	 n;
	int	 i, a, err = 0;

	n = ct_request(ct->buf.b, sizeof(ct->buf), t, dir, ++ct->seq);
	if (n == 0)
		return (CT_UNKNOWN);
	if (mnl_socket_sendto(ct->nl, ct->buf.b, n) == -1)
		return (ct_fail(errno));
	for (i = 0; i < CT_READS; i++) {
		if ((r = mnl_socket_recvfrom(ct->nl, ct->buf.b,
		    sizeof(ct->buf))) == -1)
			return (ct_fail(errno));
		a = ct_parse(ct->buf.b, (size_t)r, ct->seq, &err);
		if (a == CT_UNKNOWN)
			return (ct_fail(err));
		if (a != CT_NONE)
			return (a);
	}
	return (ct_fail(EAGAIN));
}

/* Say once why conntrack cannot tell (for every queue: it is the host's). */
static int
ct_fail(int err)
{
	static struct log_once	 once = LOG_ONCE_INIT;

	log_warnx_once(&once, "conntrack cannot tell whether it holds a "
	    "connection (%s; it takes ctnetlink, nf_conntrack_netlink, and "
	    "CAP_NET_ADMIN): undecided flows that go quiet are forgotten "
	    "after flow-timeout", strerror(err));
	return (CT_UNKNOWN);
}

/*
 * Write into buf (size bytes, aligned for a struct nlmsghdr) the query
 * for t, by its original (CT_DIR_ORIG) or its reply tuple
 * (CT_DIR_REPLY), with sequence number seq.  Returns its length, 0 for
 * a tuple conntrack does not know (not IPv4 or IPv6, TCP or UDP) or a
 * buffer smaller than CT_REQUEST_MAX.
 */
size_t
ct_request(void *buf, size_t size, const struct tuple *t, int dir,
    uint32_t seq)
{
	const struct addr	*src = dir == CT_DIR_ORIG ? &t->src : &t->dst;
	const struct addr	*dst = dir == CT_DIR_ORIG ? &t->dst : &t->src;
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	struct nlattr		*tuple, *ip, *proto;
	int			 v4 = t->src.family == AF_INET;

	if (size < CT_REQUEST_MAX || (!v4 && t->src.family != AF_INET6) ||
	    (t->l4 != IPPROTO_TCP && t->l4 != IPPROTO_UDP))
		return (0);
	memset(buf, 0, CT_REQUEST_MAX);		/* padding included */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = t->src.family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	tuple = mnl_attr_nest_start(nlh, dir == CT_DIR_ORIG ? CTA_TUPLE_ORIG :
	    CTA_TUPLE_REPLY);
	ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, v4 ? 4 : 16,
	    src->u.b);
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, v4 ? 4 : 16,
	    dst->u.b);
	mnl_attr_nest_end(nlh, ip);
	proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->l4);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT,
	    htons(dir == CT_DIR_ORIG ? t->sport : t->dport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT,
	    htons(dir == CT_DIR_ORIG ? t->dport : t->sport));
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, tuple);
	return (nlh->nlmsg_len);
}

/*
 * Read what the kernel answered to query seq in buf (len bytes, as one
 * recv(2) gave them, aligned for a struct nlmsghdr): CT_HELD for an
 * entry, CT_GONE for ENOENT, CT_UNKNOWN for another error (its errno
 * in *err) or a malformed answer, CT_NONE when buf says nothing of seq
 * (answers to earlier queries).  Every length is checked against what
 * holds it before it is used; nothing past len is read.
 */
int
ct_parse(const void *buf, size_t len, uint32_t seq, int *err)
{
	const struct nlmsghdr	*nlh;
	size_t			 off = 0, step;
	int			 r;

	*err = 0;
	while (len - off >= sizeof(*nlh)) {
		nlh = (const struct nlmsghdr *)(const void *)
		    ((const uint8_t *)buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			break;
		if (nlh->nlmsg_seq == seq &&
		    (r = ct_message(nlh, err)) != CT_NONE)
			return (r);
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len - off)
			break;
		off += step;
	}
	return (CT_NONE);
}

/* One message of an answer: as ct_parse() says. */
static int
ct_message(const struct nlmsghdr *nlh, int *err)
{
	const struct nlmsgerr	*e;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e)) {
			*err = EBADMSG;
			return (CT_UNKNOWN);
		}
		e = (const struct nlmsgerr *)(const void *)
		    ((const uint8_t *)nlh + NLMSG_HDRLEN);
		if (e->error == 0)
			return (CT_NONE);	/* an acknowledgement */
		if (e->error == -ENOENT)
			return (CT_GONE);
		*err = e->error < 0 && e->error > -4096 ? -e->error : EPROTO;
		return (CT_UNKNOWN);
	}
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_CTNETLINK << 8) |
	    IPCTNL_MSG_CT_NEW))
		return (CT_NONE);
	if (!ct_entry(nlh)) {
		*err = EBADMSG;
		return (CT_UNKNOWN);
	}
	return (CT_HELD);
}

/*
 * Whether nlh is a well-formed entry: room for its family header, every
 * attribute inside the message, the original tuple among them.
 */
static int
ct_entry(const struct nlmsghdr *nlh)
{
	const size_t		 head = NLMSG_HDRLEN +
				    NLMSG_ALIGN(sizeof(struct nfgenmsg));
	const uint8_t		*p = (const uint8_t *)nlh + head;
	const struct nlattr	*a;
	size_t			 left, step;
	int			 orig = 0;

	if (nlh->nlmsg_len < head)
		return (0);
	left = nlh->nlmsg_len - head;
	while (left >= sizeof(*a)) {
		a = (const struct nlattr *)(const void *)p;
		if (a->nla_len < sizeof(*a) || a->nla_len > left)
			return (0);
		if ((a->nla_type & NLA_TYPE_MASK) == CTA_TUPLE_ORIG)
			orig = 1;
		step = NLA_ALIGN(a->nla_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return (orig);
}
