/*
 * nfq_accept: the ceiling for the packet-path benchmark.  It binds one
 * queue and accepts every packet the way embargod does (drain the
 * socket, then send the batch's verdicts in one datagram; NF_REPEAT
 * with the "seen" mark so the firewall rules let the packet through),
 * but judges nothing.  Whatever embargod does beyond this is the cost
 * of inspection.
 *
 * usage: nfq_accept [-q queue] [-s seen-mark] [-m mask]
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define BATCH	128

static volatile sig_atomic_t	stop;
static unsigned long		packets, batches;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
config(struct mnl_socket *nl, unsigned num, int cmd)
{
	char		 buf[8192];
	struct nlmsghdr	*nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, num);

	if (cmd)
		nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	else {
		nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
		nfq_nlmsg_cfg_put_qmaxlen(nlh, 4096);
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS,
		    htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK,
		    htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("nfq_accept: config");
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	static char		 rx[0xffff + 8192];
	static char		 tx[BATCH * 64];
	struct nlattr		*attr[NFQA_MAX + 1];
	struct nfqnl_msg_packet_hdr *ph;
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh, *v;
	struct pollfd		 pfd;
	uint32_t		 mask = 0x30000000, seen = 0x10000000, mark;
	unsigned		 num = 0;
	size_t			 txlen;
	ssize_t			 n;
	int			 ch, len, count, on = 1, rcv = 8 << 20;

	while ((ch = getopt(argc, argv, "m:q:s:")) != -1) {
		switch (ch) {
		case 'm':
			mask = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'q':
			num = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 's':
			seen = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: nfq_accept [-q queue] "
			    "[-s seen-mark] [-m mask]\n");
			return (1);
		}
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nfq_accept: netlink");
		return (1);
	}
	config(nl, num, 1);
	config(nl, num, 0);
	mnl_socket_setsockopt(nl, NETLINK_NO_ENOBUFS, &on, sizeof(on));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
	    sizeof(rcv));
	pfd.fd = mnl_socket_get_fd(nl);
	pfd.events = POLLIN;
	while (!stop) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		txlen = 0;
		for (count = 0; count < BATCH; count++) {
			n = recv(pfd.fd, rx, sizeof(rx), MSG_DONTWAIT);
			if (n <= 0)
				break;
			len = (int)n;
			for (nlh = (struct nlmsghdr *)rx; mnl_nlmsg_ok(nlh, len);
			    nlh = mnl_nlmsg_next(nlh, &len)) {
				memset(attr, 0, sizeof(attr));
				if (nlh->nlmsg_type == NLMSG_ERROR ||
				    nfq_nlmsg_parse(nlh, attr) < 0 ||
				    attr[NFQA_PACKET_HDR] == NULL)
					continue;
				ph = mnl_attr_get_payload(
				    attr[NFQA_PACKET_HDR]);
				mark = attr[NFQA_MARK] ? ntohl(mnl_attr_get_u32(
				    attr[NFQA_MARK])) : 0;
				v = nfq_nlmsg_put(tx + txlen,
				    NFQNL_MSG_VERDICT, num);
				nfq_nlmsg_verdict_put(v,
				    (int)ntohl(ph->packet_id), NF_REPEAT);
				nfq_nlmsg_verdict_put_mark(v,
				    (mark & ~mask) | seen);
				txlen += v->nlmsg_len;
				packets++;
			}
		}
		if (txlen > 0) {
			mnl_socket_sendto(nl, tx, txlen);
			batches++;
		}
	}
	fprintf(stderr, "nfq_accept: %lu packets in %lu batches\n", packets,
	    batches);
	mnl_socket_close(nl);
	return (0);
}
