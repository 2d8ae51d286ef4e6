/*
 * midflag IN OUT: a copy that tests a SIGTERM flag between each read and its write, as a
 * program that must not write a block read after it was asked to stop does (`n = read(..);
 * ...; if (got_term) break; write(..)`), and a SIGUSR1 flag after each block, which asks for
 * a report of the blocks and bytes copied so far. SIGTERM ends the copy with status 3, the
 * block read last not written. Every way out of the loop reports the blocks copied.
 *
 * The pass moves the loop's start to the read; the loop is one looped multi-call that reads
 * the SIGTERM flag after the read, in each iteration, and the SIGUSR1 flag after each
 * iteration (MC_BATCH_WATCHES): where the first says to stop, the batch stops at the read
 * and the original code makes the test.
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
		if (got_term) {
			fprintf(stderr, "stopped by SIGTERM, %zd bytes read not written\n", n);
			status = 3;
			break;
		}
		if (write(out, buff, n) != n) {
			fprintf(stderr, "write: %s\n", strerror(errno));
			status = 1;
			break;
		}
		blocks++;
		bytes += n;
		if (got_usr1)
			report(blocks, bytes);
	}
	fprintf(stderr, "%ld blocks, %lld bytes\n", blocks, bytes);
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
