/*
 * metrics.h: Prometheus metrics over HTTP.
 */
#ifndef EMBARGO_METRICS_H
#define EMBARGO_METRICS_H

struct daemon;
struct event_base;
struct metrics;

struct metrics	*metrics_open(struct daemon *, const char *, unsigned);
int		 metrics_listen(struct metrics *, struct event_base *);
void		 metrics_close(struct metrics *);

#endif
