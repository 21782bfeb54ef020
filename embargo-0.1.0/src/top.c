/*
 * top.c: the space-saving algorithm (Metwally, Agrawal, El Abbadi,
 * 2005).  A key already tracked has its count raised; a new key takes
 * the slot of the smallest count and inherits it as its possible error.
 * Every key seen more often than total/TOP_SLOTS is in the table, with
 * a count off by at most its error.  Fixed memory, no allocation.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "top.h"

/* Count key n more times. */
void
top_add(struct top *t, const char *key, uint64_t n)
{
	size_t	 i, min = 0;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->e[i].key, key) == 0) {
			t->e[i].count += n;
			return;
		}
		if (t->e[i].count < t->e[min].count)
			min = i;
	}
	if (t->n < TOP_SLOTS) {
		i = t->n++;
		t->e[i].count = n;
		t->e[i].error = 0;
	} else {
		i = min;
		t->e[i].error = t->e[i].count;
		t->e[i].count += n;
	}
	strncpy(t->e[i].key, key, TOP_KEYMAX - 1);
	t->e[i].key[TOP_KEYMAX - 1] = '\0';
}

/* Add every entry of src into dst (one queue's table into the sum). */
void
top_merge(struct top *dst, const struct top *src)
{
	size_t	 i;

	for (i = 0; i < src->n; i++)
		top_add(dst, src->e[i].key, src->e[i].count);
}

static int
entry_cmp(const void *va, const void *vb)
{
	const struct top_entry	*a = va, *b = vb;

	if (a->count != b->count)
		return (a->count > b->count ? -1 : 1);
	return (strcmp(a->key, b->key));
}

/* Most frequent first. */
void
top_sort(struct top *t)
{
	qsort(t->e, t->n, sizeof(t->e[0]), entry_cmp);
}
