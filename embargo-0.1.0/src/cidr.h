/*
 * cidr.h: sets of IPv4 and IPv6 prefixes with a value each, answering
 * "which most specific prefix holds this address".
 */
#ifndef EMBARGO_CIDR_H
#define EMBARGO_CIDR_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"

struct cidr_builder;
struct cidr_set;

int			 cidr_parse(const char *, struct addr *, unsigned *,
			    const char **);
const char		*cidr_format(const struct addr *, unsigned, char *,
			    size_t);
struct cidr_builder	*cidr_builder_new(void);
int			 cidr_builder_add(struct cidr_builder *,
			    const struct addr *, unsigned, uint32_t);
struct cidr_set		*cidr_builder_finish(struct cidr_builder *);
int			 cidr_lookup(const struct cidr_set *,
			    const struct addr *, uint32_t *, struct addr *,
			    unsigned *);
size_t			 cidr_count(const struct cidr_set *);
void			 cidr_free(struct cidr_set *);

#endif
