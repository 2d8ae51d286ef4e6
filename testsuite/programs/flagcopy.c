/*
 * flagcopy IN OUT: the copy loop of a program that stops on a flag a signal handler sets
 * (`while (!stop && (n = read(...)) > 0)`, `volatile sig_atomic_t stop`), with SIGXFSZ and
 * SIGPIPE caught and the write's result not checked: a write past the file-size limit fails
 * with EFBIG, the handler sets the flag, and the loop ends at its next test. clang rotates
 * the loop, the flag's test after the write; the pass makes the loop one looped multi-call
 * that reads the flag after each iteration (MC_BATCH_WATCH), so that on every backend the
 * batch ends after the iteration whose write raised the signal, as the loop does. Reports
 * the flag, the blocks and bytes read, errno and the input's offset; exits 3 when the flag
 * ended it.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

int main(int argc, char *argv[])
{
	static char buff[N];
	struct sigaction sa;
	long blocks = 0;
	long long total = 0;
	ssize_t n;
	int inp, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGXFSZ, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
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
	while (!stop && (n = read(inp, buff, N)) > 0) {
		write(out, buff, n);
		blocks++;
		total += n;
	}
	/* errno as the loop's last failed call left it (a full device, the file-size limit). */
	int err = errno;

	fprintf(stderr, "stop=%d blocks=%ld read=%lld errno=%d at=%lld\n", (int)stop, blocks,
		total, err, (long long)lseek(inp, 0, SEEK_CUR));
	return stop ? 3 : 0;
}
