/*
 * sigcheck IN OUT: a copy that checks for signals through a helper at the top of each
 * iteration, as GNU dd does (`for (;;) { process_signals(); n = read(..); ... }`): the
 * helper returns at once unless SIGUSR1's flag is set; then it blocks signals, takes the
 * request, prints the records and bytes so far, and on a pending SIGINT cleans up (which
 * checks for signals again: the helper is recursive, so clang keeps it out of line) and
 * exits with status 130.
 *
 * The pass makes the helper's first test before its call, which goes to a copy of the
 * helper past that test; the loop's start moves past the test, the counters stay in
 * registers around the call, and the loop is one looped multi-call that watches the flag.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static volatile sig_atomic_t info_requested, interrupted;
static long records;
static long long bytes;
static int out = -1;

static void process_signals(void);

static void cleanup(void)
{
	process_signals();
	if (out >= 0 && close(out) < 0)
		perror("close");
	fprintf(stderr, "interrupted after %ld records\n", records);
}

static void process_signals(void)
{
	sigset_t all, old;

	if (!info_requested)
		return;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	info_requested = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	fprintf(stderr, "%ld records, %lld bytes\n", records, bytes);
	if (interrupted) {
		interrupted = 0;
		cleanup();
		exit(130);
	}
}

static void on_signal(int sig)
{
	if (sig == SIGINT)
		interrupted = 1;
	info_requested = 1;
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
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) {
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
