/*
 * embargoctl: ask a running embargod about its state, or to reload.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef EMBARGO_CONTROL_SOCKET
#define EMBARGO_CONTROL_SOCKET	"/run/embargo/embargod.sock"
#endif
#define CTL_TIMEOUT_MS	60000	/* a reload of a large list takes time */

enum {
	CTL_OK,
	CTL_FAILED,		/* the daemon answered "error" */
	CTL_USAGE,
	CTL_NODAEMON		/* nobody listens on the socket */
};

extern char *__progname;

static void	usage(void) __attribute__((__noreturn__));
static int	ctl_connect(const char *);
static int	send_all(int, const char *, size_t);
static int	read_answer(int);

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-j] [-s socket] command [argument ...]\n"
	    "commands: status, stats, top [n], flows, test name ..., reload, "
	    "reopen\n", __progname);
	exit(CTL_USAGE);
}

/* Connect to the daemon; say why not in terms a person can act on. */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: %s: path too long\n", __progname, path);
		exit(CTL_USAGE);
	}
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "%s: socket: %s\n", __progname,
		    strerror(errno));
		exit(CTL_NODAEMON);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "%s: %s: %s%s\n", __progname, path,
		    strerror(errno), errno == ENOENT || errno == ECONNREFUSED ?
		    " (is embargod running?)" : errno == EACCES ?
		    " (root or the socket's group only)" : "");
		exit(CTL_NODAEMON);
	}
	return (fd);
}

static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * Print the answer after its status line; return the status.  The
 * daemon closes the connection when it has said everything.
 */
static int
read_answer(int fd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		 buf[8192];
	ssize_t		 n;
	int		 status = -1, at_start = 1;
	size_t		 skip;

	for (;;) {
		if (poll(&pfd, 1, CTL_TIMEOUT_MS) != 1) {
			fprintf(stderr, "%s: no answer from embargod\n",
			    __progname);
			return (CTL_FAILED);
		}
		if ((n = read(fd, buf, sizeof(buf))) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		skip = 0;
		if (at_start) {
			status = strncmp(buf, "ok\n", 3) == 0 ? CTL_OK :
			    CTL_FAILED;
			skip = (size_t)((char *)memchr(buf, '\n', (size_t)n) ?
			    (char *)memchr(buf, '\n', (size_t)n) - buf + 1 : n);
			at_start = 0;
		}
		fwrite(buf + skip, 1, (size_t)n - skip, stdout);
	}
	if (status == -1) {
		fprintf(stderr, "%s: embargod closed the connection without "
		    "an answer\n", __progname);
		return (CTL_FAILED);
	}
	return (status);
}

int
main(int argc, char *argv[])
{
	const char	*path = EMBARGO_CONTROL_SOCKET;
	char		 line[4096];
	size_t		 off = 0;
	int		 ch, json = 0, fd, i, n;

	while ((ch = getopt(argc, argv, "js:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (json)
		off = (size_t)snprintf(line, sizeof(line), "json ");
	for (i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\r\n") != NULL || argv[i][0] == '\0') {
			fprintf(stderr, "%s: \"%s\": arguments are single "
			    "words\n", __progname, argv[i]);
			return (CTL_USAGE);
		}
		n = snprintf(line + off, sizeof(line) - off, "%s%s",
		    i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - off - 1) {
			fprintf(stderr, "%s: command too long\n", __progname);
			return (CTL_USAGE);
		}
		off += (size_t)n;
	}
	line[off++] = '\n';
	fd = ctl_connect(path);
	if (send_all(fd, line, off) == -1) {
		fprintf(stderr, "%s: %s: %s\n", __progname, path,
		    strerror(errno));
		return (CTL_NODAEMON);
	}
	n = read_answer(fd);
	close(fd);
	return (n);
}
