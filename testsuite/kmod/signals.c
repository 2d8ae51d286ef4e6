// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Signals and batches, compared with what the same calls made one by one would do:
 *
 *  - an entry blocked in a pipe read and interrupted by a handler WITHOUT SA_RESTART reports
 *    -EINTR, the batch stops there (later entries do not run) and the ioctl fails with EINTR
 *    with the resume point set; the handler runs once;
 *  - WITH SA_RESTART the read is restarted, as a read on its own would be: the handler runs
 *    once, the read gets the data a writer sends later, later entries run with references to
 *    entries before and after the restart point, no entry runs twice; a looped batch keeps
 *    its iteration count across the restart;
 *  - a signal with no handler (SIGSTOP, then SIGCONT) restarts the blocked read transparently;
 *  - a batch resumed by hand goes on at its resume point (plain and looped), with earlier
 *    results taken from user memory;
 *  - nanosleep's -ERESTART_RESTARTBLOCK becomes -EINTR (the one case that cannot resume);
 *  - a signal pending at the start of an iteration ends a busy loop so its handler runs;
 *    SIGKILL and other fatal signals end a batch at once, blocked or busy; SIGSTOP/SIGCONT
 *    leave a busy loop resumable.
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

/* Arms a one-shot ITIMER_REAL of ms milliseconds. */
static void alarm_in(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
}

/*
 * A child that sleeps ms milliseconds, writes data to fd, and exits (closing it); the parent
 * must close its own copy of fd to see end of file after that.
 */
static pid_t writer_after(long ms, int fd, const char *data)
{
	pid_t pid;

	pid = mct_fork();
	if (pid == 0) {
		usleep(ms * 1000);
		_exit(write(fd, data, strlen(data)) == (ssize_t)strlen(data) ? 0 : 1);
	}
	return pid;
}

static void reap(pid_t pid, const char *what)
{
	int status;

	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the writer wrote (status %#x)", what,
	      status);
}

/* Everything in fd (non-blocking reads up to EAGAIN or end of file) as a string. */
static const char *drain(int fd)
{
	static char got[256];
	ssize_t n, len = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (len < (ssize_t)sizeof(got) - 1 && (n = read(fd, got + len, sizeof(got) - 1 - len)) > 0)
		len += n;
	got[len] = 0;
	return got;
}

/*
 * The plain batch of the restart tests:
 *   0: write(out, "A", 1)
 *   1: read(in, buf, 8)            blocks until the writer sends "data"; SIGALRM comes first
 *   2: write(out, buf, result 1)
 *   3: write(out, "Z", result 0)   refers to an entry before the restart point
 */
