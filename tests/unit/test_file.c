/*
 * test_file.c: files past 2 GiB, as a 32-bit host sees them.
 *
 * With glibc's default 32-bit off_t (armhf, i386) stat(2) fails with
 * EOVERFLOW on such a file, and a 32-bit kernel refuses to write past
 * 2 GiB into a descriptor opened without O_LARGEFILE, which glibc adds
 * only in a build with a 64-bit off_t (configure's AC_SYS_LARGEFILE).
 * An event file that grows for months on a 32-bit router gets there.
 * The files here are sparse: they take no disk space.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
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

#include "record.h"
#include "file.h"

#define TWO_GIB	((int64_t)1 << 31)	/* not off_t: that may be 32 bits */

/* A sparse file of size bytes in the current directory; its name in path. */
static void
sparse_file(char *path, size_t size, int64_t len)
{
	int	 fd;

	snprintf(path, size, "test_file.XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_off_t(void **state)
{
	(void)state;
	assert_int_equal(sizeof(off_t), 8);
}

/* A list of 3 GiB is refused as too big, not as unreadable. */
static void
test_read_bound(void **state)
{
	char	 path[64];
	size_t	 n = 0;

	(void)state;
	sparse_file(path, sizeof(path), 3 * TWO_GIB / 2);
	errno = 0;
	assert_null(file_read(path, 1 << 20, &n));
	assert_int_equal(errno, EFBIG);
	unlink(path);
}

/* An event line appended to a file one byte short of 2 GiB lands whole. */
static void
test_events_past_2gib(void **state)
{
	struct record_log	*el;
	struct record_buf	*b;
	struct record	 e;
	struct tuple	 t;
	struct stat	 st;
	char		 path[64], want[2048], got[2048];
	size_t		 n;
	int		 fd;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.src.family = t.dst.family = AF_INET;
	inet_pton(AF_INET, "10.77.1.2", t.src.u.b);
	inet_pton(AF_INET, "10.77.2.2", t.dst.u.b);
	t.sport = 51234;
	t.dport = 53;
	t.l4 = IPPROTO_UDP;
	memset(&e, 0, sizeof(e));
	e.action = RECORD_BLOCK;
	e.proto = PROTO_DNS;
	e.name = "s12.upd.kaspersky.com";
	e.rule = "upd.kaspersky.com";
	e.match = "suffix";
	e.ruleset = "kaspersky-update";
	e.t = &t;
	e.time_ms = 1795857600123ULL;
	n = record_format_json(&e, want, sizeof(want));
	assert_true(n > 0 && n < sizeof(got));

	sparse_file(path, sizeof(path), TWO_GIB - 1);
	assert_non_null(el = record_log_open(path));
	b = record_buf_new(el);
	assert_int_equal(record_emit(b, &e), 0);
	assert_int_equal(record_flush(b), 0);
	record_buf_free(b);
	record_log_close(el);
	assert_int_equal(stat(path, &st), 0);
	assert_true((int64_t)st.st_size == TWO_GIB - 1 + (int64_t)n);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_true(pread(fd, got, n, (off_t)(TWO_GIB - 1)) == (ssize_t)n);
	close(fd);
	assert_memory_equal(got, want, n);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_t),
		cmocka_unit_test(test_read_bound),
		cmocka_unit_test(test_events_past_2gib),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
