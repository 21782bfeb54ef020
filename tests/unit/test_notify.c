/*
 * test_notify.c: the systemd notification datagrams, received on a
 * socket bound where $NOTIFY_SOCKET would name it (a path, and an
 * abstract name), and the watchdog's environment.  Links only notify.c
 * and log.c.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "notify.h"

/* A datagram socket bound at name ('@': abstract); returns its fd. */
static int
bound(const char *name)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, name, sizeof(sun.sun_path) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name) + (name[0] == '@' ? 0 : 1));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_not_equal(fd, -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	return (fd);
}

/* The next datagram on fd, which must be want. */
static void
received(int fd, const char *want)
{
	char	 buf[256];
	ssize_t	 n;

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void
test_path(void **state)
{
	char		 dir[] = "/tmp/embt-notify.XXXXXX", path[64];
	struct notify	 n;
	int		 fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = bound(path);
	assert_int_equal(notify_open(&n, path), 0);
	assert_int_not_equal(n.fd, -1);
	assert_int_equal(notify_send(&n, "READY=1"), 0);
	assert_int_equal(notify_send(&n, "WATCHDOG=1"), 0);
	received(fd, "READY=1");
	received(fd, "WATCHDOG=1");
	notify_close(&n);
	assert_int_equal(n.fd, -1);
	close(fd);
	unlink(path);
	rmdir(dir);
}

/* "@name": the abstract namespace, no NUL byte counted after it. */
static void
test_abstract(void **state)
{
	char		 name[64];
	struct notify	 n;
	int		 fd;

	(void)state;
	snprintf(name, sizeof(name), "@embt-notify-%ld", (long)getpid());
	fd = bound(name);
	assert_int_equal(notify_open(&n, name), 0);
	assert_int_equal(n.len, offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	assert_int_equal(notify_send(&n, "STOPPING=1"), 0);
	received(fd, "STOPPING=1");
	notify_close(&n);
	close(fd);
}

/* No $NOTIFY_SOCKET: nothing to tell, and that is no error. */
static void
test_off_and_bad(void **state)
{
	struct notify	 n;
	char		 longname[200];

	(void)state;
	assert_int_equal(notify_open(&n, NULL), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(notify_send(&n, "READY=1"), 0);
	assert_int_equal(notify_open(&n, ""), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(notify_open(&n, "relative/path"), -1);
	assert_int_equal(n.fd, -1);
	assert_int_equal(notify_open(&n, "@"), -1);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(notify_open(&n, longname), -1);
	/* nobody listens: a failed send is reported, not fatal */
	assert_int_equal(notify_open(&n, "/tmp/embt-notify-nobody-here"), 0);
	assert_int_equal(notify_send(&n, "READY=1"), -1);
	notify_close(&n);
}

static void
test_watchdog_env(void **state)
{
	(void)state;
	assert_int_equal(notify_watchdog_usec("30000000", NULL, 7), 30000000);
	assert_int_equal(notify_watchdog_usec("30000000", "7", 7), 30000000);
	assert_int_equal(notify_watchdog_usec("30000000", "8", 7), 0);
	assert_int_equal(notify_watchdog_usec(NULL, "7", 7), 0);
	assert_int_equal(notify_watchdog_usec("", NULL, 7), 0);
	assert_int_equal(notify_watchdog_usec("-5", NULL, 7), 0);
	assert_int_equal(notify_watchdog_usec("30s", NULL, 7), 0);
	assert_int_equal(notify_watchdog_usec("30000000", "x", 7), 0);
	assert_int_equal(notify_watchdog_usec("99999999999999999999", NULL,
	    7), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_off_and_bad),
		cmocka_unit_test(test_watchdog_env),
	};

	log_init(1, -1, 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
