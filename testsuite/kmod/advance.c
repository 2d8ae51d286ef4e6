// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Advancing arguments (MC_BATCH_ADVANCE) in multicall.ko: after each completed iteration an
 * argument goes up or down by a result of that iteration, in the module's copy; the batch
 * ends when an argument with an until bit reaches 0 (or <= 0); a restart goes on with the
 * advanced arguments kept with the resume point, whatever a handler writes over the caller's
 * entries; invalid advances are refused before anything runs, and so is a batch with
 * advances resumed at a point the module did not leave.
 */
#include "mctest.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#define NOT_RUN 0x5a5a5a5a

/*
 * Entry 0 reads 7 bytes into a position that advances by what it read; entry 1 is getppid,
 * whose first argument (which the call ignores) counts remaining down by the same result.
 */
static void chunked(struct mc_entry *e, struct mc_advance *adv, int in, char *buf, long remaining)
{
	e[0] = stop(E(SYS_read, in, (long)buf, 7, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = E(SYS_getppid, remaining, 0, 0, 0, 0, 0);
	memset(adv, 0, 2 * sizeof(*adv));
	adv[0].by[1] = 1;
	adv[1].by[0] = 1;
	adv[1].down = 1 << 0;
}

static void test_advance(void)
{
	struct mc_advance adv[2];
	struct mc_entry e[2];
	struct mc_batch b;
	long long sums[2] = { 0, 0 };
	char buf[64] = { 0 };
	int in = mct_file_of(30);

	chunked(e, adv, in, buf, 1000);
	check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP | MC_BATCH_SUMS | MC_BATCH_ADVANCE, 100, sums, adv,
			      &b), 0, "advance: runs");
	check_eq(b.stop_index, 0, "advance: end of file");
	check_eq(b.iterations, 6, "advance: 7 7 7 7 2 then 0");
	check(memcmp(buf, "abcdefghijklmnopqrstuvwxyzabcd", 30) == 0 && buf[30] == 0,
	      "advance: the reads landed one after the other");
	check_eq(sums[0], 30, "advance: with sums");
	check_eq(e[0].args[1], (long)buf, "advance: the caller's arguments are not written");
	close(in);
}

static void test_until(void)
{
	struct mc_advance adv[2];
	struct mc_entry e[2];
	struct mc_batch b;
	char buf[64];
	int in = mct_file_of(30);

	/* 21 -> 14 -> 7 -> 0 */
	chunked(e, adv, in, buf, 21);
	adv[1].until_zero = 1 << 0;
	check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP | MC_BATCH_ADVANCE, 100, NULL, adv, &b), 0,
		 "until zero: runs");
	check(b.stop_index == 2 && b.iterations == 3, "until zero: ends with count after 3 (%lld %llu)",
	      (long long)b.stop_index, (unsigned long long)b.iterations);
	check_eq(lseek(in, 0, SEEK_CUR), 21, "until zero: no fourth read");
	/* 20 -> 13 -> 6 -> -1: not zero, but <= 0 */
	lseek(in, 0, SEEK_SET);
	chunked(e, adv, in, buf, 20);
	adv[1].until_zero = 1 << 0;
	check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP | MC_BATCH_ADVANCE, 100, NULL, adv, &b), 0,
		 "until zero, passing it: runs");
	check_eq(b.iterations, 6, "until zero, passing it: goes to end of file");
	lseek(in, 0, SEEK_SET);
	chunked(e, adv, in, buf, 20);
	adv[1].until_nonpos = 1 << 0;
	check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP | MC_BATCH_ADVANCE, 100, NULL, adv, &b), 0,
		 "until <= 0: runs");
	check(b.stop_index == 2 && b.iterations == 3, "until <= 0: ends after 3");
	close(in);
}

