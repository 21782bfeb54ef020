/*
 * view.c: what the side paths compute from the daemon's view.
 */
#include "config.h"

#include <string.h>

#include "stats.h"
#include "view.h"
#include "worker.h"

/* The counters summed over every queue. */
void
view_stats(const struct view *v, struct stats *sum)
{
	unsigned	 i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < v->nworkers; i++)
		stats_sum(sum, &v->workers[i]->stats);
}
