/*
 * ct.h: ask the kernel's connection tracking whether it still holds a
 * flow's connection.
 */
#ifndef EMBARGO_CT_H
#define EMBARGO_CT_H

#include <stddef.h>
#include <stdint.h>

#include "embargo.h"

/* What conntrack said of a connection. */
#define CT_UNKNOWN	(-1)	/* cannot tell: no answer, or an error */
#define CT_GONE		0	/* no such entry */
#define CT_HELD		1	/* an entry holds it */
#define CT_NONE		2	/* ct_parse(): nothing about this query */

/* Which of an entry's tuples a query names. */
#define CT_DIR_ORIG	0	/* as the client sent it */
#define CT_DIR_REPLY	1	/* as the server answers it */

#define CT_REQUEST_MAX	128	/* bytes: the largest request (IPv6) */

struct ct;

struct ct	*ct_open(void);
void		 ct_close(struct ct *);
int		 ct_held(struct ct *, const struct tuple *);
size_t		 ct_request(void *, size_t, const struct tuple *, int,
		    uint32_t);
int		 ct_parse(const void *, size_t, uint32_t, int *);

#endif
