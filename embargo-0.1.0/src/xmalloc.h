/*
 * xmalloc.h: allocation that cannot fail.  For start-up and load time
 * only; the packet path allocates nothing.
 */
#ifndef EMBARGO_XMALLOC_H
#define EMBARGO_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

#endif
