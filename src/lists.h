/*
 * lists.h: blocklists loaded from files into one compiled, shareable set.
 */
#ifndef EMBARGO_LISTS_H
#define EMBARGO_LISTS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "match.h"
#include "name.h"

#define LISTS_PORTS_MAX		8	/* @ports per list */
#define LISTS_RESOLVE_MAX	4096	/* exact names resolved per set */

struct cidr_set;
struct cidr_builder;

/* One list as loaded: what the configuration said and what the file said. */
struct list {
	char			*name;
	char			*path;
	enum list_format	 format;
	int			 lenient;
	enum conf_action	 action;
	char			*vendor;
	char			*category;
	char			*description;
	char			*version;
	char			*scope;
	char			*listed;	/* date on a government list */
	char			**sources;
	size_t			 nsources;
	size_t			 rules;		/* rules taken from the file */
	size_t			 errors;	/* lines refused or skipped */
	size_t			 warnings;
	_Atomic uint64_t	 blocked;	/* events, all queues */
	_Atomic uint64_t	 audited;
	uint16_t		 ports[LISTS_PORTS_MAX];	/* @ports */
	int			 nports;
};

/* Everything a lookup needs; immutable once built, shared by threads. */
struct lists {
	atomic_uint		 refs;
	struct match		*match;		/* the name lists' rules */
	struct cidr_set		*ipset;		/* the IP lists' prefixes */
	struct list		*list;		/* name and IP lists */
	size_t			 nlists;
	struct lists_name {
		char		*name;
		unsigned	 list;
	}			*resolve;	/* exact names of block lists */
	size_t			 nresolve;
	time_t			 loaded;
};

/* Receives each message about a list ("file:line: reason"). */
typedef void	(*lists_diag_cb)(const char *, void *);

struct lists		*lists_load(const struct conf *, lists_diag_cb, void *);
int			 lists_parse(struct match_builder *, struct list *,
			    unsigned, const char *, size_t, lists_diag_cb,
			    void *);
int			 lists_parse_ip(struct cidr_builder *, struct list *,
			    unsigned, const char *, size_t, lists_diag_cb,
			    void *);
const struct list	*lists_lookup_name(const struct lists *,
			    const struct name *, struct match_result *);
const struct list	*lists_lookup(const struct lists *, const char *,
			    size_t, struct match_result *);
const struct list	*lists_lookup_addr(const struct lists *,
			    const struct addr *, struct addr *, unsigned *);
const struct list	*lists_lookup_port(const struct lists *, uint16_t);
const struct list	*lists_find(const struct lists *, const char *);
size_t			 lists_rules(const struct lists *);
struct lists		*lists_ref(struct lists *);
void			 lists_unref(struct lists *);
void			 list_clear(struct list *);
void			 list_count_event(const struct list *, int);
void			 lists_carry_counts(struct lists *,
			    const struct lists *);

#endif
