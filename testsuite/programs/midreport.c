/*
 * midreport IN OUT: a copy that tests a SIGUSR1 flag between each read and its write and,
 * where it is set, reports the blocks and bytes copied so far and the size of the block just
 * read, clears the flag and goes on to write that block (`n = read(..); if (got_usr1)
 * report(n); write(..)`). The counters are file-scope variables the report reads.
 *
 * The report's way comes back to the write: the pass walks on past it, the counters are
 * kept in registers (stored before the report and loaded after it), and the loop is one
 * looped multi-call that reads the flag after the read in each iteration: where it is set,
 * the batch stops at the read and the original code makes the test, reports and writes.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static volatile sig_atomic_t got_usr1;
static long blocks;
static long long bytes;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

__attribute__((noinline)) static void report(ssize_t n)
{
	got_usr1 = 0;
	fprintf(stderr, "%ld blocks, %lld bytes copied; %zd bytes read\n", blocks, bytes, n);
}

int main(int argc, char *argv[])
{
	static char buff[N];
	struct sigaction sa;
	int inp, out, status = 0;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_usr1;
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
		n = read(inp, buff, N);
		if (n < 0) {
			perror("read");
			status = 1;
			break;
		}
		if (n == 0)
			break;
		if (got_usr1)
			report(n);
		if (write(out, buff, n) != n) {
			fprintf(stderr, "write: %s\n", strerror(errno));
			status = 1;
			break;
		}
		blocks++;
		bytes += n;
	}
	fprintf(stderr, "%ld blocks, %lld bytes\n", blocks, bytes);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
