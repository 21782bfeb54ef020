/*
 * file.h: read a whole file into memory, with a bound on its size.
 */
#ifndef EMBARGO_FILE_H
#define EMBARGO_FILE_H

#include <stddef.h>

char	*file_read(const char *, size_t, size_t *);

#endif
