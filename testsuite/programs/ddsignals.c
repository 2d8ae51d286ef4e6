/*
 * ddsignals IN OUT: a copy that checks for signals at the top of each iteration through a
 * helper shaped as GNU dd's process_signals: `while (interrupt_signal || info_signal_count)`
 * it blocks the signals, takes one request, prints the records and bytes so far, and on
 * SIGINT closes the output, prints a last line and dies of the signal again (its handler
 * reset), as dd does. SIGUSR1 asks for the statistics.
 *
 * The pass makes the helper's two tests before its call, in that order, which then goes to a
 * copy of the helper past them; the loop's start moves past both tests, and the loop is one
 * looped multi-call that reads both flags after each iteration (MC_BATCH_WATCHES).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static volatile sig_atomic_t interrupt_signal, info_signal_count;
static sigset_t caught_signals;
static long records;
static long long bytes;
static int out = -1;

static void cleanup(void)
{
	if (close(out) < 0)
		perror("close");
	fprintf(stderr, "interrupted after %ld records\n", records);
}

static void process_signals(void)
{
	while (interrupt_signal || info_signal_count) {
		int interrupt, infos;
		sigset_t oldset;

		sigprocmask(SIG_BLOCK, &caught_signals, &oldset);
		interrupt = interrupt_signal;
		infos = info_signal_count;
		if (infos)
			info_signal_count = infos - 1;
		sigprocmask(SIG_SETMASK, &oldset, NULL);
		if (interrupt)
			cleanup();
		fprintf(stderr, "%ld records, %lld bytes\n", records, bytes);
		if (interrupt) {
			signal(interrupt, SIG_DFL);
			raise(interrupt);
		}
	}
}

static void on_interrupt(int sig)
{
	interrupt_signal = sig;
}

static void on_info(int sig)
{
	(void)sig;
	info_signal_count++;
}

int main(int argc, char *argv[])
{
	static char buff[N];
	struct sigaction sa;
	int inp, status = 0;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	sigemptyset(&caught_signals);
	sigaddset(&caught_signals, SIGINT);
	sigaddset(&caught_signals, SIGUSR1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_mask = caught_signals;
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_interrupt;
	if (sigaction(SIGINT, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
	}
	sa.sa_handler = on_info;
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
	}
	inp = open(argv[1], O_RDONLY);
	if (inp < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	for (;;) {
		process_signals();
		n = read(inp, buff, N);
		if (n < 0) {
			perror("read");
			status = 1;
			break;
		}
		if (n == 0)
			break;
		if (write(out, buff, n) != n) {
			perror("write");
			status = 1;
			break;
		}
		records++;
		bytes += n;
	}
	process_signals();
	fprintf(stderr, "%ld records, %lld bytes: done\n", records, bytes);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
