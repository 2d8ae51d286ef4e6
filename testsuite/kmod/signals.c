// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Signals and batches: SIGALRM interrupts a looped batch blocked on a pipe (the blocked entry
 * reports -EINTR, whatever SA_RESTART says, and the batch stops there); a signal pending at the
 * start of an iteration ends a busy loop so its handler runs; SIGKILL and other fatal signals
 * end a batch at once, blocked or busy; SIGSTOP/SIGCONT leave a loop resumable.
 */
#include "mctest.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define NOT_RUN 0x5a5a5a5a

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void handle(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		die("sigaction");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void blocked_loop(int flags, const char *how)
{
	int p[2];
	char buf[4];
	struct mc_entry e[1];
	struct mc_batch b;
	long long i0 = mc_counter("interrupted");

	if (pipe(p) || write(p[1], "abc", 3) != 3)
		die("pipe");
	handle(SIGALRM, flags);
	handled = 0;
	e[0] = stop(E(SYS_read, p[0], (long)buf, 1, 0, 0, 0), MC_STOP_NONPOS, 0);
	alarm(1);
	check_eq(mc_run(e, 1, MC_BATCH_LOOP, 100, &b), 0, "SIGALRM %s: the blocked loop returns", how);
	check_eq(e[0].result, -EINTR, "SIGALRM %s: the blocked read reports -EINTR", how);
	check_eq(b.stop_index, 0, "SIGALRM %s: the batch stops at the read", how);
	check_eq(b.iterations, 4, "SIGALRM %s: three reads of one byte, then the fourth blocked", how);
	check_eq(handled, 1, "SIGALRM %s: the handler ran once", how);
	check_eq(mc_counter("interrupted") - i0, 1, "SIGALRM %s: the module counted an interrupted batch", how);
	close(p[0]);
	close(p[1]);
}

static void blocked_plain_batch(void)
{
	int p[2], n = -1;
	char buf[4];
	struct mc_entry e[4];
	struct mc_batch b;

	if (pipe(p))
		die("pipe");
	handle(SIGALRM, 0);
	e[0] = E(SYS_write, p[1], (long)"a", 1, 0, 0, 0);
	e[1] = E(SYS_read, p[0], (long)buf, 1, 0, 0, 0); /* takes the "a" */
	e[2] = E(SYS_read, p[0], (long)buf, 1, 0, 0, 0); /* blocks: the pipe is empty */
	e[3] = E(SYS_write, p[1], (long)"b", 1, 0, 0, 0);
	alarm(1);
	check_eq(mc_run(e, 4, 0, 0, &b), 0, "plain batch: returns after SIGALRM");
	check(e[1].result == 1 && e[2].result == -EINTR && b.stop_index == 2,
	      "plain batch: the blocked entry gives -EINTR and stops the batch");
	ioctl(p[0], FIONREAD, &n);
	check(n == 0 && e[3].result == NOT_RUN, "plain batch: the entry after it did not run");
	close(p[0]);
	close(p[1]);
}

static void interrupted_sleep(void)
{
	struct timespec ts = { 10, 0 };
	struct mc_entry e[1] = { E(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0) };
	double t0 = now();

	handle(SIGALRM, SA_RESTART);
	alarm(1);
	check_eq(mc_run(e, 1, 0, 0, NULL), 0, "nanosleep: returns after SIGALRM");
	check_eq(e[0].result, -EINTR, "nanosleep: -ERESTART_RESTARTBLOCK becomes -EINTR");
	check(now() - t0 < 5, "nanosleep: it did not sleep the full 10 s");
}

static void busy_loop_signal(void)
{
	struct mc_entry e[1] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;
	struct itimerval it = { { 0, 0 }, { 0, 200 * 1000 } };
	long long s0 = mc_counter("signal_stops");

	handle(SIGALRM, SA_RESTART);
	handled = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	check_eq(mc_run(e, 1, MC_BATCH_LOOP, 1ULL << 60, &b), 0, "busy loop: returns when a signal is pending");
	check_eq(handled, 1, "busy loop: the handler ran");
	check_eq(b.stop_index, 1, "busy loop: no predicate fired (stop_index is count)");
	check(b.iterations > 0 && b.iterations < (1ULL << 60),
	      "busy loop: stopped between iterations (%llu)", (unsigned long long)b.iterations);
	check_eq(e[0].result, getppid(), "busy loop: the last iteration's result is there");
	check_eq(mc_counter("signal_stops") - s0, 1, "busy loop: the module counted a signal stop");
}

/* A child running a loop that never ends by itself; returns its pid. */
static pid_t looping_child(int blocked)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int p[2];
		char buf[1];
		struct mc_entry e[1];

		if (pipe(p))
			_exit(3);
		if (blocked)
			e[0] = stop(E(SYS_read, p[0], (long)buf, 1, 0, 0, 0), MC_STOP_NONPOS, 0);
		else
			e[0] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
		for (;;) {
			struct mc_batch b;

			if (mc_run(e, 1, MC_BATCH_LOOP, 1ULL << 60, &b))
				_exit(4);
			/* SIGSTOP/SIGCONT end the ioctl early; the loop resumes. */
			if (b.stop_index == 1 && b.iterations < (1ULL << 60))
				_exit(5);
		}
	}
	usleep(300 * 1000);
	return pid;
}

static void fatal_signal(int sig, int blocked, const char *what)
{
	pid_t pid = looping_child(blocked);
	double t0 = now();
	int status;

	kill(pid, sig);
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == sig,
	      "%s ends a %s loop (status %#x)", what, blocked ? "blocked" : "busy", status);
	check(now() - t0 < 5, "%s: at once (%.2f s)", what, now() - t0);
}

static void stop_and_continue(void)
{
	pid_t pid = looping_child(0);
	int status;

	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	check(WIFSTOPPED(status), "SIGSTOP stops a process in a busy loop");
	kill(pid, SIGCONT);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 5,
	      "after SIGCONT the loop's ioctl returned between iterations, resumable (status %#x)", status);
}

int main(void)
{
	printf("# signals and /dev/multicall\n");
	mc_open();
	blocked_loop(0, "without SA_RESTART");
	blocked_loop(SA_RESTART, "with SA_RESTART");
	blocked_plain_batch();
	interrupted_sleep();
	busy_loop_signal();
	fatal_signal(SIGKILL, 1, "SIGKILL");
	fatal_signal(SIGKILL, 0, "SIGKILL");
	fatal_signal(SIGTERM, 0, "SIGTERM (default action)");
	stop_and_continue();
	return done();
}
