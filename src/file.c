/*
 * file.c: whole-file reads for configuration, block reads for lists.
 *
 * A list of a million names is 20 MB of text; holding it whole while
 * its rules are built would double a reload's peak, so lists are read
 * FILE_BLOCK bytes at a time and handed on as whole lines.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

/*
 * Read the regular file at path, at most max bytes, NUL-terminated.
 * Returns the buffer and its length in *lenp, or NULL with errno set
 * (EISDIR, EINVAL for a non-regular file, EFBIG past max).
 */
char *
file_read(const char *path, size_t max, size_t *lenp)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0, size;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (NULL);
	}
	if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > max) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR :
		    S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return (NULL);
	}
	size = (size_t)st.st_size;
	buf = xmalloc(size + 1);
	while (off < size) {
		n = read(fd, buf + off, size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return (NULL);
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*lenp = off;
	return (buf);
}

/*
 * Read the regular file at path (at most max bytes) a block at a time
 * and hand cb its whole lines, a block's worth per call.  A line longer
 * than a block is handed on alone as its first FILE_BLOCK bytes (too
 * long for any reader of lines) and the rest of it skipped.  Returns 0,
 * or -1 with errno set as file_read() does.
 */
int
file_lines(const char *path, size_t max, file_lines_cb cb, void *arg)
{
	struct stat	 st;
	char		*buf, *nl;
	ssize_t		 n;
	size_t		 have = 0, total = 0, used;
	int		 fd, saved, skip = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uintmax_t)st.st_size > max) {
		saved = errno;
		if (saved == 0 || !S_ISREG(st.st_mode) ||
		    (uintmax_t)st.st_size > max)
			saved = S_ISDIR(st.st_mode) ? EISDIR :
			    S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		close(fd);
		errno = saved;
		return (-1);
	}
	buf = xmalloc(FILE_BLOCK + 1);
	for (;;) {
		n = read(fd, buf + have, FILE_BLOCK - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (total += (size_t)(n > 0 ? n : 0)) > max) {
			saved = n == -1 ? errno : EFBIG;
			free(buf);
			close(fd);
			errno = saved;
			return (-1);
		}
		have += (size_t)n;
		if (skip && have > 0) {
			/* the tail of a line too long to hand on */
			if ((nl = memchr(buf, '\n', have)) == NULL) {
				have = 0;
				if (n == 0)
					break;
				continue;
			}
			used = (size_t)(nl - buf) + 1;
			memmove(buf, buf + used, have - used);
			have -= used;
			skip = 0;
		}
		if (have == 0 && n == 0)
			break;
		if (n == 0) {
			cb(buf, have, arg);	/* no newline at the end */
			break;
		}
		for (nl = buf + have; nl > buf && nl[-1] != '\n'; nl--)
			;
		if (nl == buf) {
			if (have < FILE_BLOCK)
				continue;
			cb(buf, have, arg);
			have = 0;
			skip = 1;
			continue;
		}
		used = (size_t)(nl - buf);
		cb(buf, used, arg);
		memmove(buf, nl, have - used);
		have -= used;
	}
	free(buf);
	close(fd);
	return (0);
}