static void restart_batch(struct mc_entry *e, int in, int out, char *buf)
{
	e[0] = stop(E(SYS_write, out, (long)"A", 1, 0, 0, 0), MC_STOP_NEG, 0);
	e[1] = stop(E(SYS_read, in, (long)buf, 8, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[2] = stop(ref(E(SYS_write, out, (long)buf, 0, 0, 0, 0), 2, 1), MC_STOP_NE_ARG, 2);
	e[3] = ref(E(SYS_write, out, (long)"Z", 0, 0, 0, 0), 2, 0);
}

static void restart_plain(void)
{
	int in[2], out[2];
	char buf[8];
	struct mc_entry e[4];
	struct mc_batch b;
	long long r0 = mc_counter("restarts"), s0 = mc_counter("resumed");
	const char *got;
	pid_t writer;
	long r;

	if (pipe(in) || pipe(out))
		die("pipe");
	handle(SIGALRM, SA_RESTART);
	handled = 0;
	restart_batch(e, in[0], out[1], buf);
	writer = writer_after(1000, in[1], "data");
	alarm_in(300);
	r = mc_run(e, 4, 0, 0, &b);
	reap(writer, "SA_RESTART");
	check_eq(r, 0, "SA_RESTART: the batch completes (the ioctl was restarted, no EINTR)");
	check_eq(handled, 1, "SA_RESTART: the handler ran once");
	check(e[0].result == 1 && e[1].result == 4 && e[2].result == 4 && e[3].result == 1,
	      "SA_RESTART: every entry ran with its own result (%lld %lld %lld %lld)",
	      (long long)e[0].result, (long long)e[1].result, (long long)e[2].result,
	      (long long)e[3].result);
	check_eq(b.stop_index, 4, "SA_RESTART: no predicate fired");
	check_eq(b.resume, 0, "SA_RESTART: resume is 0 again when the batch is done");
	got = drain(out[0]);
	check(strcmp(got, "AdataZ") == 0,
	      "SA_RESTART: the output is \"AdataZ\" (entry 0 ran once, references resolved): \"%s\"", got);
	check_eq(mc_counter("restarts") - r0, 1, "SA_RESTART: the module counted one restart");
	check_eq(mc_counter("resumed") - s0, 1, "SA_RESTART: and one resumed batch");
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

static void interrupted_plain(void)
{
	int in[2], out[2];
	char buf[8];
	struct mc_entry e[4];
	struct mc_batch b;
	long long r0 = mc_counter("restarts"), s0 = mc_counter("resumed");
	long r;

	if (pipe(in) || pipe(out))
		die("pipe");
	handle(SIGALRM, 0);
	handled = 0;
	restart_batch(e, in[0], out[1], buf);
	alarm_in(300);
	r = mc_run(e, 4, 0, 0, &b);
	check_eq(r, -EINTR, "no SA_RESTART: the ioctl fails with EINTR, as the read would");
	check_eq(handled, 1, "no SA_RESTART: the handler ran once");
	check(e[0].result == 1 && e[1].result == -EINTR && b.stop_index == 1,
	      "no SA_RESTART: the blocked read gives -EINTR and stops the batch there");
	check(e[2].result == NOT_RUN && e[3].result == NOT_RUN,
	      "no SA_RESTART: the entries after it did not run");
	check_eq(b.resume, 2, "no SA_RESTART: resume names the interrupted entry (index + 1)");
	check_eq(b.iterations, 1, "no SA_RESTART: iterations is 1");
	check(strcmp(drain(out[0]), "A") == 0, "no SA_RESTART: only entry 0 wrote");
	check_eq(mc_counter("restarts") - r0, 1, "no SA_RESTART: the module counted the restart code");
	check_eq(mc_counter("resumed") - s0, 0, "no SA_RESTART: nothing was resumed");
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

/* Loop: read 1 byte (stop at end of file), write it to out. "abc" first, "de" later, EOF. */
static void blocked_loop(int flags, const char *how)
{
	int in[2], out[2];
	char buf[4];
	struct mc_entry e[2];
	struct mc_batch b;
	pid_t writer;
	long r;

	if (pipe(in) || pipe(out) || write(in[1], "abc", 3) != 3)
		die("pipe");
	handle(SIGALRM, flags);
	handled = 0;
	e[0] = stop(E(SYS_read, in[0], (long)buf, 1, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = stop(ref(E(SYS_write, out[1], (long)buf, 0, 0, 0, 0), 2, 0), MC_STOP_NE_ARG, 2);
	writer = writer_after(1000, in[1], "de");
	close(in[1]);
	alarm_in(300);
	r = mc_run(e, 2, MC_BATCH_LOOP, 100, &b);
	check_eq(handled, 1, "loop %s: the handler ran once", how);
	if (flags & SA_RESTART) {
		check_eq(r, 0, "loop %s: the loop ends by itself (the blocked read was restarted)", how);
		check(b.stop_index == 0 && e[0].result == 0, "loop %s: it ends at end of file", how);
		check_eq(b.iterations, 6, "loop %s: 3 + 2 bytes and the read of 0: the count survived the restart",
			 how);
		check(strcmp(drain(out[0]), "abcde") == 0, "loop %s: every byte copied once", how);
		reap(writer, "loop with SA_RESTART");
	} else {
		check_eq(r, -EINTR, "loop %s: the ioctl fails with EINTR", how);
		check(b.stop_index == 0 && e[0].result == -EINTR && b.resume == 1,
		      "loop %s: the blocked read reports -EINTR, resume 1", how);
		check_eq(b.iterations, 4, "loop %s: three reads of one byte, then the fourth blocked", how);
		check(strcmp(drain(out[0]), "abc") == 0, "loop %s: the first three bytes were copied", how);
		kill(writer, SIGKILL);
		waitpid(writer, NULL, 0);
	}
	close(in[0]);
	close(out[0]);
	close(out[1]);
}

/* SIGSTOP and SIGCONT have no handler: a blocked read is restarted without anyone seeing it. */
static void stop_continue_blocked(void)
{
	int in[2], out[2], status;
	long long r0 = mc_counter("restarts"), s0 = mc_counter("resumed");
	pid_t pid;

	if (pipe(in) || pipe(out))
		die("pipe");
	pid = mct_fork();
	if (pid == 0) {
		struct mc_entry e[4];
		struct mc_batch b;
		char buf[8];

		restart_batch(e, in[0], out[1], buf);
		if (mc_run(e, 4, 0, 0, &b) != 0)
			_exit(1);
		if (b.stop_index != 4 || e[1].result != 4 || e[3].result != 1)
			_exit(2);
		_exit(0);
	}
	usleep(300 * 1000);
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	check(WIFSTOPPED(status), "SIGSTOP stops a process blocked in a batch");
	kill(pid, SIGCONT);
	usleep(200 * 1000);
	if (write(in[1], "data", 4) != 4)
		die("write");
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "after SIGCONT the blocked read went on and the batch completed (status %#x)", status);
	check(strcmp(drain(out[0]), "AdataZ") == 0, "SIGSTOP/SIGCONT: the output is \"AdataZ\"");
	check(mc_counter("restarts") - r0 >= 1 && mc_counter("resumed") - s0 >= 1,
	      "SIGSTOP/SIGCONT: the module restarted and resumed the batch");
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

/* A batch given a resume point by hand goes on there, as a restarted ioctl does. */
static void resume_by_hand(void)
{
	int p[2];
	struct mc_entry e[3];
	struct mc_batch b;
	long r;

	if (pipe(p))
		die("pipe");
	/* Plain: entry 0 "ran" already (result 2 in user memory), go on at entry 1. */
	e[0] = E(SYS_write, p[1], (long)"no", 2, 0, 0, 0);
	e[0].result = 2;
	e[1] = ref(E(SYS_write, p[1], (long)"xy", 0, 0, 0, 0), 2, 0);
	e[2] = E(SYS_write, p[1], (long)"z", 1, 0, 0, 0);
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 3;
	b.iterations = 1;
	b.resume = 2;
	r = mc_ioctl_raw(MC_IOC_RUN, &b);
	check_eq(r, 0, "resume by hand: a plain batch runs");
	check(e[0].result == 2 && e[1].result == 2 && e[2].result == 1 && b.stop_index == 3 &&
		      b.iterations == 1 && b.resume == 0,
	      "resume by hand: entries 1 and 2 ran, entry 1 with entry 0's result from user memory");
	check(strcmp(drain(p[0]), "xyz") == 0, "resume by hand: entry 0 did not run again");

	/* Looped: at entry 1 of iteration 2 of at most 3. */
	e[0] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	e[1] = E(SYS_write, p[1], (long)"w", 1, 0, 0, 0);
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 2;
	b.flags = MC_BATCH_LOOP;
	b.max_iters = 3;
	b.iterations = 2;
	b.resume = 2;
	r = mc_ioctl_raw(MC_IOC_RUN, &b);
	check_eq(r, 0, "resume by hand: a looped batch runs");
	check(b.iterations == 3 && b.stop_index == 2 && b.resume == 0 && e[0].result == getppid(),
	      "resume by hand: it finished iteration 2 and ran iteration 3 (iterations %llu)",
	      (unsigned long long)b.iterations);
	check(strcmp(drain(p[0]), "ww") == 0, "resume by hand: the loop wrote twice, not three times");
	close(p[0]);
	close(p[1]);
}

static void interrupted_sleep(void)
{
	struct timespec ts = { 10, 0 };
	struct mc_entry e[2] = { E(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0), E(SYS_getpid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;
	long long i0 = mc_counter("interrupted");
	double t0 = now();

	handle(SIGALRM, SA_RESTART);
	alarm(1);
	check_eq(mc_run(e, 2, 0, 0, &b), 0, "nanosleep: returns after SIGALRM");
	check_eq(e[0].result, -EINTR, "nanosleep: -ERESTART_RESTARTBLOCK becomes -EINTR");
	check(b.stop_index == 0 && b.resume == 0 && e[1].result == NOT_RUN,
	      "nanosleep: the batch stops there, with no resume point");
	check(now() - t0 < 5, "nanosleep: it did not sleep the full 10 s");
	check_eq(mc_counter("interrupted") - i0, 1, "nanosleep: the module counted an interrupted batch");
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

	pid = mct_fork();
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
	interrupted_plain();
	restart_plain();
	blocked_loop(0, "without SA_RESTART");
	blocked_loop(SA_RESTART, "with SA_RESTART");
	stop_continue_blocked();
	resume_by_hand();
	interrupted_sleep();
	busy_loop_signal();
	fatal_signal(SIGKILL, 1, "SIGKILL");
	fatal_signal(SIGKILL, 0, "SIGKILL");
	fatal_signal(SIGTERM, 0, "SIGTERM (default action)");
	stop_and_continue();
	return done();
}
