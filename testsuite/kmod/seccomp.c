// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A seccomp sandbox cannot be escaped through /dev/multicall: a caller under a seccomp filter
 * is refused (EPERM, nothing runs), and a batch whose caller comes under seccomp midway (an
 * entry installs a filter, or another thread synchronises one onto it) stops before its next
 * entry with -EPERM; so does a batch restarted after a signal handler installed a filter. A
 * resume point the module did not leave (a forged one) is refused like a new batch: EPERM,
 * nothing runs. Also what a ptrace tracer (strace) sees: the ioctl, not the calls in it, and
 * the refuse_traced parameter that refuses traced callers instead, whatever their batch's
 * resume field says.
 */
#include "mctest.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#define NOT_RUN 0x5a5a5a5a

/* A filter that returns ERRNO(EACCES) for getpid and allows everything else. */
static struct sock_filter deny_getpid[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static struct sock_fprog deny_getpid_prog = {
	.len = sizeof(deny_getpid) / sizeof(deny_getpid[0]),
	.filter = deny_getpid,
};

/* Runs fn in a child (seccomp filters cannot be removed); returns its exit status or -1. */
static int in_child(int (*fn)(void))
{
	pid_t pid;
	int status;

	pid = mct_fork();
	if (pid == 0) {
		alarm(60); /* a loop that never stops must not hang the suite */
		_exit(fn());
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int filtered_caller(void)
{
	int p[2], n = -1;
	struct mc_entry e[2];
	long long r0 = mc_counter("refused_seccomp");

	if (pipe(p))
		die("pipe");
	mc_open();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &deny_getpid_prog))
		die("seccomp");
	check_eq(raw(SYS_getpid, 0, 0, 0, 0, 0, 0), -EACCES, "seccomp: the filter denies a direct getpid");
	e[0] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	e[1] = E(SYS_write, p[1], (long)"x", 1, 0, 0, 0);
	check_eq(mc_run(e, 2, 0, 0, NULL), -EPERM, "seccomp: a caller under a filter is refused with EPERM");
	check_eq(e[0].result, NOT_RUN, "seccomp: the refused batch did not run getpid");
	ioctl(p[0], FIONREAD, &n);
	check_eq(n, 0, "seccomp: the refused batch did not write");
	check_eq(mc_counter("refused_seccomp") - r0, 1, "seccomp: the module counted the refusal");
	return done();
}

static int filter_installed_by_entry(void)
{
	int p[2], n = -1;
	struct mc_entry e[4];
	struct mc_batch b;

	if (pipe(p))
		die("pipe");
	e[0] = E(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
	e[1] = E(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&deny_getpid_prog, 0, 0, 0);
	e[2] = E(SYS_write, p[1], (long)"x", 1, 0, 0, 0);
	e[3] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, 4, 0, 0, &b), 0, "seccomp midway: the batch runs");
	check_eq(e[1].result, 0, "seccomp midway: an entry installs a filter");
	check_eq(e[2].result, -EPERM, "seccomp midway: the next entry gives -EPERM without running");
	check_eq(b.stop_index, 2, "seccomp midway: the batch stops there");
	check_eq(e[3].result, NOT_RUN, "seccomp midway: later entries do not run");
	ioctl(p[0], FIONREAD, &n);
	check_eq(n, 0, "seccomp midway: the refused write did not happen");
	check_eq(mc_run(e + 3, 1, 0, 0, NULL), -EPERM, "seccomp midway: later batches are refused");
	return done();
}

/* An SA_RESTART handler that puts its process under the deny_getpid filter. */
static void install_in_handler(int sig)
{
	(void)sig;
	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &deny_getpid_prog))
		_exit(99);
}

static int filter_installed_by_handler(void)
{
	int in[2], out[2], n = -1;
	char buf[4];
	struct mc_entry e[3];
	struct mc_batch b;
	struct sigaction sa;
	long long r0 = mc_counter("refused_seccomp"), s0 = mc_counter("resumed");
	long r;

	if (pipe(in) || pipe(out))
		die("pipe");
	mc_open();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = install_in_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");
	e[0] = E(SYS_write, out[1], (long)"A", 1, 0, 0, 0);
	e[1] = E(SYS_read, in[0], (long)buf, sizeof(buf), 0, 0, 0); /* blocks */
	e[2] = E(SYS_write, out[1], (long)"B", 1, 0, 0, 0);
	ualarm(300 * 1000, 0);
	r = mc_run(e, 3, 0, 0, &b);
	check_eq(r, 0, "seccomp after a restart: the restarted ioctl is not refused (the batch ran in part)");
	check(e[0].result == 1 && e[1].result == -EPERM && b.stop_index == 1 && e[2].result == NOT_RUN,
	      "seccomp after a restart: the interrupted entry gives -EPERM and stops the batch (%lld %lld)",
	      (long long)e[1].result, (long long)b.stop_index);
	ioctl(out[0], FIONREAD, &n);
	check_eq(n, 1, "seccomp after a restart: only entry 0 wrote, once");
	check_eq(mc_counter("resumed") - s0, 1, "seccomp after a restart: the batch was resumed");
	check_eq(mc_counter("refused_seccomp") - r0, 1, "seccomp after a restart: the module counted the stop");

	/* Under the filter now: a forged resume point runs nothing either. */
	e[0] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	e[1] = E(SYS_write, out[1], (long)"C", 1, 0, 0, 0);
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 2;
	b.iterations = 1;
	b.resume = 1;
	r = mc_ioctl_raw(MC_IOC_RUN, &b);
	check(r == -EPERM && e[0].result == NOT_RUN && e[1].result == NOT_RUN,
	      "seccomp: a forged resume point from a filtered caller is refused with EPERM, nothing runs (%ld)",
	      r);
	n = -1;
	ioctl(out[0], FIONREAD, &n);
	check_eq(n, 1, "seccomp: the forged resume wrote nothing");
	return done();
}

