/*
 * priv.h: giving up privileges once the sockets are open.
 */
#ifndef EMBARGO_PRIV_H
#define EMBARGO_PRIV_H

#include <sys/types.h>

struct priv_id {
	int	 found;		/* the user exists */
	uid_t	 uid;
	gid_t	 gid;
};

int	priv_lookup(const char *, struct priv_id *);
int	priv_drop(const struct priv_id *, int);

#endif
