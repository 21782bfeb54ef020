/*
 * test_server.c: the side paths' server on a real listening socket: a
 * request answered, one too long cut off, the oldest slow client ended
 * at the cap, the deadline for a whole exchange, and accept() out of
 * descriptors paused rather than retried at once.  Links only
 * server.c, log.c and xmalloc.c.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "server.h"

struct fixture {
	struct event_base	*base;
	struct server		*srv;
	struct sockaddr_un	 sun;
	socklen_t		 len;
};

/* "ANSWER <request>\n" */
static void
echo(void *arg, char *req, size_t len, struct evbuffer *out)
{
	(void)arg;
	assert_int_equal(strlen(req), len);
	evbuffer_add_printf(out, "ANSWER %s\n", req);
}

static struct fixture *
serve(unsigned clients, unsigned deadline, size_t max)
{
	static int		 seq;
	struct fixture		*f = calloc(1, sizeof(*f));
	struct server_conf	 sc = { "test", clients, deadline, max, "\n",
				    echo, NULL };
	int			 fd;

	assert_non_null(f);
	f->base = event_base_new();
	f->sun.sun_family = AF_UNIX;
	snprintf(f->sun.sun_path + 1, sizeof(f->sun.sun_path) - 1,
	    "embt-server-%ld-%d", (long)getpid(), seq++);
	f->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(f->sun.sun_path + 1));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&f->sun, f->len), 0);
	assert_int_equal(listen(fd, 64), 0);
	f->srv = server_new(f->base, fd, &sc);
	assert_non_null(f->srv);
	return (f);
}

static void
unserve(struct fixture *f)
{
	server_free(f->srv);
	event_base_free(f->base);
	free(f);
}

static int
client(struct fixture *f, const char *send)
{
	int	 fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_int_equal(connect(fd, (struct sockaddr *)&f->sun, f->len), 0);
	if (send != NULL)
		assert_int_equal(write(fd, send, strlen(send)),
		    (ssize_t)strlen(send));
	return (fd);
}

/* Turn the loop for ms milliseconds. */
static void
pump(struct fixture *f, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

/* What the server sent fd and whether it ended the connection. */
static int
got(int fd, char *buf, size_t size)
{
	ssize_t	 n = -1;
	size_t	 off = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (off < size - 1 && (n = read(fd, buf + off, size - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	/* 1: the end seen (a reset when it left our bytes unread) */
	return (n == 0 || (n == -1 && errno == ECONNRESET));
}

static uint64_t
count(struct fixture *f, enum server_count k)
{
	struct server_counts	 c;

	server_counts(f->srv, &c);
	return (c.c[k]);
}

static void
test_answer(void **state)
{
	struct fixture	*f = serve(4, 10, 64);
	char		 buf[128];
	int		 fd;

	(void)state;
	fd = client(f, "status\nignored after the line");
	pump(f, 50);
	assert_true(got(fd, buf, sizeof(buf)));
	assert_string_equal(buf, "ANSWER status\n");
	assert_int_equal(count(f, SERVER_ACCEPTED), 1);
	assert_int_equal(count(f, SERVER_ANSWERED), 1);
	close(fd);
	unserve(f);
}

/* request_max bytes without the terminator: the end, and no answer. */
static void
test_too_long(void **state)
{
	struct fixture		*f = serve(4, 10, 16);
	struct server_counts	 c;
	char			 buf[128];
	int			 fd;

	(void)state;
	fd = client(f, "0123456789abcdefXYZ");
	pump(f, 50);
	assert_true(got(fd, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	server_counts(f->srv, &c);
	assert_int_equal(c.c[SERVER_TOOLONG], 1);
	assert_int_equal(c.c[SERVER_ANSWERED], 0);
	assert_int_equal(c.open, 0);
	close(fd);
	unserve(f);
}

/* At the cap the oldest slow client goes; the new one is answered. */
static void
test_cap(void **state)
{
	struct fixture		*f = serve(2, 10, 64);
	struct server_counts	 c;
	char			 buf[128];
	int			 a, b, n;

	(void)state;
	a = client(f, "slow");
	pump(f, 20);
	b = client(f, "slow too");
	pump(f, 20);
	n = client(f, "quick\n");
	pump(f, 50);
	assert_true(got(a, buf, sizeof(buf)));		/* ended */
	assert_string_equal(buf, "");
	assert_false(got(b, buf, sizeof(buf)));		/* still waited for */
	assert_true(got(n, buf, sizeof(buf)));
	assert_string_equal(buf, "ANSWER quick\n");
	server_counts(f->srv, &c);
	assert_int_equal(c.c[SERVER_EVICTED], 1);
	assert_int_equal(c.open, 1);
	assert_int_equal(c.clients, 2);
	close(a);
	close(b);
	close(n);
	unserve(f);
}

/*
 * A burst at the cap: a quick client among slow ones that connect all
 * at once is still read before it could be evicted.
 */
static void
test_cap_burst(void **state)
{
	struct fixture	*f = serve(2, 10, 64);
	char		 buf[128];
	int		 slow[8], quick, i;

	(void)state;
	slow[0] = client(f, "slow");
	slow[1] = client(f, "slow");
	pump(f, 20);
	quick = client(f, "quick\n");
	for (i = 2; i < 8; i++)
		slow[i] = client(f, "slow");
	pump(f, 100);
	assert_true(got(quick, buf, sizeof(buf)));
	assert_string_equal(buf, "ANSWER quick\n");
	assert_int_equal(count(f, SERVER_ACCEPTED), 9);
	assert_int_equal(count(f, SERVER_EVICTED), 6);	/* quick left */
	for (i = 0; i < 8; i++)
		close(slow[i]);
	close(quick);
	unserve(f);
}

/* A byte now and then does not stretch the deadline. */
static void
test_deadline(void **state)
{
	struct fixture	*f = serve(4, 1, 64);
	char		 buf[128];
	int		 fd, i;

	(void)state;
	fd = client(f, "s");
	for (i = 0; i < 6; i++) {
		pump(f, 250);
		(void)write(fd, "x", 1);
	}
	assert_true(got(fd, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_int_equal(count(f, SERVER_TIMEDOUT), 1);
	close(fd);
	unserve(f);
}

/*
 * Out of descriptors: one failed accept(), then a pause of a second
 * (no more attempts, so no more failures counted), then the waiting
 * clients are taken once descriptors are back.
 */
static void
test_accept_pause(void **state)
{
	struct fixture	*f = serve(8, 10, 64);
	struct rlimit	 old, low;
	char		 buf[128];
	int		 fd[3], i, top;

	(void)state;
	for (i = 0; i < 3; i++)
		fd[i] = client(f, "hello\n");
	top = dup(0);
	close(top);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)top;	/* the next descriptor is refused */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	pump(f, 300);
	assert_int_equal(count(f, SERVER_ACCEPT_ERRORS), 1);
	pump(f, 300);
	assert_int_equal(count(f, SERVER_ACCEPT_ERRORS), 1);
	assert_int_equal(count(f, SERVER_ACCEPTED), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	pump(f, 700);
	assert_int_equal(count(f, SERVER_ACCEPTED), 3);
	for (i = 0; i < 3; i++) {
		assert_true(got(fd[i], buf, sizeof(buf)));
		assert_string_equal(buf, "ANSWER hello\n");
		close(fd[i]);
	}
	unserve(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_cap_burst),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_accept_pause),
	};

	log_init(1, -1, 0);
	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
