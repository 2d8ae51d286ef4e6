// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Result sums (MC_BATCH_SUMS) in multicall.ko: each iteration that completes adds every
 * entry's result to its sum, an iteration that stops adds nothing; the sums are the batch's
 * own copy (a read over them changes nothing, a restart goes on from the module's copy while
 * a signal handler scribbles over the caller's); invalid and unreadable sums are refused
 * before anything runs; the 48-byte struct mc_batch of MC_IOC_RUN_VER0 still runs.
 */
#include "mctest.h"

#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>

#define NOT_RUN 0x5a5a5a5a

/* The copy loop: read(in, buf, n) stop <= 0; write(out, buf, result 0) stop != argument 2. */
static void copy_loop(struct mc_entry *e, int in, int out, char *buf, long n)
{
	e[0] = stop(E(SYS_read, in, (long)buf, n, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = stop(ref(E(SYS_write, out, (long)buf, 0, 0, 0, 0), 2, 0), MC_STOP_NE_ARG, 2);
}

static void test_copy(void)
{
	static const size_t lens[] = { 0, 1, 8, 27 };
	unsigned i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int in = mct_file_of(lens[i]), out = open("/dev/null", O_WRONLY);
		long long sums[2] = { 100, -3 };
		struct mc_entry e[2];
		struct mc_batch b;
		char buf[8];

		copy_loop(e, in, out, buf, sizeof(buf));
		check_eq(mc_run_sums(e, 2, MC_BATCH_LOOP | MC_BATCH_SUMS, 1000, sums, &b), 0,
			 "copy %zu: runs", lens[i]);
		check_eq(b.stop_index, 0, "copy %zu: stops at end of file", lens[i]);
		check_eq(b.iterations, (lens[i] + 7) / 8 + 1, "copy %zu: iterations", lens[i]);
		check_eq(sums[0], 100 + (long long)lens[i], "copy %zu: sum of the reads", lens[i]);
		check_eq(sums[1], -3 + (long long)lens[i], "copy %zu: sum of the writes", lens[i]);
		close(in);
		close(out);
	}
}

static void test_stop_leaves_out_its_iteration(void)
{
	/* Two reads of 8 complete; the third reads 3 and its write to a closed pipe fails. */
	int in = mct_file_of(19), p[2];
	long long sums[2] = { 0, 0 };
	struct mc_entry e[2];
	struct mc_batch b;
	char buf[8], sink[16];

	if (pipe(p))
		die("pipe");
	signal(SIGPIPE, SIG_IGN);
	copy_loop(e, in, p[1], buf, sizeof(buf));
	check_eq(mc_run_sums(e, 2, MC_BATCH_LOOP | MC_BATCH_SUMS, 2, sums, &b), 0, "bound: runs");
	check_eq(b.stop_index, 2, "bound: no predicate fired");
	check(sums[0] == 16 && sums[1] == 16, "bound: both iterations counted (%lld %lld)",
	      sums[0], sums[1]);
	if (read(p[0], sink, sizeof(sink)) != 16)
		die("read");
	close(p[0]);
	check_eq(mc_run_sums(e, 2, MC_BATCH_LOOP | MC_BATCH_SUMS, 1000, sums, &b), 0, "stop: runs");
	check_eq(b.stop_index, 1, "stop: at the failed write");
	check_eq(e[0].result, 3, "stop: the read of that iteration");
	check_eq(e[1].result, -EPIPE, "stop: the write failed");
	check(sums[0] == 16 && sums[1] == 16, "stop: the stopped iteration adds nothing (%lld %lld)",
	      sums[0], sums[1]);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
	close(in);
}

static void test_wrap(void)
{
	long long sums[2] = { LLONG_MAX, 7 };
	struct mc_entry e[2] = {
		stop(E(SYS_getppid, 0, 0, 0, 0, 0, 0), MC_STOP_NEG, 0),
		stop(E(SYS_getppid, 0, 0, 0, 0, 0, 0), MC_STOP_NEG, 0),
	};
	long long ppid = getppid();
	struct mc_batch b;

	check_eq(mc_run_sums(e, 2, MC_BATCH_LOOP | MC_BATCH_SUMS, 5, sums, &b), 0, "wrap: runs");
	check_eq(b.iterations, 5, "wrap: the bound");
	check_eq(sums[0], (long long)((unsigned long long)LLONG_MAX + 5 * ppid),
		 "wrap: sums wrap modulo 2^64");
	check_eq(sums[1], 7 + 5 * ppid, "wrap: every entry has its sum");
	/* A plain batch is one iteration: it completes or stops like any other. */
	sums[1] = 0;
	check_eq(mc_run_sums(e, 2, MC_BATCH_SUMS, 0, sums, &b), 0, "plain: runs");
	check_eq(sums[1], ppid, "plain: its one completed iteration counted");
}

static void test_own_copy(void)
{
	/* The batch reads over its own sums array: the module's copy is what comes back. */
	int in = mct_file_of(16);
	long long sums[2] = { 5, 0 };
	struct mc_entry e[1];
	struct mc_batch b;

	e[0] = stop(E(SYS_read, in, (long)sums, sizeof(sums), 0, 0, 0), MC_STOP_NONPOS, 0);
	check_eq(mc_run_sums(e, 1, MC_BATCH_LOOP | MC_BATCH_SUMS, 10, sums, &b), 0, "own copy: runs");
	check_eq(b.iterations, 2, "own copy: one read of 16, then end of file");
	check_eq(sums[0], 5 + 16, "own copy: the sum, not the bytes read over it");
	close(in);
}

static void test_invalid(void)
{
	long long sums[1] = { 0 }, *ro;
	struct mc_entry e[1] = { stop(E(SYS_getppid, 0, 0, 0, 0, 0, 0), MC_STOP_NEG, 0) };
	struct mc_batch b;

	check_eq(mc_run_sums(e, 1, MC_BATCH_LOOP | MC_BATCH_SUMS, 1, NULL, &b), -EINVAL,
		 "MC_BATCH_SUMS without sums: EINVAL");
	check_eq(mc_run_sums(e, 1, MC_BATCH_LOOP, 1, sums, &b), -EINVAL,
		 "sums without MC_BATCH_SUMS: EINVAL");
	check_eq(e[0].result, NOT_RUN, "invalid: nothing ran");
	check_eq(mc_run_sums(e, 1, MC_BATCH_LOOP | MC_BATCH_SUMS, 1, (long long *)8, &b), -EFAULT,
		 "unreadable sums: EFAULT");
	check_eq(e[0].result, NOT_RUN, "unreadable sums: nothing ran");
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		die("mmap");
	check_eq(mc_run_sums(e, 1, MC_BATCH_LOOP | MC_BATCH_SUMS, 1, ro, &b), -EFAULT,
		 "read-only sums: EFAULT");
	check_eq(e[0].result, NOT_RUN, "read-only sums: nothing ran");
	munmap(ro, 4096);
}

static void test_ver0(void)
{
	/* The struct mc_batch of MC_IOC_RUN_VER0 ends before sums. */
	unsigned char raw[MC_BATCH_SIZE_VER0 + 8];
	struct mc_entry e[1] = { E(SYS_getpid, 0, 0, 0, 0, 0, 0) }, nested[1];
	struct mc_batch b;

	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 1;
	b.stop_index = -2;
	memcpy(raw, &b, MC_BATCH_SIZE_VER0);
	/* Bytes past the 48 are not the batch's: garbage there changes nothing. */
	memset(raw + MC_BATCH_SIZE_VER0, 0xff, 8);
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER0, raw), 0, "VER0: a 48-byte batch runs");
	check_eq(e[0].result, getpid(), "VER0: its entry ran");
	memcpy(&b, raw, MC_BATCH_SIZE_VER0);
	check_eq(b.stop_index, 1, "VER0: stop_index written");
	check_eq(raw[MC_BATCH_SIZE_VER0], 0xff, "VER0: nothing written past 48 bytes");
	b.flags = MC_BATCH_SUMS;
	memcpy(raw, &b, MC_BATCH_SIZE_VER0);
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER0, raw), -EINVAL, "VER0: MC_BATCH_SUMS has no sums: EINVAL");

	/* A batch cannot run a batch by either command. */
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 1;
	e[0] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	nested[0] = E(SYS_ioctl, mc_open(), MC_IOC_RUN_VER0, (long)&b, 0, 0, 0);
	check_eq(mc_run_sums(nested, 1, 0, 0, NULL, NULL), 0, "VER0 nested: the outer batch runs");
	check_eq(nested[0].result, -ENOSYS, "VER0 nested: -ENOSYS");
	check_eq(e[0].result, NOT_RUN, "VER0 nested: the inner batch did not run");
}

