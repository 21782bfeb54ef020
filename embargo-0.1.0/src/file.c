/*
 * file.c: whole-file reads for configuration and lists.
 */
#include "config.h"

#include <errno.h>
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