static void *install_tsync(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &deny_getpid_prog))
		return (void *)1;
	return NULL;
}

static int filter_synchronised_by_thread(void)
{
	struct mc_entry e[1] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;
	pthread_t t;
	void *ret;
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("prctl");
	mc_open();
	if (pthread_create(&t, NULL, install_tsync, NULL))
		die("pthread_create");
	r = mc_run(e, 1, MC_BATCH_LOOP, 1ULL << 50, &b);
	pthread_join(t, &ret);
	check(ret == NULL, "seccomp TSYNC: another thread installed a filter on every thread");
	check_eq(r, 0, "seccomp TSYNC: the running loop returns");
	check_eq(e[0].result, -EPERM, "seccomp TSYNC: the loop's next entry gave -EPERM");
	check_eq(b.stop_index, 0, "seccomp TSYNC: the loop stopped at that entry");
	check(b.iterations >= 1 && b.iterations < (1ULL << 50),
	      "seccomp TSYNC: after %llu iterations", (unsigned long long)b.iterations);
	return done();
}

/*
 * The batch a traced child runs: three getpid calls, or (forged) a write to a pipe sent with
 * resume = 1 and iterations = 1, a resume point the module never left. The child exits 0 when
 * the batch ran, 1 when the ioctl gave EPERM and nothing ran, 2 otherwise.
 */
static int traced_child(int forged)
{
	struct mc_entry e[3];
	struct mc_batch b;
	int p[2], n = -1;
	long r;

	if (pipe(p))
		return 2;
	for (int i = 0; i < 3; i++)
		e[i] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (forged)
		e[0] = E(SYS_write, p[1], (long)"x", 1, 0, 0, 0);
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = forged ? 1 : 3;
	b.iterations = forged ? 1 : 0;
	b.resume = forged ? 1 : 0;
	syscall(SYS_getppid); /* marker: window opens */
	r = mc_ioctl_raw(MC_IOC_RUN, &b);
	syscall(SYS_getppid); /* marker: window closes */
	ioctl(p[0], FIONREAD, &n);
	if (r == 0)
		return 0;
	return r == -EPERM && n == 0 && e[0].result == NOT_RUN ? 1 : 2;
}

/*
 * Traces a child with PTRACE_SYSCALL, as strace does, and counts the syscall stops of the
 * child's batch (traced_child). Returns the stops seen between two markers, and the child's
 * exit status through *child_result.
 */
static int traced_batch(int forged, int *child_result)
{
	pid_t pid;
	int status, stops = 0, in_window = 0;

	pid = mct_fork();
	if (pid == 0) {
		mc_open();
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(traced_child(forged));
	}
	waitpid(pid, &status, 0);
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD);
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0))
			break;
		if (waitpid(pid, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			long nr = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, orig_rax), 0);

			if (nr == SYS_getppid)
				in_window++;
			else if (in_window == 2)
				stops++;
		}
	}
	*child_result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return stops;
}

static void test_tracing(void)
{
	const char *param = "/sys/module/multicall/parameters/refuse_traced";
	long long r0;
	int result, stops;
	FILE *f;

	stops = traced_batch(0, &result);
	check_eq(result, 0, "ptrace: a traced caller runs batches (refuse_traced=0)");
	check_eq(stops, 2, "ptrace: the tracer sees the ioctl's entry and exit stops, not the three getpid calls");

	f = fopen(param, "w");
	if (!check(f != NULL, "ptrace: %s is writable by root", param))
		return;
	fputs("1\n", f);
	fclose(f);
	stops = traced_batch(0, &result);
	check_eq(result, 1, "ptrace: with refuse_traced=1 a traced caller gets EPERM");
	r0 = mc_counter("refused_traced");
	traced_batch(1, &result);
	check_eq(result, 1, "ptrace: with refuse_traced=1 a forged resume point gets EPERM and runs nothing");
	check_eq(mc_counter("refused_traced") - r0, 1, "ptrace: the module counted the refusal");
	f = fopen(param, "w");
	if (f) {
		fputs("0\n", f);
		fclose(f);
	}
}

int main(void)
{
	printf("# seccomp and ptrace with /dev/multicall\n");
	check_eq(in_child(filtered_caller), 0, "seccomp: filtered caller (child)");
	check_eq(in_child(filter_installed_by_entry), 0, "seccomp: filter installed by an entry (child)");
	check_eq(in_child(filter_synchronised_by_thread), 0, "seccomp: filter synchronised by a thread (child)");
	check_eq(in_child(filter_installed_by_handler), 0, "seccomp: filter installed by a handler before a restart (child)");
	test_tracing();
	return done();
}
