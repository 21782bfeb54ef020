/*
 * resolve.h: c-ares on the main event loop: the addresses of blocked
 * names, from DNS answers seen on the wire and from lookups of our own.
 */
#ifndef EMBARGO_RESOLVE_H
#define EMBARGO_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"

struct event_base;
struct learn;
struct lists;
struct resolver;

struct resolver	*resolver_new(struct event_base *, const char *,
		    struct learn *, uint32_t);
void		 resolver_run(struct resolver *, struct lists *);
void		 resolver_counts(const struct resolver *, uint64_t *,
		    uint64_t *);
void		 resolver_free(struct resolver *);

#endif
