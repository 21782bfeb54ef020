/*
 * test_sandbox.c: privileges and the seccomp allowlist, in a child
 * process each time (neither can be undone).  As root, the child
 * becomes nobody with CAP_NET_ADMIN only; then execve is refused with
 * EPERM while what the daemon does (files, sockets, time, threads)
 * still works.  Without root only the seccomp part runs.
 *
 * test_filter runs the filter itself, exported as classic BPF, over
 * the system calls as this architecture's kernel sees them (numbers,
 * argument order): that part also runs under qemu-user, which refuses
 * to load any filter.  There the tests that load it skip and the
 * program exits 77, so that automake shows it skipped.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/filter.h>
#include <linux/net.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <seccomp.h>

#include "child.h"
#include "ct.h"
#include "log.h"
#include "priv.h"
#include "sandbox.h"

static int	seccomp_ok;	/* the kernel takes a filter */

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
	if (!seccomp_ok)
		return (0);
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
	if (!seccomp_ok)
		skip();
	in_child(sandboxed);
}

/*
 * Whether this kernel takes a seccomp filter at all (an allow-all one,
 * in a child): qemu-user refuses every filter, since it would apply to
 * the emulator's own host system calls.
 */
static int
seccomp_loads(void)
{
	struct sock_filter	 allow = BPF_STMT(BPF_RET | BPF_K,
				    SECCOMP_RET_ALLOW);
	struct sock_fprog	 prog = { 1, &allow };
	pid_t			 pid;
	int			 st;

	if ((pid = fork()) == -1)
		return (0);
	if (pid == 0)
		_exit(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 ?
		    0 : 1);
	return (waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
}

/* ------------------------------------------------ the filter as BPF */

#define PROG_MAX	4096

struct prog {
	struct sock_filter	 insn[PROG_MAX];
	size_t			 n;
};

/* What the kernel would answer: classic BPF over struct seccomp_data. */
static uint32_t
bpf_run(const struct prog *p, const struct seccomp_data *d)
{
	const struct sock_filter	*in;
	uint32_t			 a = 0, x = 0, mem[BPF_MEMWORDS];
	size_t				 pc;
	int				 taken;

	memset(mem, 0, sizeof(mem));
	for (pc = 0; pc < p->n; pc++) {
		in = &p->insn[pc];
		taken = -1;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(in->k % 4 == 0 &&
			    in->k <= sizeof(*d) - 4);
			memcpy(&a, (const uint8_t *)d + in->k, 4);
			break;
		case BPF_LD | BPF_IMM:
			a = in->k;
			break;
		case BPF_LDX | BPF_IMM:
			x = in->k;
			break;
		case BPF_LD | BPF_MEM:
			assert_true(in->k < BPF_MEMWORDS);
			a = mem[in->k];
			break;
		case BPF_LDX | BPF_MEM:
			assert_true(in->k < BPF_MEMWORDS);
			x = mem[in->k];
			break;
		case BPF_ST:
			assert_true(in->k < BPF_MEMWORDS);
			mem[in->k] = a;
			break;
		case BPF_STX:
			assert_true(in->k < BPF_MEMWORDS);
			mem[in->k] = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= in->k;
			break;
		case BPF_ALU | BPF_OR | BPF_K:
			a |= in->k;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_JMP | BPF_JA:
			assert_true(in->k < p->n - pc);
			pc += in->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			taken = a == in->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			taken = a > in->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			taken = a >= in->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			taken = (a & in->k) != 0;
			break;
		case BPF_JMP | BPF_JEQ | BPF_X:
			taken = a == x;
			break;
		case BPF_JMP | BPF_JGT | BPF_X:
			taken = a > x;
			break;
		case BPF_JMP | BPF_JGE | BPF_X:
			taken = a >= x;
			break;
		case BPF_RET | BPF_K:
			return (in->k);
		case BPF_RET | BPF_A:
			return (a);
		default:
			fail_msg("BPF instruction %zu: code %#x not known here",
			    pc, in->code);
		}
		if (taken != -1) {
			assert_true((taken ? in->jt : in->jf) < p->n - pc);
			pc += taken ? in->jt : in->jf;
		}
	}
	fail_msg("the filter ends without a verdict");
	return (0);
}

/* The verdict for system call nr with arguments a0 and a1. */
static uint32_t
verdict(const struct prog *p, long nr, uint64_t a0, uint64_t a1)
{
	struct seccomp_data	 d;

	memset(&d, 0, sizeof(d));
	d.nr = (int)nr;
	d.arch = seccomp_arch_native();
	d.args[0] = a0;
	d.args[1] = a1;
	return (bpf_run(p, &d));
}

#define ALLOW		SECCOMP_RET_ALLOW
#define ERRNO(e)	(SECCOMP_RET_ERRNO | (e))

/*
 * Where clone(2) has its flags: the first argument, but the second on
 * s390 (the kernel's CLONE_BACKWARDS2), the stack pointer the other.
 */
#if defined(__s390__)
#define CLONE_FLAGS	1
#else
#define CLONE_FLAGS	0
#endif

