/*
 * match.h: an immutable, compiled set of name rules.
 *
 * A rule is a normalised name, a kind (suffix: the name and every name
 * below it; exact: the name only), an effect (block, or allow as an
 * exception) and the index of the list it came from.  A lookup returns
 * the most specific rule that covers a name: the rule whose name is
 * longest; when several rules share that name, allow beats block, and
 * among rules with the same effect the lowest list index wins.
 *
 * A set is built once by a builder, then only read; any number of
 * threads may look up in it while another set is being built.
 */
#ifndef EMBARGO_MATCH_H
#define EMBARGO_MATCH_H

#include <stddef.h>
#include <stdint.h>

enum match_kind {
	MATCH_SUFFIX = 0,
	MATCH_EXACT = 1
};

enum match_effect {
	MATCH_BLOCK = 0,
	MATCH_ALLOW = 1
};

#define MATCH_LISTMAX	8192	/* list indexes are 0 .. MATCH_LISTMAX-1 */

struct match_result {
	enum match_kind		 kind;
	enum match_effect	 effect;
	unsigned		 list;
	size_t			 offset;	/* the rule is name + offset */
};

struct match_builder;
struct match;

/*
 * Told about a rule that appears twice in one list: same name and kind,
 * at tag (e.g. a line number) after first_tag; conflict when the two
 * differ in effect (the allow is kept).
 */
typedef void	(*match_dup_cb)(unsigned, uint32_t, uint32_t, int, void *);

struct match_builder	*match_builder_new(void);
int			 match_builder_add(struct match_builder *,
			    const char *, size_t, enum match_kind,
			    enum match_effect, unsigned, uint32_t);
struct match		*match_builder_finish(struct match_builder *,
			    match_dup_cb, void *);
void			 match_builder_free(struct match_builder *);

int			 match_lookup(const struct match *, const char *,
			    size_t, struct match_result *);
int			 match_lookup_below(const struct match *,
			    const char *, size_t, struct match_result *);
size_t			 match_count(const struct match *);
const char		*match_kind_name(enum match_kind);
size_t			 match_memsize(const struct match *);
struct match		*match_ref(struct match *);
void			 match_unref(struct match *);

#endif
