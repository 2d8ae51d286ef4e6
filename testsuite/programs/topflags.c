/*
 * topflags IN OUT: a copy whose loop begins with a test of two flags, one a SIGUSR1 handler
 * sets and one a SIGHUP handler sets, as daemons check for signals before each read (`for
 * (;;) { if (got_usr1 || got_hup) report(); n = read(..); ... }`): the report prints the
 * blocks and bytes copied so far and clears both flags. Every way out of the loop reports
 * the blocks copied.
 *
 * clang does not rotate the loop (its first test does not leave it); the pass moves its
 * start to the read, past both tests, which then end each iteration: one looped multi-call
 * that reads both flags after each iteration, in the loop's order (MC_BATCH_WATCHES), and
 * ends for the report.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static volatile sig_atomic_t got_usr1, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_usr1 = 1;
}

__attribute__((noinline)) static void report(long blocks, long long bytes)
{
	got_usr1 = 0;
	got_hup = 0;
	fprintf(stderr, "progress: %ld blocks, %lld bytes\n", blocks, bytes);
}

int main(int argc, char *argv[])
{
	char buff[N];
	int inp, out, status = 0;
	long blocks = 0;
	long long bytes = 0;
	ssize_t n;
	struct sigaction sa;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0) {
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
		if (got_usr1 || got_hup)
			report(blocks, bytes);
		n = read(inp, buff, N);
		if (n < 0) {
			perror("read");
			status = 1;
			break;
		}
		if (n == 0)
			break;
		if (write(out, buff, n) != n) {
			fprintf(stderr, "write: %s\n", strerror(errno));
			status = 1;
			break;
		}
		blocks++;
		bytes += n;
	}
	fprintf(stderr, "%ld blocks, %lld bytes\n", blocks, bytes);
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
