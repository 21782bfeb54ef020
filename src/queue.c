/*
 * queue.c: the netlink side of NFQUEUE, with libnetfilter_queue's
 * libmnl API.
 *
 * Verdicts.  Every accepted packet goes back with NF_REPEAT and a mark
 * in the configured bits (the other bits of its mark are kept): "seen"
 * lets it through and keeps the flow queued, "allow" and "block" decide
 * the flow.  The repeated packet runs through the same chain again,
 * where the firewall rules save the mark into the conntrack entry and
 * then return or drop (see embargo-firewall(8)).  This needs only
 * xt_mark and xt_connmark, which every kernel with NFQUEUE has, where
 * setting the conntrack mark from the verdict itself needs
 * CONFIG_NETFILTER_NETLINK_GLUE_CT, which many router kernels lack.
 * A dropped DNS query simply gets NF_DROP.  With `verdict accept` the
 * packet leaves with NF_ACCEPT and the mark instead, for rules of the
 * user's own that save it further on.
 *
 * Loops.  Rules that queue every packet, marked or not, would send a
 * repeated packet back here for ever.  So a packet that arrives with
 * one of our marks never gets NF_REPEAT again.  The allow and block
 * marks are final verdicts already (a decided flow, or the resolver's
 * own sockets): such a packet is accepted or dropped unjudged.  The
 * seen mark only says "judged, flow still open": a packet carrying it
 * that we just repeated (its fingerprint is among the last ones sent
 * back) is accepted unjudged; any other (rules that restore marks from
 * conntrack) is judged like any packet, and its verdict is final.
 * Returns and marked arrivals are counted, and the first return is
 * logged once with its likely cause.
 *
 * Batching.  The kernel sends one packet per message; the worker reads
 * until the socket is empty or a bound is hit, and all the verdicts of
 * that batch leave in one sendmsg(), in packet-id order.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "log.h"
#include "queue.h"
#include "xmalloc.h"

#define QUEUE_COPY_RANGE	0xffff
#define VERDICT_MSG_MAX		64	/* bytes one verdict message takes */
#define RCVBUF_PER_PACKET	2048
#define QUEUE_NLBUF		8192	/* config messages and answers */

static int	cfg_send(struct queue *, struct nlmsghdr *, const char *);
static int	set_rcvbuf(struct queue *, uint32_t);
static int	nlmsg_fits(const struct nlmsghdr *, int);
static uint64_t	fingerprint(const struct queue_pkt *);
static int	mark_verdict(const struct queue *, uint32_t, enum verdict *);

/* Send one configuration message and wait for the kernel's answer. */
static int
cfg_send(struct queue *q, struct nlmsghdr *nlh, const char *what)
{
	uint8_t		 buf[QUEUE_NLBUF];
	unsigned	 seq = (unsigned)nlh->nlmsg_type + q->num;
	ssize_t		 n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0) {
		log_warn("queue %u: %s", q->num, what);
		return (-1);
	}
	if ((n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf))) < 0 ||
	    mnl_cb_run(buf, (size_t)n, seq, q->portid, NULL, NULL) < 0) {
		log_warn("queue %u: %s", q->num, what);
		return (-1);
	}
	return (0);
}

/*
 * Room for the whole kernel queue in the socket buffer, so a burst is
 * queued rather than lost; SO_RCVBUFFORCE goes past rmem_max as root.
 */
static int
set_rcvbuf(struct queue *q, uint32_t qlen)
{
	int	 fd = mnl_socket_get_fd(q->nl), size, on = 1;

	size = (int)((uint64_t)qlen * RCVBUF_PER_PACKET > 0x40000000 ?
	    0x40000000 : qlen * RCVBUF_PER_PACKET);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		log_warn("queue %u: SO_RCVBUF", q->num);
	/* a full socket loses packets either way; do not also fail reads */
	if (mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &on,
	    sizeof(on)) == -1) {
		log_warn("queue %u: NETLINK_NO_ENOBUFS", q->num);
		return (-1);
	}
	return (0);
}

