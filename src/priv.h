/*
 * priv.h: giving up privileges once the sockets are open.
 */
#ifndef EMBARGO_PRIV_H
#define EMBARGO_PRIV_H

#include <sys/types.h>

#define PRIV_FALLBACK_USER	"nobody"
#define PRIV_FALLBACK_GROUP	"nogroup"

struct priv_id {
	int	 found;		/* the user exists */
	uid_t	 uid;
	gid_t	 gid;
};

int	priv_lookup(const char *, int, struct priv_id *);
int	priv_drop(const struct priv_id *, int);

#endif
