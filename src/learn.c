/*
 * learn.c: a bounded table of addresses learned for blocked names.
 *
 * Filled from DNS answers seen on the queues and from the daemon's own
 * c-ares lookups; read when a flow starts.  Each entry lives for its
 * DNS TTL, and at least the configured minimum hold: answers may be
 * cached by clients longer than we saw them.  A full table refuses new
 * addresses, counts it and warns once; expired entries are reclaimed
 * first.
 * Threads share it under a read-write lock; readers are flows' first
 * packets, not every packet.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "log.h"
#include "xmalloc.h"

struct entry {
	struct addr		 a;
	struct learn_info	 info;
	uint32_t		 next;		/* chain: index + 1 */
	uint8_t			 used;
};

struct learn {
	pthread_rwlock_t	 lock;
	struct entry		*e;
	uint32_t		 max;
	uint32_t		*heads;		/* index + 1 */
	uint32_t		 nheads;	/* a power of two */
	uint32_t		 count;
	uint32_t		 freelist;	/* index + 1, through next */
	uint32_t		 fresh;		/* e[fresh..max) never used */
	uint32_t		 hold_ms;
	uint64_t		 full;		/* additions refused */
};

static uint32_t
addr_hash(const struct addr *a)
{
	size_t		 i, n = a->family == AF_INET ? 4 : 16;
	uint32_t	 h = 2166136261U ^ a->family;

	for (i = 0; i < n; i++)
		h = (h ^ a->u.b[i]) * 16777619U;
	return (h ^ (h >> 16));
}

static int
addr_eq(const struct addr *a, const struct addr *b)
{
	return (a->family == b->family && memcmp(a->u.b, b->u.b,
	    a->family == AF_INET ? 4 : 16) == 0);
}

/* A table of max addresses, each held at least hold seconds. */
struct learn *
learn_new(uint32_t max, uint32_t hold)
{
	struct learn	*l = xcalloc(1, sizeof(*l));

	pthread_rwlock_init(&l->lock, NULL);
	l->max = max;
	l->e = xcalloc(max, sizeof(*l->e));
	for (l->nheads = 1; l->nheads < max; l->nheads <<= 1)
		;
	l->heads = xcalloc(l->nheads, sizeof(*l->heads));
	/* entries are handed out in order first: unused ones cost no page */
	l->freelist = 0;
	l->hold_ms = hold * 1000;
	return (l);
}

void
learn_free(struct learn *l)
{
	if (l == NULL)
		return;
	pthread_rwlock_destroy(&l->lock);
	free(l->e);
	free(l->heads);
	free(l);
}

static struct entry *
find(struct learn *l, const struct addr *a)
{
	uint32_t	 i;

	for (i = l->heads[addr_hash(a) & (l->nheads - 1)]; i != 0;
	    i = l->e[i - 1].next)
		if (addr_eq(&l->e[i - 1].a, a))
			return (&l->e[i - 1]);
	return (NULL);
}

static void
unlink_entry(struct learn *l, struct entry *e)
{
	uint32_t	*p = &l->heads[addr_hash(&e->a) & (l->nheads - 1)];
	uint32_t	 me = (uint32_t)(e - l->e) + 1;

	while (*p != 0 && *p != me)
		p = &l->e[*p - 1].next;
	if (*p == me)
		*p = e->next;
	e->used = 0;
	e->next = l->freelist;
	l->freelist = me;
	l->count--;
}

/* Drop every entry expired by now; the caller holds the write lock. */
static size_t
expire_locked(struct learn *l, uint64_t now)
{
	size_t		 n = 0;
	uint32_t	 i;

	for (i = 0; i < l->fresh; i++)
		if (l->e[i].used && l->e[i].info.expires <= now) {
			unlink_entry(l, &l->e[i]);
			n++;
		}
	return (n);
}

/*
 * Learn a (for name, blocked by list) for ttl seconds from now, or the
 * minimum hold if longer; a known address is extended.  Returns 0, or
 * -1 when the table is full of live entries.
 */
int
learn_add(struct learn *l, const struct addr *a, uint32_t ttl,
    const char *name, const char *list, uint64_t now)
{
	struct entry	*e;
	uint64_t	 until = now + ((uint64_t)ttl * 1000 > l->hold_ms ?
			    (uint64_t)ttl * 1000 : l->hold_ms);
	uint32_t	 i, h;
	int		 rc = 0;

	pthread_rwlock_wrlock(&l->lock);
	if ((e = find(l, a)) == NULL) {
		if (l->freelist == 0 && l->fresh == l->max)
			expire_locked(l, now);
		if ((i = l->freelist) != 0)
			l->freelist = l->e[i - 1].next;
		else if (l->fresh < l->max)
			i = ++l->fresh;
		else {
			rc = l->full++ == 0 ? -2 : -1;	/* -2: the first */
			goto out;
		}
		e = &l->e[i - 1];
		memset(e, 0, sizeof(*e));
		e->a = *a;
		e->used = 1;
		h = addr_hash(a) & (l->nheads - 1);
		e->next = l->heads[h];
		l->heads[h] = i;
		l->count++;
	}
	if (until > e->info.expires) {
		e->info.expires = until;
		snprintf(e->info.name, sizeof(e->info.name), "%s", name);
		snprintf(e->info.list, sizeof(e->info.list), "%s", list);
	}
out:
	pthread_rwlock_unlock(&l->lock);
	if (rc == -2) {
		log_warnx("learned addresses: the table is full (limit learned "
		    "%u): new addresses of blocked names are refused and "
		    "counted (embargoctl status, "
		    "embargo_learned_refused_total)", l->max);
		rc = -1;
	}
	return (rc);
}

/* Is a learned and still live at now?  Copies what is known of it. */
int
learn_lookup(struct learn *l, const struct addr *a, uint64_t now,
    struct learn_info *info)
{
	struct entry	*e;
	int		 found = 0;

	pthread_rwlock_rdlock(&l->lock);
	if ((e = find(l, a)) != NULL && e->info.expires > now) {
		*info = e->info;
		found = 1;
	}
	pthread_rwlock_unlock(&l->lock);
	return (found);
}

/* Forget what expired; returns how many went. */
size_t
learn_expire(struct learn *l, uint64_t now)
{
	size_t	 n;

	pthread_rwlock_wrlock(&l->lock);
	n = expire_locked(l, now);
	pthread_rwlock_unlock(&l->lock);
	return (n);
}

size_t
learn_count(struct learn *l)
{
	size_t	 n;

	pthread_rwlock_rdlock(&l->lock);
	n = l->count;
	pthread_rwlock_unlock(&l->lock);
	return (n);
}

uint64_t
learn_full(struct learn *l)
{
	uint64_t	 n;

	pthread_rwlock_rdlock(&l->lock);
	n = l->full;
	pthread_rwlock_unlock(&l->lock);
	return (n);
}