/*
 * Bind queue num: copy whole packets, take GSO packets as they are,
 * the configured queue length and fail-open flag.  Start-up only.
 */
int
queue_open(struct queue *q, unsigned num, const struct conf *conf,
    struct stats *stats)
{
	uint8_t		 buf[QUEUE_NLBUF];
	struct nlmsghdr	*nlh;
	uint32_t	 flags;

	memset(q, 0, sizeof(*q));
	q->num = (uint16_t)num;
	q->stats = stats;
	q->mask = conf->mark_mask;
	q->seen = conf->mark_seen;
	q->allow = conf->mark_allow;
	q->block = conf->mark_block;
	q->accept = conf->verdict_accept;
	if ((q->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL) {
		log_warn("queue %u: netlink socket", num);
		return (-1);
	}
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("queue %u: netlink bind", num);
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	nlh = nfq_nlmsg_put((char *)buf, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	if (cfg_send(q, nlh, "bind (is another program on this queue?)"))
		goto fail;
	nlh = nfq_nlmsg_put((char *)buf, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, QUEUE_COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, conf->limit[LIMIT_QUEUE_LENGTH]);
	flags = NFQA_CFG_F_GSO | (conf->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK,
	    htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	if (cfg_send(q, nlh, "configure"))
		goto fail;
	if (set_rcvbuf(q, conf->limit[LIMIT_QUEUE_LENGTH]) == -1)
		goto fail;
	q->rxsize = QUEUE_COPY_RANGE + QUEUE_NLBUF;
	q->rx = xmalloc(q->rxsize);
	q->txsize = ((size_t)conf->limit[LIMIT_BATCH] + 1) * VERDICT_MSG_MAX;
	q->tx = xmalloc(q->txsize);
	return (0);
fail:
	mnl_socket_close(q->nl);
	q->nl = NULL;
	return (-1);
}

void
queue_close(struct queue *q)
{
	if (q->nl != NULL)
		mnl_socket_close(q->nl);
	free(q->rx);
	free(q->tx);
	memset(q, 0, sizeof(*q));
}

int
queue_fd(const struct queue *q)
{
	return (mnl_socket_get_fd(q->nl));
}

/*
 * One NFQNL_MSG_PACKET message into p.  Returns 0, or -1 for a message
 * that lacks its packet header (nothing to give a verdict to).
 */
int
queue_parse(const struct nlmsghdr *nlh, struct queue_pkt *p)
{
	struct nlattr			*attr[NFQA_MAX + 1];
	struct nfqnl_msg_packet_hdr	*ph;
	uint32_t			 info;

	memset(attr, 0, sizeof(attr));
	memset(p, 0, sizeof(*p));
	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return (-1);
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	p->id = ntohl(ph->packet_id);
	if (attr[NFQA_MARK] != NULL)
		p->mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	if (attr[NFQA_PAYLOAD] != NULL) {
		p->data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		p->len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	if (attr[NFQA_SKB_INFO] != NULL) {
		info = ntohl(mnl_attr_get_u32(attr[NFQA_SKB_INFO]));
		p->gso = (info & NFQA_SKB_GSO) != 0;
	}
	return (0);
}

/*
 * Does a whole message fit in the len bytes left?  mnl_nlmsg_ok() casts
 * nlmsg_len to int, so a length past 2^31 would pass it.
 */
static int
nlmsg_fits(const struct nlmsghdr *nlh, int len)
{
	return (len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	    nlh->nlmsg_len <= (unsigned)len);
}

/*
 * Hand each packet message in buf[0..len) (one datagram) to cb; count
 * errors and lost packets.  Returns the number of packets.
 */
int
queue_dispatch(struct queue *q, const uint8_t *buf, size_t len, queue_cb cb,
    void *arg)
{
	const struct nlmsghdr	*nlh = (const struct nlmsghdr *)buf;
	const struct nlmsgerr	*err;
	struct queue_pkt	 p;
	int			 left = len > INT_MAX ? INT_MAX : (int)len;
	int			 count = 0;

	for (; nlmsg_fits(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			err = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*err)) &&
			    err->error != 0)
				stats_inc(q->stats, STAT_NETLINK_ERRORS);
			continue;
		}
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_QUEUE ||
		    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFQNL_MSG_PACKET)
			continue;
		if (queue_parse(nlh, &p) == -1) {
			stats_inc(q->stats, STAT_ERR_QUEUE_MSG);
			continue;
		}
		/* ids count up; a gap is packets the kernel could not send */
		if (q->last_id != 0 && p.id > q->last_id + 1)
			stats_add(q->stats, STAT_RECV_LOST,
			    p.id - q->last_id - 1);
		q->last_id = p.id;
		if (p.gso)
			stats_inc(q->stats, STAT_GSO);
		cb(&p, arg);
		count++;
	}
	return (count);
}

