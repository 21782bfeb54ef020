/*
 * queue.h: one NFQUEUE netlink socket: packets in, verdicts out.
 */
#ifndef EMBARGO_QUEUE_H
#define EMBARGO_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "embargo.h"
#include "stats.h"

/*
 * Fingerprints of the packets last given NF_REPEAT, to know them when
 * they come back: more than a batch (limit batch is at most 1024).
 */
#define QUEUE_SENT_MAX	2048

struct mnl_socket;
struct nlmsghdr;

struct queue_pkt {
	uint32_t	 id;
	uint32_t	 mark;		/* the packet's mark when queued */
	const uint8_t	*data;		/* from the IP header */
	size_t		 len;
	int		 gso;		/* a GSO packet, checksum not ready */
};

struct queue {
	struct mnl_socket	*nl;
	unsigned		 portid;
	uint16_t		 num;
	uint8_t			*rx;
	size_t			 rxsize;
	uint8_t			*tx;
	size_t			 txsize;
	size_t			 txlen;
	uint32_t		 mask;
	uint32_t		 seen;
	uint32_t		 allow;
	uint32_t		 block;
	int			 accept;	/* verdict accept: no NF_REPEAT */
	uint32_t		 last_id;
	uint64_t		 rx_ns;		/* when the last recv() returned */
	struct stats		*stats;
	uint64_t		 sent[QUEUE_SENT_MAX];	/* see queue_returned() */
	unsigned		 nsent;
};

/* The kernel's view of a queue (/proc/net/netfilter/nfnetlink_queue). */
struct queue_kstats {
	uint32_t	 portid;	/* who is bound */
	uint32_t	 waiting;	/* packets waiting for a verdict */
	uint32_t	 dropped;	/* queue full */
	uint32_t	 user_dropped;	/* socket buffer full */
	uint32_t	 id_sequence;	/* packets queued so far */
};

typedef void	(*queue_cb)(const struct queue_pkt *, void *);

int	 queue_open(struct queue *, unsigned, const struct conf *,
	    struct stats *);
void	 queue_close(struct queue *);
int	 queue_fd(const struct queue *);
uint64_t queue_now_ns(void);
int	 queue_read(struct queue *, queue_cb, void *);
int	 queue_dispatch(struct queue *, const uint8_t *, size_t, queue_cb,
	    void *);
void	 queue_verdict(struct queue *, const struct queue_pkt *,
	    enum verdict);
int	 queue_flush(struct queue *);
int	 queue_parse(const struct nlmsghdr *, struct queue_pkt *);
int	 queue_returned(struct queue *, const struct queue_pkt *,
	    enum verdict *);
void	 queue_verdict_of(const struct queue *, enum verdict, uint32_t,
	    int *, uint32_t *);
int	 queue_kernel_open(void);
int	 queue_kernel_stats(int, unsigned, struct queue_kstats *);

#endif
