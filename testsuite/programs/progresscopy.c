/*
 * progresscopy IN OUT: a copy that reports its progress as many tools do. With PROGRESS in
 * the environment it prints a line per block on standard error (`if (verbose) fprintf(..)`
 * on a flag set before the loop); on SIGUSR1 it prints one line with the bytes copied so far
 * (a `volatile sig_atomic_t` the handler sets and the loop clears once it has reported). The
 * counts come last.
 *
 * Nothing in the loop writes the static verbose flag, so its load leaves the loop: the loop
 * is one looped multi-call that runs when the flag is off (else the original loop runs).
 * The SIGUSR1 flag is read after each iteration as the loop does (MC_BATCH_WATCH): a batch
 * ends after the iteration in which it was set, and the original code goes on after the
 * write, reports, clears it and comes back to the batch.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static int verbose;
static volatile sig_atomic_t report;

static void on_usr1(int sig)
{
	(void)sig;
	report = 1;
}

int main(int argc, char *argv[])
{
	int inp, out;
	ssize_t n;
	long blocks = 0;
	long long total = 0;
	char buff[N];
	struct sigaction sa;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	verbose = getenv("PROGRESS") != NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
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
	while ((n = read(inp, buff, N)) > 0) {
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
		blocks++;
		total += n;
		if (verbose)
			fprintf(stderr, "block %ld: %lld bytes\n", blocks, total);
		if (report) {
			report = 0;
			fprintf(stderr, "progress: %lld bytes\n", total);
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "%ld blocks, %lld bytes\n", blocks, total);
	return 0;
}
