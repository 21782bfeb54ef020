/*
 * metrics.h: Prometheus metrics over HTTP.
 */
#ifndef EMBARGO_METRICS_H
#define EMBARGO_METRICS_H

struct event_base;
struct metrics;
struct view;

struct metrics	*metrics_open(struct view *, const char *, unsigned);
int		 metrics_listen(struct metrics *, struct event_base *);
void		 metrics_close(struct metrics *);

#endif
