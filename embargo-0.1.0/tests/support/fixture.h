/*
 * fixture.h: a policy built from list text in memory, for tests and
 * fuzz targets that drive the packet path without files.
 */
#ifndef EMBARGO_FIXTURE_H
#define EMBARGO_FIXTURE_H

#include "conf.h"
#include "policy.h"

struct policy	*fixture_policy(const char *, enum conf_action,
		    enum conf_mode, int);
struct policy	*fixture_policy_ip(const char *, const char *,
		    enum conf_action, enum conf_mode, int);

#endif
