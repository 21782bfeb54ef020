/*
 * file.h: read a whole file into memory, with a bound on its size, or a
 * block of whole lines at a time.
 */
#ifndef EMBARGO_FILE_H
#define EMBARGO_FILE_H

#include <stddef.h>

#define FILE_BLOCK	((size_t)64 * 1024)	/* bytes file_lines() holds */

/* Whole lines buf[0..len) (the last may lack its newline); buf[len] writable. */
typedef void	(*file_lines_cb)(char *, size_t, void *);

char	*file_read(const char *, size_t, size_t *);
int	 file_lines(const char *, size_t, file_lines_cb, void *);

#endif