static void test_invalid(void)
{
	struct mc_advance adv[2];
	struct mc_entry e[2];
	struct mc_batch b;
	char buf[64];
	int in = mct_file_of(30), k;

	for (k = 0; k < 6; k++) {
		static const char *const what[] = {
			"an entry outside the batch", "down for a fixed argument",
			"until for a fixed argument", "a reference that advances",
			"reserved bytes", "until above bit 5",
		};

		chunked(e, adv, in, buf, 5);
		e[1].args[0] = 0;
		switch (k) {
		case 0: adv[0].by[0] = 3; break;
		case 1: adv[0].down = 1 << 3; break;
		case 2: adv[0].until_zero = 1 << 0; break;
		case 3: e[1] = ref(e[1], 0, 0); break;
		case 4: adv[1].reserved[6] = 1; break;
		case 5: adv[1].until_nonpos = 1 << 7; break;
		}
		e[0].result = NOT_RUN;
		check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP | MC_BATCH_ADVANCE, 10, NULL, adv, &b),
			 -EINVAL, "%s: EINVAL", what[k]);
		check_eq(e[0].result, NOT_RUN, "%s: nothing ran", what[k]);
	}
	chunked(e, adv, in, buf, 5);
	check_eq(mc_run_batch(e, 2, MC_BATCH_ADVANCE, 0, NULL, adv, &b), -EINVAL,
		 "advances in a plain batch: EINVAL");
	check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP, 10, NULL, adv, &b), -EINVAL,
		 "advances without the flag: EINVAL");
	check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP | MC_BATCH_ADVANCE, 10, NULL, NULL, &b), -EINVAL,
		 "the flag without advances: EINVAL");
	check_eq(mc_run_batch(e, 2, MC_BATCH_LOOP | MC_BATCH_ADVANCE, 10, NULL,
			      (struct mc_advance *)8, &b), -EFAULT, "unreadable advances: EFAULT");
	check_eq(e[0].result, NOT_RUN, "invalid batches: nothing ran");

	/* A resume point the module did not leave, on a batch whose arguments advance. */
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 2;
	b.flags = MC_BATCH_LOOP | MC_BATCH_ADVANCE;
	b.max_iters = 10;
	b.iterations = 2;
	b.resume = 1;
	b.advances = (uintptr_t)adv;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EINVAL, "forged resume with advances: EINVAL");
	check_eq(e[0].result, NOT_RUN, "forged resume with advances: nothing ran");
	close(in);
}

static struct mc_entry *scribble;
static char other[64];
static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
	scribble[0].args[1] = (long)other;
}

static void test_restart(void)
{
	/*
	 * Iteration 1 reads "xy" into buf; iteration 2 blocks, SIGALRM (SA_RESTART) restarts the
	 * ioctl while its handler points the caller's entry at another buffer; a child writes
	 * "data", which iteration 2 reads at buf + 2; iteration 3 reads end of file.
	 */
	struct itimerval it = { { 0, 0 }, { 0, 300000 } };
	long long r0 = mc_counter("restarts");
	struct mc_advance adv[1];
	struct sigaction sa;
	struct mc_entry e[1];
	struct mc_batch b;
	char buf[64] = { 0 };
	int in[2], status;
	pid_t pid;
	long r;

	if (pipe(in))
		die("pipe");
	if (write(in[1], "xy", 2) != 2)
		die("write");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");
	pid = mct_fork();
	if (pid == 0) {
		usleep(1000 * 1000);
		_exit(write(in[1], "data", 4) == 4 ? 0 : 1);
	}
	close(in[1]);
	e[0] = stop(E(SYS_read, in[0], (long)buf, 8, 0, 0, 0), MC_STOP_NONPOS, 0);
	memset(adv, 0, sizeof(adv));
	adv[0].by[1] = 1;
	scribble = e;
	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
	r = mc_run_batch(e, 1, MC_BATCH_LOOP | MC_BATCH_ADVANCE, 100, NULL, adv, &b);
	waitpid(pid, &status, 0);
	check_eq(r, 0, "restart: the batch completes");
	check_eq(handled, 1, "restart: the handler ran once");
	check_eq(mc_counter("restarts") - r0, 1, "restart: the module restarted the ioctl");
	check_eq(b.iterations, 3, "restart: three iterations");
	check(strcmp(buf, "xydata") == 0 && other[0] == 0,
	      "restart: the advanced position from the module's copy (\"%s\")", buf);
	close(in[0]);
}

int main(void)
{
	test_advance();
	test_until();
	test_invalid();
	test_restart();
	return done();
}
