/*
 * learn.h: addresses that blocked names resolved to, held for their TTL.
 */
#ifndef EMBARGO_LEARN_H
#define EMBARGO_LEARN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "embargo.h"

#define LEARN_NAMEMAX	64
#define LEARN_LISTMAX	64

struct learn_info {
	char	 name[LEARN_NAMEMAX];	/* the blocked name it answered */
	char	 list[LEARN_LISTMAX];	/* the list that blocked it */
	uint64_t expires;		/* ms, clock_mono_ms() clock */
};

struct learn;

struct learn	*learn_new(uint32_t, uint32_t);
void		 learn_free(struct learn *);
int		 learn_add(struct learn *, const struct addr *, uint32_t,
		    const char *, const char *, uint64_t);
int		 learn_lookup(struct learn *, const struct addr *, uint64_t,
		    struct learn_info *);
size_t		 learn_expire(struct learn *, uint64_t);
size_t		 learn_count(struct learn *);
uint64_t	 learn_full(struct learn *);

#endif
