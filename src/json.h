/*
 * json.h: JSON string escaping for events and the control socket.
 */
#ifndef EMBARGO_JSON_H
#define EMBARGO_JSON_H

#include <stddef.h>

size_t	json_escape(char *, size_t, const char *);
int	json_utf8_valid(const char *);

#endif
