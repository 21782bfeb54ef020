/*
 * sandbox.c: a seccomp allowlist (libseccomp) for the running daemon.
 *
 * Installed on the main thread after privileges are dropped and before
 * the queue threads start, which inherit it.  What a running embargod
 * does: netlink and socket I/O, its event loops, memory, time, threads,
 * reading configuration and lists on reload, writing the event file and
 * syslog.  Anything else fails with EPERM instead of running: no exec,
 * no fork, no ptrace, no mount, no module loading, no new privileges.
 *
 * Threads but no processes: clone(2) is allowed only with CLONE_THREAD
 * in its flags, and clone3(2), whose flags seccomp cannot see, fails
 * with ENOSYS so that the C library falls back to clone(2).
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"

/* Resolved by name so the list serves every architecture libseccomp knows. */
static const char *allowed[] = {
	/* descriptors and files: lists, configuration, event file */
	"read", "readv", "pread64", "write", "writev", "pwrite64", "close",
	"openat", "open", "fstat", "fstat64", "newfstatat", "fstatat64",
	"stat", "stat64", "lstat", "lstat64", "statx", "lseek", "_llseek",
	"fcntl", "fcntl64", "dup", "dup2", "dup3", "ioctl", "access",
	"faccessat", "faccessat2", "unlink", "unlinkat", "getdents64",
	"readlink", "readlinkat", "pipe", "pipe2", "eventfd2",
	/* sockets: netlink, control, metrics, syslog, DNS resolution */
	"socket", "connect", "accept", "accept4", "getsockname", "getpeername",
	"getsockopt", "setsockopt", "sendto", "sendmsg", "sendmmsg",
	"recvfrom", "recvmsg", "recvmmsg", "shutdown", "socketpair", "bind",
	"recv", "send",		/* their own calls on arm, socketcall's on s390x */
	/* event loops */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "poll", "ppoll", "ppoll_time64", "select",
	"pselect6", "pselect6_time64",
	/* memory and threads */
	"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise",
	"futex", "futex_time64", "set_robust_list", "get_robust_list",
	"rseq", "sched_yield", "sched_getaffinity", "membarrier",
	/* time, randomness, identity */
	"clock_gettime", "clock_gettime64", "clock_getres", "gettimeofday",
	"time", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
	"getrandom", "getpid", "gettid", "getppid", "getuid", "geteuid",
	"getgid", "getegid", "getuid32", "geteuid32", "getgid32",
	"getegid32", "uname", "sysinfo", "prlimit64", "getrlimit",
	/* signals and leaving */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn",
	"sigaltstack", "tgkill", "restart_syscall", "exit", "exit_group",
};

/*
 * clone(2)'s flags are its first argument, but its second on s390 and
 * s390x, where the stack pointer comes first (CLONE_BACKWARDS2).
 */
#if defined(__s390__)
#define CLONE_FLAGS_ARG	1
#else
#define CLONE_FLAGS_ARG	0
#endif

static scmp_filter_ctx	sandbox_filter(void);

/* The filter, built but not loaded; NULL after logging. */
static scmp_filter_ctx
sandbox_filter(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 sc, rc;

	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL) {
		log_warnx("seccomp_init failed");
		return (NULL);
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		sc = seccomp_syscall_resolve_name(allowed[i]);
		if (sc == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc, 0)) < 0) {
			log_warnx("seccomp: %s: %s", allowed[i],
			    strerror(-rc));
			seccomp_release(ctx);
			return (NULL);
		}
	}
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_CMP(CLONE_FLAGS_ARG, SCMP_CMP_MASKED_EQ, CLONE_THREAD,
	    CLONE_THREAD))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0)) < 0) {
		log_warnx("seccomp: clone: %s", strerror(-rc));
		seccomp_release(ctx);
		return (NULL);
	}
	return (ctx);
}

/*
 * Install the filter.  Returns -1 after logging; start-up stops then,
 * rather than run unconfined by surprise.
 */
int
sandbox_apply(void)
{
	scmp_filter_ctx	 ctx;
	int		 rc;

	if ((ctx = sandbox_filter()) == NULL)
		return (-1);
	if ((rc = seccomp_load(ctx)) < 0) {
		log_warnx("seccomp_load: %s", strerror(-rc));
		seccomp_release(ctx);
		return (-1);
	}
	seccomp_release(ctx);
	return (0);
}

/*
 * Write the filter to fd as the kernel gets it, classic BPF in this
 * host's byte order, for the tests to run where no filter can be
 * loaded (under qemu-user).  Returns -1 after logging.
 */
int
sandbox_export(int fd)
{
	scmp_filter_ctx	 ctx;
	int		 rc;

	if ((ctx = sandbox_filter()) == NULL)
		return (-1);
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0)
		log_warnx("seccomp_export_bpf: %s", strerror(-rc));
	seccomp_release(ctx);
	return (rc < 0 ? -1 : 0);
}
