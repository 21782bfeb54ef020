/*
 * conf.h: the daemon's configuration, as parsed from embargod.conf(5)
 * or from the built-in default.
 */
#ifndef EMBARGO_CONF_H
#define EMBARGO_CONF_H

#include <stddef.h>

enum conf_action {
	ACTION_BLOCK,
	ACTION_AUDIT
};

enum conf_mode {
	MODE_BLOCK,
	MODE_AUDIT
};

enum list_format {
	FORMAT_AUTO,
	FORMAT_NATIVE,
	FORMAT_DOMAINS,
	FORMAT_HOSTS,
	FORMAT_ADBLOCK
};

struct conf_list {
	char			*name;
	char			*path;		/* as written */
	char			*file;		/* where it was declared */
	int			 line;
	enum list_format	 format;
	int			 lenient;
	enum conf_action	 action;
};

struct conf {
	char			*path;		/* the file, or "(default)" */
	char			*listsdir;
	enum conf_mode		 mode;
	struct conf_list	*lists;
	size_t			 nlists;
};

struct conf	*conf_load(const char *, int);
struct conf	*conf_load_string(const char *, const char *);
void		 conf_free(struct conf *);
char		*conf_list_path(const struct conf *, const struct conf_list *);
const char	*conf_format_name(enum list_format);
const char	*conf_action_name(enum conf_action);

#endif