static long long *scribble;
static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
	scribble[0] = 999999;
	scribble[1] = 999999;
}

static void test_restart(void)
{
	/*
	 * Iteration 1 copies "xy"; iteration 2 blocks in its read, SIGALRM (SA_RESTART) restarts
	 * the ioctl (its handler scribbles over the caller's sums), a child then writes "data":
	 * iteration 2 copies 4, iteration 3 reads end of file.
	 */
	int in[2], out;
	long long sums[2] = { 0, 0 };
	long long r0 = mc_counter("restarts");
	struct itimerval it = { { 0, 0 }, { 0, 300000 } };
	struct sigaction sa;
	struct mc_entry e[2];
	struct mc_batch b;
	char buf[8];
	int status;
	pid_t pid;
	long r;

	if (pipe(in))
		die("pipe");
	out = open("/dev/null", O_WRONLY);
	if (write(in[1], "xy", 2) != 2)
		die("write");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");
	scribble = sums;
	pid = mct_fork();
	if (pid == 0) {
		usleep(1000 * 1000);
		_exit(write(in[1], "data", 4) == 4 ? 0 : 1);
	}
	close(in[1]);
	copy_loop(e, in[0], out, buf, sizeof(buf));
	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
	r = mc_run_sums(e, 2, MC_BATCH_LOOP | MC_BATCH_SUMS, 1000, sums, &b);
	waitpid(pid, &status, 0);
	check_eq(r, 0, "restart: the batch completes");
	check_eq(handled, 1, "restart: the handler ran once");
	check_eq(mc_counter("restarts") - r0, 1, "restart: the module restarted the ioctl");
	check_eq(b.iterations, 3, "restart: three iterations");
	check_eq(b.stop_index, 0, "restart: end of file");
	check(sums[0] == 6 && sums[1] == 6,
	      "restart: sums from the module's copy, not the handler's (%lld %lld)", sums[0], sums[1]);
	close(in[0]);
	close(out);
}

int main(void)
{
	test_copy();
	test_stop_leaves_out_its_iteration();
	test_wrap();
	test_own_copy();
	test_invalid();
	test_ver0();
	test_restart();
	return done();
}