/* CLOCK_MONOTONIC in nanoseconds: receipt and verdict times. */
uint64_t
queue_now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

/*
 * Read one datagram and hand each packet in it to cb.  Returns the
 * number of packets, 0 when the socket is empty, -1 on an error (which
 * is counted; the caller goes on).
 */
int
queue_read(struct queue *q, queue_cb cb, void *arg)
{
	ssize_t	 n;

	do
		n = recv(mnl_socket_get_fd(q->nl), q->rx, q->rxsize,
		    MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (0);
		stats_inc(q->stats, errno == ENOBUFS ? STAT_RECV_ENOBUFS :
		    STAT_RECV_ERRORS);
		return (-1);
	}
	q->rx_ns = queue_now_ns();
	return (queue_dispatch(q, q->rx, (size_t)n, cb, arg));
}

/* A fingerprint of a packet: its length and first bytes (FNV-1a). */
static uint64_t
fingerprint(const struct queue_pkt *p)
{
	uint64_t	 h = 0xcbf29ce484222325ULL ^ p->len;
	size_t		 i, n = p->len < 160 ? p->len : 160;

	for (i = 0; i < n; i++)
		h = (h ^ p->data[i]) * 0x100000001b3ULL;
	return (h | 1);		/* 0 marks an empty slot */
}

/* Is this mark one of ours?  Which verdict does it carry? */
static int
mark_verdict(const struct queue *q, uint32_t mark, enum verdict *v)
{
	uint32_t	 bits = mark & q->mask;

	if (bits == q->block)
		*v = VERDICT_BLOCK;
	else if (bits == q->allow)
		*v = VERDICT_ALLOW;
	else if (bits == q->seen)
		*v = VERDICT_PASS;
	else
		return (0);
	return (1);
}

/*
 * Is p's verdict given by the mark it arrived with?  1 and, in *v, the
 * verdict the mark carries (queue_verdict() makes it final); 0 for a
 * packet to judge.  See "Loops" above.
 */
int
queue_returned(struct queue *q, const struct queue_pkt *p, enum verdict *v)
{
	static struct log_once	 once = LOG_ONCE_INIT;
	uint64_t		 fp;
	unsigned		 i, n;

	if (!mark_verdict(q, p->mark, v))
		return (0);
	if (*v != VERDICT_PASS) {
		stats_inc(q->stats, STAT_MARKED);
		return (1);
	}
	fp = fingerprint(p);
	n = q->nsent < QUEUE_SENT_MAX ? q->nsent : QUEUE_SENT_MAX;
	for (i = 1; i <= n; i++)
		if (q->sent[(q->nsent - i) % QUEUE_SENT_MAX] == fp)
			break;
	if (i > n) {
		stats_inc(q->stats, STAT_MARKED);
		return (0);
	}
	stats_inc(q->stats, STAT_REQUEUED);
	log_warnx_once(&once, "queue %u: packets come back to the queue after "
	    "their verdict: the firewall rules queue packets that embargod "
	    "has already marked; each now gets a final verdict (see "
	    "embargo-firewall(8), WRITING YOUR OWN RULES)", q->num);
	return (1);
}

