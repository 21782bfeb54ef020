/*
 * test_log.c: a queue thread's held lines: nothing reaches standard
 * error until log_flush(), then all of them in order, whole; a warning
 * goes at once, after what was held; a full hold writes what it has.
 */
#include "config.h"

#include <fcntl.h>
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

static char	 path[] = "/tmp/test_log.XXXXXX";
static int	 saved_stderr = -1;

/* Standard error into a fresh file, for each test. */
static int
setup(void **state)
{
	int	 fd;

	(void)state;
	strcpy(path, "/tmp/test_log.XXXXXX");
	if ((fd = mkstemp(path)) == -1 ||
	    (saved_stderr = dup(STDERR_FILENO)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		return (-1);
	close(fd);
	log_init(1, 0, 0);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	log_hold(NULL, 0);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	unlink(path);
	return (0);
}

/* What standard error holds so far, NUL-terminated, in buf. */
static const char *
written(char *buf, size_t size)
{
	ssize_t	 n;
	int	 fd;

	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_true((n = read(fd, buf, size - 1)) >= 0);
	buf[n] = '\0';
	close(fd);
	return (buf);
}

static void
test_held_until_flush(void **state)
{
	char	 hold[4096], buf[8192];

	(void)state;
	log_hold(hold, sizeof(hold));
	log_info("one %d", 1);
	log_info("two %d", 2);
	assert_string_equal(written(buf, sizeof(buf)), "");
	log_flush();
	assert_string_equal(written(buf, sizeof(buf)), "one 1\ntwo 2\n");
	log_flush();
	assert_string_equal(written(buf, sizeof(buf)), "one 1\ntwo 2\n");
}

static void
test_warning_in_order(void **state)
{
	char	 hold[4096], buf[8192];

	(void)state;
	log_hold(hold, sizeof(hold));
	log_info("held");
	log_warnx("at once");
	assert_string_equal(written(buf, sizeof(buf)), "held\nat once\n");
	log_info("after");
	log_hold(NULL, 0);		/* stopping writes what is held */
	assert_string_equal(written(buf, sizeof(buf)),
	    "held\nat once\nafter\n");
	log_info("not held");
	assert_string_equal(written(buf, sizeof(buf)),
	    "held\nat once\nafter\nnot held\n");
}

/* A hold of 64 bytes, 100 lines of 10: every line, whole, in order. */
static void
test_full_hold(void **state)
{
	char	 hold[64], buf[8192], want[8192];
	size_t	 off = 0;
	int	 i;

	(void)state;
	log_hold(hold, sizeof(hold));
	for (i = 0; i < 100; i++) {
		log_info("line %04d", i);
		off += (size_t)snprintf(want + off, sizeof(want) - off,
		    "line %04d\n", i);
	}
	log_flush();
	assert_string_equal(written(buf, sizeof(buf)), want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_held_until_flush, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_warning_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_hold, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
