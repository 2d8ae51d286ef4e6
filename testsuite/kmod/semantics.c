// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The multi-call semantics of multicall.ko, checked against what the same calls do one by
 * one: order, per-entry results, stop predicates, result references, loops and iteration
 * counts, denied and unknown calls, a batch inside a batch, the module's counters.
 */
#include "mctest.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NOT_RUN 0x5a5a5a5a

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t ? t : "/tmp";
}

static int make_file(const char *name, const char *data, size_t len, char *path, size_t size)
{
	int fd;

	snprintf(path, size, "%s/mc-sem-%d-%s", tmpdir(), getpid(), name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("create %s", path);
	if (len && write(fd, data, len) != (ssize_t)len)
		die("write %s", path);
	if (lseek(fd, 0, SEEK_SET) != 0)
		die("lseek %s", path);
	return fd;
}

static void test_basic(void)
{
	struct mc_entry e[1] = { E(SYS_getpid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;
	long r = mc_run(e, 1, 0, 0, &b);

	check_eq(r, 0, "a one-entry batch runs");
	check_eq(e[0].result, getpid(), "getpid in a batch gives the caller's pid");
	check_eq(b.stop_index, 1, "no predicate fired: stop_index is count");
	check_eq(b.iterations, 1, "a plain batch reports one iteration");
}

static void test_order(void)
{
	int p[2];
	char buf[8] = { 0 };
	struct mc_entry e[4];
	struct mc_batch b;

	if (pipe(p))
		die("pipe");
	e[0] = E(SYS_write, p[1], (long)"a", 1, 0, 0, 0);
	e[1] = E(SYS_write, p[1], (long)"b", 1, 0, 0, 0);
	e[2] = E(SYS_write, p[1], (long)"c", 1, 0, 0, 0);
	e[3] = E(SYS_read, p[0], (long)buf, sizeof(buf), 0, 0, 0);
	check_eq(mc_run(e, 4, 0, 0, &b), 0, "order: batch runs");
	check(strcmp(buf, "abc") == 0, "order: entries ran in order (read back '%s')", buf);
	check(e[0].result == 1 && e[1].result == 1 && e[2].result == 1 && e[3].result == 3,
	      "order: every entry's result written back (%lld %lld %lld %lld)",
	      (long long)e[0].result, (long long)e[1].result, (long long)e[2].result,
	      (long long)e[3].result);
	close(p[0]);
	close(p[1]);
}

static void test_predicates(void)
{
	int p[2];
	char buf[64];
	char path[256];
	int fd = make_file("pred", "0123456789", 10, path, sizeof(path));
	struct mc_entry e[3];
	struct mc_batch b;
	int n;

	if (pipe(p))
		die("pipe");

	/* MC_STOP_NEG stops on an error; the next entry does not run. */
	e[0] = stop(E(SYS_close, -1, 0, 0, 0, 0, 0), MC_STOP_NEG, 0);
	e[1] = E(SYS_write, p[1], (long)"x", 1, 0, 0, 0);
	check_eq(mc_run(e, 2, 0, 0, &b), 0, "stop<0: batch runs");
	check_eq(e[0].result, -EBADF, "stop<0: close(-1) gives -EBADF");
	check_eq(b.stop_index, 0, "stop<0: stop_index names the failing entry");
	check_eq(e[1].result, NOT_RUN, "stop<0: the later entry's result is untouched");
	if (ioctl(p[0], FIONREAD, &n))
		die("FIONREAD");
	check_eq(n, 0, "stop<0: the later entry did not run (pipe empty)");

	/* MC_STOP_NEVER goes on after an error. */
	e[0] = E(SYS_close, -1, 0, 0, 0, 0, 0);
	e[1] = E(SYS_write, p[1], (long)"x", 1, 0, 0, 0);
	check_eq(mc_run(e, 2, 0, 0, &b), 0, "never: batch runs");
	check_eq(b.stop_index, 2, "never: an error does not stop the batch");
	check_eq(e[1].result, 1, "never: the entry after the error ran");
	if (read(p[0], buf, sizeof(buf)) != 1)
		die("drain pipe");

	/* MC_STOP_NONPOS: a positive read goes on, end of file stops. */
	e[0] = stop(E(SYS_read, fd, (long)buf, 4, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = stop(E(SYS_read, fd, (long)buf, 64, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[2] = stop(E(SYS_read, fd, (long)buf, 64, 0, 0, 0), MC_STOP_NONPOS, 0);
	check_eq(mc_run(e, 3, 0, 0, &b), 0, "stop<=0: batch runs");
	check(e[0].result == 4 && e[1].result == 6 && e[2].result == 0,
	      "stop<=0: reads give 4, 6, 0 (%lld %lld %lld)", (long long)e[0].result,
	      (long long)e[1].result, (long long)e[2].result);
	check_eq(b.stop_index, 2, "stop<=0: end of file stops the batch");

	/* MC_STOP_NE_ARG: a short transfer stops, a full one does not. */
	lseek(fd, 0, SEEK_SET);
	e[0] = stop(E(SYS_read, fd, (long)buf, 4, 0, 0, 0), MC_STOP_NE_ARG, 2);
	e[1] = stop(E(SYS_read, fd, (long)buf, 64, 0, 0, 0), MC_STOP_NE_ARG, 2);
	e[2] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, 3, 0, 0, &b), 0, "stop!=arg: batch runs");
	check_eq(b.stop_index, 1, "stop!=arg: the short read (6 of 64) stops the batch");
	check_eq(e[2].result, NOT_RUN, "stop!=arg: the entry after the stop did not run");
	check_eq(lseek(fd, 0, SEEK_CUR), 10, "stop!=arg: file offset is where the calls left it");

	/*
	 * MC_STOP_NE_ARG on an error equal to its argument: a read of 2^64 - 14 bytes fails with
	 * EFAULT (-14), which is no transfer of that count: the batch stops there.
	 */
	e[0] = stop(E(SYS_read, fd, (long)buf, -EFAULT, 0, 0, 0), MC_STOP_NE_ARG, 2);
	e[1] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, 2, 0, 0, &b), 0, "stop!=arg on -errno: batch runs");
	check_eq(e[0].result, -EFAULT, "stop!=arg on -errno: the read fails with EFAULT");
	check_eq(b.stop_index, 0, "stop!=arg on -errno: the error stops the batch");
	check_eq(e[1].result, NOT_RUN, "stop!=arg on -errno: the entry after the stop did not run");

	close(fd);
	unlink(path);
	close(p[0]);
	close(p[1]);
}

static void test_references(void)
{
	char in_path[256], out_path[256];
	int in = make_file("refin", "hello, world", 12, in_path, sizeof(in_path));
	int out = make_file("refout", "", 0, out_path, sizeof(out_path));
	char buf[512], back[64] = { 0 };
	struct mc_entry e[3];
	struct mc_batch b;

	/* read n; write n (n is entry 0's result); NE_ARG compares with the substituted n. */
	e[0] = stop(E(SYS_read, in, (long)buf, sizeof(buf), 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = stop(ref(E(SYS_write, out, (long)buf, 0, 0, 0, 0), 2, 0), MC_STOP_NE_ARG, 2);
	/* lseek(out, n, SEEK_SET): a reference may feed any argument. */
	e[2] = ref(E(SYS_lseek, out, 0, SEEK_SET, 0, 0, 0), 1, 0);
	check_eq(mc_run(e, 3, 0, 0, &b), 0, "refs: batch runs");
	check_eq(e[1].result, 12, "refs: write got the read's result as its count");
	check_eq(b.stop_index, 3, "refs: NE_ARG compares with the substituted argument");
	check_eq(e[2].result, 12, "refs: a reference can feed any argument (lseek offset)");
	if (pread(out, back, sizeof(back), 0) != 12 || memcmp(back, "hello, world", 12))
		check(0, "refs: the written file holds the 12 bytes read");
	else
		check(1, "refs: the written file holds the 12 bytes read");

	/* A reference to a failed entry passes the raw -errno on. */
	e[0] = E(SYS_close, -1, 0, 0, 0, 0, 0);
	e[1] = ref(E(SYS_close, 0, 0, 0, 0, 0, 0), 0, 0); /* close(-EBADF) */
	check_eq(mc_run(e, 2, 0, 0, &b), 0, "refs: batch with a failed referenced entry runs");
	check_eq(e[1].result, -EBADF, "refs: the raw negative result is the argument");

	close(in);
	close(out);
	unlink(in_path);
	unlink(out_path);
}

static void test_loops(void)
{
	char in_path[256], out_path[256];
	char data[1000], back[1100];
	int in, out;
	struct mc_entry e[2], g[1];
	struct mc_batch b;
	int i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	in = make_file("loopin", data, sizeof(data), in_path, sizeof(in_path));
	out = make_file("loopout", "", 0, out_path, sizeof(out_path));
	char buf[100];

	e[0] = stop(E(SYS_read, in, (long)buf, sizeof(buf), 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = stop(ref(E(SYS_write, out, (long)buf, 0, 0, 0, 0), 2, 0), MC_STOP_NE_ARG, 2);
	check_eq(mc_run(e, 2, MC_BATCH_LOOP, 1000, &b), 0, "loop: copy loop runs");
	check_eq(b.iterations, 11, "loop: 10 full iterations and the one that met end of file");
	check_eq(b.stop_index, 0, "loop: stopped at the read");
	check_eq(e[0].result, 0, "loop: the read's last result is end of file");
	check_eq(e[1].result, 100, "loop: the write keeps its result from the last iteration it ran");
	check(pread(out, back, sizeof(back), 0) == 1000 && memcmp(back, data, 1000) == 0,
	      "loop: the copy is byte-identical");

	g[0] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(g, 1, MC_BATCH_LOOP, 5, &b), 0, "loop: bounded loop runs");
	check_eq(b.iterations, 5, "loop: max_iters bounds the iterations");
	check_eq(b.stop_index, 1, "loop: no predicate fired");
	check_eq(mc_run(g, 1, MC_BATCH_LOOP, 1, &b), 0, "loop: one-iteration loop runs");
	check_eq(b.iterations, 1, "loop: max_iters 1 runs once");

	/* A loop that stops in its first iteration. */
	lseek(in, 0, SEEK_END);
	check_eq(mc_run(e, 2, MC_BATCH_LOOP, 1000, &b), 0, "loop: empty copy runs");
	check_eq(b.iterations, 1, "loop: stopping in the first iteration counts one");
	check_eq(b.stop_index, 0, "loop: empty input stops at the read");

	close(in);
	close(out);
	unlink(in_path);
	unlink(out_path);
}

static void test_denied(void)
{
	static const unsigned denied[] = {
		SYS_rt_sigreturn, SYS_clone, SYS_clone3, SYS_fork, SYS_vfork, SYS_execve,
		SYS_execveat, SYS_exit, SYS_exit_group, SYS_iopl,
	};
	const unsigned n = sizeof(denied) / sizeof(denied[0]);
	struct mc_entry e[16];
	struct mc_batch b;
	long long before = mc_counter("denied");
	unsigned i;
	int all = 1;

	for (i = 0; i < n; i++)
		e[i] = E(denied[i], 3, 0, 0, 0, 0, 0);
	e[n] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, n + 1, 0, 0, &b), 0, "denied: batch runs");
	for (i = 0; i < n; i++)
		all &= e[i].result == -ENOSYS;
	check(all, "denied: fork, clone, execve, exit, exit_group, rt_sigreturn, iopl... give -ENOSYS");
	check_eq(e[n].result, getpid(), "denied: the process is still here after exit_group");
	check_eq(raw(SYS_wait4, -1, 0, WNOHANG, 0, 0, 0), -ECHILD, "denied: fork and clone made no child");
	check_eq(b.stop_index, n + 1, "denied: -ENOSYS does not stop a batch without a predicate");
	check_eq(mc_counter("denied") - before, n, "denied: the module counted the denied entries");

	e[0] = stop(E(SYS_fork, 0, 0, 0, 0, 0, 0), MC_STOP_NEG, 0);
	e[1] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, 2, 0, 0, &b), 0, "denied: with a predicate");
	check_eq(b.stop_index, 0, "denied: the predicate is tested on -ENOSYS");

	/* Numbers the kernel does not have. */
	e[0] = E(1000, 0, 0, 0, 0, 0, 0);
	e[1] = E(0xffffffffu, 0, 0, 0, 0, 0, 0);
	e[2] = E(0x40000000u | SYS_getpid, 0, 0, 0, 0, 0, 0); /* x32 numbering */
	e[3] = E(600, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, 4, 0, 0, &b), 0, "unknown numbers: batch runs");
	check(e[0].result == -ENOSYS && e[1].result == -ENOSYS && e[2].result == -ENOSYS &&
		      e[3].result == -ENOSYS,
	      "unknown numbers give -ENOSYS (1000, 0xffffffff, x32 getpid, 600)");
}

static void test_nested(void)
{
	struct mc_entry inner[1] = { E(SYS_getpid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch ib;
	struct mc_entry e[2];
	struct mc_batch b;
	int p[2], n = -1;

	memset(&ib, 0, sizeof(ib));
	ib.entries = (uintptr_t)inner;
	ib.count = 1;
	e[0] = E(SYS_ioctl, mc_open(), MC_IOC_RUN, (long)&ib, 0, 0, 0);
	check_eq(mc_run(e, 1, 0, 0, &b), 0, "nested: batch runs");
	check_eq(e[0].result, -ENOSYS, "nested: a batch cannot run a batch (-ENOSYS)");
	check_eq(inner[0].result, NOT_RUN, "nested: the inner batch did not run");

	if (pipe(p))
		die("pipe");
	if (write(p[1], "abc", 3) != 3)
		die("write");
	e[0] = E(SYS_ioctl, p[0], FIONREAD, (long)&n, 0, 0, 0);
	check_eq(mc_run(e, 1, 0, 0, &b), 0, "ioctl: batch runs");
	check(e[0].result == 0 && n == 3, "ioctl: other ioctls run (FIONREAD gives 3)");
	close(p[0]);
	close(p[1]);

	check_eq(mc_ioctl_raw(_IO(MC_IOC_MAGIC, 2), NULL), -ENOTTY, "an unknown command gives ENOTTY");
	check_eq(mc_ioctl_raw(_IOWR(MC_IOC_MAGIC, 1, char[40]), &b), -ENOTTY,
		 "MC_IOC_RUN with another size gives ENOTTY");
}

static void test_sizes(void)
{
	struct mc_entry e[MC_MAX_ENTRIES];
	struct mc_batch b;
	unsigned sizes[] = { 4, 5, MC_MAX_ENTRIES };
	unsigned s, i;

	for (s = 0; s < 3; s++) {
		int all = 1;

		for (i = 0; i < sizes[s]; i++)
			e[i] = E(i % 2 ? SYS_getpid : SYS_getppid, 0, 0, 0, 0, 0, 0);
		check_eq(mc_run(e, sizes[s], 0, 0, &b), 0, "%u entries: batch runs", sizes[s]);
		for (i = 0; i < sizes[s]; i++)
			all &= e[i].result == (i % 2 ? getpid() : getppid());
		check(all, "%u entries: every result is right", sizes[s]);
		check_eq(b.stop_index, sizes[s], "%u entries: stop_index is count", sizes[s]);
	}
}

static void test_writeback(void)
{
	struct mc_entry e[3], copy[3];
	unsigned i;
	int same = 1;

	e[0] = stop(E(SYS_getpid, 11, 22, 33, 44, 55, 66), MC_STOP_NEG, 0);
	e[1] = ref(E(SYS_getppid, 1, 0, 3, 4, 5, 6), 1, 0);
	e[2] = stop(E(SYS_close, -1, 0, 0, 0, 0, 0), MC_STOP_NE_ARG, 5);
	memcpy(copy, e, sizeof(e));
	check_eq(mc_run(e, 3, 0, 0, NULL), 0, "write-back: batch runs");
	for (i = 0; i < 3; i++) {
		copy[i].result = e[i].result;
		same &= memcmp(&copy[i], &e[i], sizeof(e[i])) == 0;
	}
	check(same, "write-back: only the result fields change");
}

static void test_counters(void)
{
	struct mc_entry e[3];
	long long b0 = mc_counter("batches"), n0 = mc_counter("entries"),
		  i0 = mc_counter("iterations"), s0 = mc_counter("stops"),
		  v0 = mc_counter("refused_invalid");
	struct mc_batch b;

	e[0] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	e[1] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	e[2] = stop(E(SYS_close, -1, 0, 0, 0, 0, 0), MC_STOP_NEG, 0);
	check(b0 >= 0 && n0 >= 0, "counters: /sys/class/misc/multicall/ is readable");
	mc_run(e, 3, MC_BATCH_LOOP, 100, &b);
	mc_run(e, 2, MC_BATCH_LOOP, 7, &b);
	mc_run(e, 0, 0, 0, &b);
	check_eq(mc_counter("batches") - b0, 2, "counters: two batches ran");
	check_eq(mc_counter("iterations") - i0, 1 + 7, "counters: 1 + 7 iterations");
	check_eq(mc_counter("entries") - n0, 3 + 14, "counters: 3 + 14 entries dispatched");
	check_eq(mc_counter("stops") - s0, 1, "counters: one predicate stop");
	check_eq(mc_counter("refused_invalid") - v0, 1, "counters: one invalid batch refused");
}

static void test_fork_shares_fd(void)
{
	pid_t pid;
	int status;

	mc_open();
	pid = mct_fork();
	if (pid == 0) {
		struct mc_entry e[1] = { E(SYS_getpid, 0, 0, 0, 0, 0, 0) };
		_exit(mc_run(e, 1, 0, 0, NULL) == 0 && e[0].result == getpid() ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fork: a child runs batches on the inherited descriptor as itself");
}

/* A close takes full effect before the next entry, as it does before the next system call. */
static void test_close_then_use(void)
{
	struct mc_entry e[3];
	struct mc_batch b;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	if (pipe(p))
		die("pipe");
	e[0] = E(SYS_close, p[0], 0, 0, 0, 0, 0);
	e[1] = stop(E(SYS_write, p[1], (long)"x", 1, 0, 0, 0), MC_STOP_NEG, 0);
	e[2] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, 3, 0, 0, &b), 0, "close then write: batch runs");
	check_eq(e[1].result, -EPIPE, "close then write: the pipe's reader is gone at once (-EPIPE)");
	check_eq(b.stop_index, 1, "close then write: the error stops the batch");
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

static void test_errno_results(void)
{
	struct mc_entry e[2];
	char buf[4];

	e[0] = E(SYS_openat, AT_FDCWD, (long)"/nonexistent/file", O_RDONLY, 0, 0, 0);
	e[1] = E(SYS_read, -1, (long)buf, 1, 0, 0, 0);
	check_eq(mc_run(e, 2, 0, 0, NULL), 0, "errno: batch runs");
	check_eq(e[0].result, -ENOENT, "errno: openat of a missing file gives -ENOENT");
	check_eq(e[1].result, -EBADF, "errno: read of a bad descriptor gives -EBADF");
}

int main(void)
{
	printf("# semantics of /dev/multicall\n");
	test_basic();
	test_order();
	test_predicates();
	test_references();
	test_loops();
	test_denied();
	test_nested();
	test_sizes();
	test_writeback();
	test_counters();
	test_fork_shares_fd();
	test_errno_results();
	test_close_then_use();
	return done();
}
