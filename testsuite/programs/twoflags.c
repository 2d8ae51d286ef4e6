/*
 * twoflags IN OUT: a copy that tests two signal flags after each block, as a daemon that
 * reports on SIGUSR1 and stops cleanly on SIGTERM does (`if (got_usr1 || got_term)`): the
 * report prints the blocks and bytes copied so far; SIGTERM then ends the copy with status 3.
 * Every way out of the loop reports the blocks copied.
 *
 * The loop is one looped multi-call that reads both flags after each iteration, in the
 * loop's order (MC_BATCH_WATCHES), and ends for the report.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static volatile sig_atomic_t got_usr1, got_term;

static void on_signal(int sig)
{
	if (sig == SIGTERM)
		got_term = 1;
	else
		got_usr1 = 1;
}

__attribute__((noinline)) static void report(long blocks, long long bytes)
{
	got_usr1 = 0;
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
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
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
		if (got_usr1 || got_term) {
			report(blocks, bytes);
			if (got_term) {
				fprintf(stderr, "stopped by SIGTERM\n");
				status = 3;
				break;
			}
		}
	}
	fprintf(stderr, "%ld blocks, %lld bytes\n", blocks, bytes);
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
