/*
 * enforce.h: judgements that do not rest on a name alone: flows toward
 * addresses learned for blocked names or listed in an IP list, service
 * ports a list claims, and what DNS answers teach.
 */
#ifndef EMBARGO_ENFORCE_H
#define EMBARGO_ENFORCE_H

#include "embargo.h"
#include "inspect.h"
#include "packet.h"

/* What a flow's first message said about where it goes. */
struct seen {
	enum proto		 proto;
	const struct name	*name;		/* NULL: the flow named none */
	const char		*none;		/* then why, for the event */
	int			 decided;	/* the name's rule gave an event */
	int			 allowed;	/* an allow rule covers the name */
	int			 ech;
	const char		*alpn;
};

enum verdict	 enforce_port(struct inspect *, const struct packet *);
enum verdict	 enforce_flow(struct inspect *, const struct tuple *,
		    const struct seen *, enum verdict);
enum verdict	 enforce_answer(struct inspect *, const struct packet *);

#endif
