/*
 * child.h: run part of a CMocka test in a child process, for what
 * cannot be undone in the test program itself (a network namespace of
 * its own, privileges given up).  The part returns 0 when it passed,
 * 77 when it cannot run here (the test is skipped), or the number of
 * the step that failed.  Include after <cmocka.h>.
 */
#ifndef EMBARGO_CHILD_H
#define EMBARGO_CHILD_H

#include <sys/types.h>
#include <sys/wait.h>

#include <stdlib.h>
#include <unistd.h>

/* Run fn in a child: pass, skip on 77, fail naming the step otherwise. */
static inline void
child_run(int (*fn)(void))
{
	pid_t	 pid;
	int	 st;

	assert_true((pid = fork()) != -1);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st))
		fail_msg("child killed by signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	if (WEXITSTATUS(st) != 0)
		fail_msg("child failed at step %d", WEXITSTATUS(st));
}

/* The exit status of sh -c cmd; -1 when it did not run or exit. */
static inline int
child_sh(const char *cmd)
{
	int	 st = system(cmd);

	return (st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

#endif