/* What the running daemon calls: the name to say, number, first argument. */
#define CALL(c, a0)		{ #c, __NR_##c, a0 }
#define SOCKETCALL(c)		{ "socketcall(" #c ")", __NR_socketcall, c }
static const struct call {
	const char	*name;
	long		 nr;
	uint64_t	 a0;
} calls[] = {
	CALL(read, 0), CALL(write, 0), CALL(openat, 0), CALL(exit_group, 0),
	CALL(socket, AF_NETLINK), CALL(recvmsg, 3), CALL(sendto, 3),
	CALL(recvfrom, 3),
#ifdef __NR_futex
	CALL(futex, 0),
#endif
#ifdef __NR_futex_time64
	CALL(futex_time64, 0),
#endif
	/*
	 * recv(2) and send(2), which the queue's netlink reads, syslog(3)
	 * and c-ares use: system calls of their own on arm, recvfrom and
	 * sendto on x86-64.
	 */
#ifdef __NR_recv
	CALL(recv, 3),
#endif
#ifdef __NR_send
	CALL(send, 3),
#endif
#ifdef __NR_socketcall
	/* s390x's and i386's C library multiplexes the socket calls. */
	SOCKETCALL(SYS_SOCKET), SOCKETCALL(SYS_RECVMSG), SOCKETCALL(SYS_SENDTO),
	SOCKETCALL(SYS_RECV), SOCKETCALL(SYS_SEND),
#endif
};

static uint32_t
clone_verdict(const struct prog *p, uint64_t flags, uint64_t stack)
{
	return (CLONE_FLAGS == 0 ? verdict(p, __NR_clone, flags, stack) :
	    verdict(p, __NR_clone, stack, flags));
}

static void
test_filter(void **state)
{
	static struct prog	 p;
	/* What glibc's pthread_create and fork pass. */
	const uint64_t		 thread = CLONE_VM | CLONE_FS | CLONE_FILES |
				    CLONE_SIGHAND | CLONE_THREAD |
				    CLONE_SYSVSEM | CLONE_SETTLS |
				    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	const uint64_t		 forking = CLONE_CHILD_SETTID |
				    CLONE_CHILD_CLEARTID | SIGCHLD;
	FILE			*f;
	size_t			 n, i;
	uint32_t		 v;

	(void)state;
	assert_non_null(f = tmpfile());
	assert_int_equal(sandbox_export(fileno(f)), 0);
	rewind(f);
	n = fread(p.insn, 1, sizeof(p.insn), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(p.insn) &&
	    n % sizeof(p.insn[0]) == 0);
	p.n = n / sizeof(p.insn[0]);

	/* Threads start, whatever their stack address; processes do not. */
	assert_int_equal(clone_verdict(&p, thread, 0x3ff00000), ALLOW);
	assert_int_equal(clone_verdict(&p, thread, 0x3ff10000), ALLOW);
	assert_int_equal(clone_verdict(&p, forking, 0), ERRNO(EPERM));
	assert_int_equal(clone_verdict(&p, forking, 0x3ff10000),
	    ERRNO(EPERM));
#ifdef __NR_clone3
	assert_int_equal(verdict(&p, __NR_clone3, 0, 0), ERRNO(ENOSYS));
#endif
	assert_int_equal(verdict(&p, __NR_execve, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(&p, __NR_ptrace, 0, 0), ERRNO(EPERM));

	/* The daemon's own calls, as this C library makes them. */
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		v = verdict(&p, calls[i].nr, calls[i].a0, 0);
		if (v != ALLOW)
			fail_msg("%s refused (%#x)", calls[i].name, v);
	}
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

/*
 * As root, in a network namespace of its own: a conntrack socket opened
 * before the drop still answers after it, as nobody with CAP_NET_ADMIN
 * under the filter (an entry made by conntrack(8) is held, another
 * tuple gone).  77 when there is no namespace, no conntrack(8) or no
 * NETLINK_NETFILTER socket (qemu-user).
 */
static int
conntrack_after_drop(void)
{
	struct priv_id	 id;
	struct tuple	 t;
	struct ct	*ct;

	if (unshare(CLONE_NEWNET) == -1 || child_sh("conntrack -I -p tcp "
	    "-s 10.88.0.1 -d 10.88.0.43 --sport 40000 --dport 443 "
	    "--state ESTABLISHED -t 60 >/dev/null 2>&1") != 0)
		return (77);
	if ((ct = ct_open()) == NULL)
		return (77);	/* qemu-user has no NETLINK_NETFILTER */
	if (priv_lookup("nobody", 1, &id) == -1 || priv_drop(&id, 0) == -1)
		return (2);
	if (seccomp_ok && sandbox_apply() == -1)
		return (3);
	memset(&t, 0, sizeof(t));
	t.src.family = t.dst.family = AF_INET;
	t.src.u.b[0] = t.dst.u.b[0] = 10;
	t.src.u.b[1] = t.dst.u.b[1] = 88;
	t.src.u.b[3] = 1;
	t.dst.u.b[3] = 43;
	t.sport = 40000;
	t.dport = 443;
	t.l4 = IPPROTO_TCP;
	if (ct_held(ct, &t) != CT_HELD)
		return (4);
	t.sport = 40001;
	if (ct_held(ct, &t) != CT_GONE)
		return (5);
	ct_close(ct);
	return (0);
}

static void
test_conntrack(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	child_run(conntrack_after_drop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_privileges),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_conntrack),
	};
	int	 rc;

	log_init(1, -1, 0);
	if (!(seccomp_ok = seccomp_loads()))
		fprintf(stderr, "test_sandbox: this kernel loads no seccomp "
		    "filter (qemu-user?): only test_filter checks it\n");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return (rc == 0 && !seccomp_ok ? 77 : rc);
}
