/*
 * top.h: the most frequent keys of a stream (names, clients) in bounded
 * memory.
 */
#ifndef EMBARGO_TOP_H
#define EMBARGO_TOP_H

#include <stddef.h>
#include <stdint.h>

#define TOP_SLOTS	64
#define TOP_KEYMAX	256

struct top_entry {
	char		 key[TOP_KEYMAX];
	uint64_t	 count;		/* an upper bound */
	uint64_t	 error;		/* count - error is a lower bound */
};

struct top {
	struct top_entry e[TOP_SLOTS];
	size_t		 n;
};

void	top_add(struct top *, const char *, uint64_t);
void	top_merge(struct top *, const struct top *);
void	top_sort(struct top *);

#endif
