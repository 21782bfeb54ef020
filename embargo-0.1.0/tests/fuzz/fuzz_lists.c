/*
 * fuzz_lists: the list parser in every format, then lookups of each
 * rule name it accepted.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lists.h"
#include "log.h"
#include "match.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
quiet(const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct match_builder	*b;
	struct match		*m;
	struct match_result	 res;
	struct list		 l;
	char			*buf;
	enum list_format	 f;

	if (size < 1)
		return (0);
	f = (enum list_format)(data[0] % 5);
	data++;
	size--;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&l, 0, sizeof(l));
	l.path = strdup("fuzz.list");
	l.format = f;
	b = match_builder_new();
	lists_parse(b, &l, 0, buf, size, quiet, NULL);
	m = match_builder_finish(b, NULL, NULL);
	/* every line that parsed as a name can be looked up safely */
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *s = strtok(buf, "\n \t"); s != NULL; s = strtok(NULL,
	    "\n \t"))
		match_lookup(m, s, strlen(s), &res);
	match_unref(m);
	list_clear(&l);
	free(buf);
	return (0);
}