/*
 * The netfilter verdict and mark for v, keeping mark bits not ours.
 * A packet that already carries our mark is never repeated again.
 */
void
queue_verdict_of(const struct queue *q, enum verdict v, uint32_t old,
    int *nfv, uint32_t *mark)
{
	uint32_t	 bits = 0;
	enum verdict	 had;
	int		 final = q->accept || mark_verdict(q, old, &had);

	switch (v) {
	case VERDICT_DROP:
		*nfv = NF_DROP;
		*mark = old;
		return;
	case VERDICT_PASS:
		bits = q->seen;
		break;
	case VERDICT_ALLOW:
		bits = q->allow;
		break;
	case VERDICT_BLOCK:
		if (final) {
			*nfv = NF_DROP;
			*mark = old;
			return;
		}
		bits = q->block;
		break;
	}
	*nfv = final ? NF_ACCEPT : NF_REPEAT;
	*mark = (old & ~q->mask) | bits;
}

/* Add a verdict to the batch; flush first if the batch is full. */
void
queue_verdict(struct queue *q, const struct queue_pkt *p, enum verdict v)
{
	struct nlmsghdr	*nlh;
	uint32_t	 mark;
	int		 nfv;

	if (q->txlen + VERDICT_MSG_MAX > q->txsize)
		queue_flush(q);
	queue_verdict_of(q, v, p->mark, &nfv, &mark);
	nlh = nfq_nlmsg_put((char *)q->tx + q->txlen, NFQNL_MSG_VERDICT,
	    q->num);
	nfq_nlmsg_verdict_put(nlh, (int)p->id, nfv);
	if (nfv != NF_DROP)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	if (nfv == NF_REPEAT && p->data != NULL)
		q->sent[q->nsent++ % QUEUE_SENT_MAX] = fingerprint(p);
	q->txlen += nlh->nlmsg_len;
}

/*
 * Send the batch's verdicts in one datagram.  On failure the packets
 * stay queued in the kernel; the batch is sent once more, then counted
 * as lost (the kernel's fail-open and bypass settings take over).
 */
int
queue_flush(struct queue *q)
{
	static struct log_once	 once = LOG_ONCE_INIT;

	if (q->txlen == 0)
		return (0);
	if (mnl_socket_sendto(q->nl, q->tx, q->txlen) < 0 &&
	    mnl_socket_sendto(q->nl, q->tx, q->txlen) < 0) {
		stats_inc(q->stats, STAT_SEND_ERRORS);
		log_warnx_once(&once, "queue %u: sending verdicts failed: %s",
		    q->num, strerror(errno));
		q->txlen = 0;
		return (-1);
	}
	q->txlen = 0;
	return (0);
}

/*
 * Open the kernel's queue table while still privileged (it is mode
 * 0440 root); queue_kernel_stats() re-reads it from the start each time.
 */
int
queue_kernel_open(void)
{
	return (open("/proc/net/netfilter/nfnetlink_queue",
	    O_RDONLY | O_CLOEXEC));
}

/*
 * The kernel's counters for queue num from the table open on fd: 0, or
 * -1 when the queue is not bound (or the table cannot be read).
 */
int
queue_kernel_stats(int fd, unsigned num, struct queue_kstats *k)
{
	unsigned	 q, total, mode, range, dropped, udropped, seq, portid;
	char		 buf[8192], *line, *save = NULL;
	ssize_t		 n;

	memset(k, 0, sizeof(*k));
	if (fd == -1 || lseek(fd, 0, SEEK_SET) == -1 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return (-1);
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%u %u %u %u %u %u %u %u", &q, &portid,
		    &total, &mode, &range, &dropped, &udropped, &seq) != 8 ||
		    q != num)
			continue;
		k->portid = portid;
		k->waiting = total;
		k->dropped = dropped;
		k->user_dropped = udropped;
		k->id_sequence = seq;
		return (0);
	}
	return (-1);
}
