/*
 * test_sandbox.c: privileges and the seccomp allowlist, in a child
 * process each time (neither can be undone).  As root, the child
 * becomes nobody with CAP_NET_ADMIN only; then execve is refused with
 * EPERM while what the daemon does (files, sockets, time, threads)
 * still works.  Without root only the seccomp part runs.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "priv.h"
#include "sandbox.h"

/* The value of a "Key:\tvalue" line of /proc/self/status. */
static int
status_field(const char *key, char *out, size_t size)
{
	char	 line[256];
	FILE	*f = fopen("/proc/self/status", "r");
	size_t	 n = strlen(key);

	if (f == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			snprintf(out, size, "%s", line + n + 1 +
			    strspn(line + n + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			fclose(f);
			return (0);
		}
	fclose(f);
	return (-1);
}

static void *
thread_main(void *arg)
{
	return (arg);
}

/* Run fn in a child; the child's exit status 0 means it passed. */
static void
in_child(int (*fn)(void))
{
	pid_t	 pid;
	int	 st;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child failed at step %d", WIFEXITED(st) ?
		    WEXITSTATUS(st) : 100 + WTERMSIG(st));
}

/* After sandbox_apply(): exec refused, the daemon's own calls work. */
static int
sandboxed(void)
{
	char		*argv[] = { "/bin/true", NULL }, buf[64];
	struct timespec	 ts;
	pthread_t	 t;
	int		 fd;

	if (sandbox_apply() == -1)
		return (1);
	if (status_field("Seccomp", buf, sizeof(buf)) == -1 ||
	    strcmp(buf, "2") != 0)
		return (2);
	errno = 0;
	if (execve(argv[0], argv, NULL) != -1 || errno != EPERM)
		return (3);
	if ((fd = open("/proc/self/status", O_RDONLY)) == -1 ||
	    read(fd, buf, sizeof(buf)) <= 0 || close(fd) == -1)
		return (4);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 || close(fd) == -1)
		return (5);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (6);
	if (pthread_create(&t, NULL, thread_main, NULL) != 0 ||
	    pthread_join(t, NULL) != 0)
		return (7);
	if (fork() != -1 || errno != EPERM)	/* not in the allowlist */
		return (8);
	return (0);
}

/* As root: nobody, CAP_NET_ADMIN alone in every set, no_new_privs. */
static int
dropped(void)
{
	struct priv_id	 id;
	char		 buf[64];

	if (priv_lookup("nobody", 1, &id) == -1 || priv_drop(&id, 0) == -1)
		return (1);
	if (getuid() != id.uid || geteuid() != id.uid || getgid() != id.gid)
		return (2);
	if (status_field("CapEff", buf, sizeof(buf)) == -1 ||
	    strcmp(buf, "0000000000001000") != 0)
		return (3);
	if (status_field("CapPrm", buf, sizeof(buf)) == -1 ||
	    strcmp(buf, "0000000000001000") != 0)
		return (4);
	if (status_field("CapBnd", buf, sizeof(buf)) == -1 ||
	    strcmp(buf, "0000000000001000") != 0)
		return (5);
	if (status_field("NoNewPrivs", buf, sizeof(buf)) == -1 ||
	    strcmp(buf, "1") != 0)
		return (6);
	if (setuid(0) != -1)			/* no way back */
		return (7);
	return (sandboxed() == 0 ? 0 : 8);
}

/* With CAP_NET_RAW kept too: 0x3000. */
static int
dropped_raw(void)
{
	struct priv_id	 id;
	char		 buf[64];

	if (priv_lookup("nobody", 1, &id) == -1 || priv_drop(&id, 1) == -1)
		return (1);
	if (status_field("CapEff", buf, sizeof(buf)) == -1 ||
	    strcmp(buf, "0000000000003000") != 0)
		return (2);
	return (0);
}

static void
test_seccomp(void **state)
{
	(void)state;
	in_child(sandboxed);
}

static void
test_privileges(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	in_child(dropped);
	in_child(dropped_raw);
}

/*
 * Who the daemon becomes: a missing user gives way to nobody, uid 0
 * only for "user root" written, and an unwritten default that names a
 * uid-0 account is refused.
 */
static void
test_lookup(void **state)
{
	struct priv_id	 id;
	struct passwd	*pw;

	(void)state;
	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL)
		skip();
	assert_int_equal(priv_lookup("embt-no-such-user", 0, &id), 0);
	assert_true(id.found);
	assert_int_equal(id.uid, pw->pw_uid);
	assert_int_not_equal(id.uid, 0);
	assert_int_equal(priv_lookup("root", 0, &id), -1);
	assert_int_equal(priv_lookup("root", 1, &id), 0);
	assert_true(id.found);
	assert_int_equal(id.uid, 0);
	assert_int_equal(priv_lookup("nobody", 0, &id), 0);
	assert_int_equal(id.uid, pw->pw_uid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_privileges),
		cmocka_unit_test(test_lookup),
	};

	log_init(1, -1, 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
