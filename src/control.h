/*
 * control.h: the control socket embargoctl(8) talks to.
 */
#ifndef EMBARGO_CONTROL_H
#define EMBARGO_CONTROL_H

#include <sys/types.h>

struct event_base;
struct control;
struct view;

struct control	*control_open(struct view *, const char *, const char *,
		    unsigned, uid_t);
int		 control_listen(struct control *, struct event_base *);
void		 control_close(struct control *);

#endif
