/*
 * timeoutjump: copy IN to OUT under a timeout, the way programs bound a read that may
 * wait for ever: alarm(SECONDS) (default 10), and a SIGALRM handler that siglongjmps back
 * to main, which reports how far the copy got and exits with status 3. The copy loop, in a
 * helper of its own, counts its blocks and bytes in file-scope variables that main reads
 * after the timeout: the pass must not keep them in registers across the loop, whose
 * blocking read the longjmp leaves.
 *
 *   timeoutjump IN OUT [SECONDS]
 *
 * Exit status: 0 when copied, 1 on an error (reported with perror), 2 on a usage error,
 * 3 on a timeout.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 4096

static sigjmp_buf timed_out;
static long copied, blocks;
static char buf[BLOCK];

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(timed_out, 1);
}

/* Returns 0 at the end of IN, -1 on a failed or short write, -2 on a failed read. */
static __attribute__((noinline)) int copy(int in, int out)
{
	ssize_t n;

	while ((n = read(in, buf, BLOCK)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		copied += n;
		blocks++;
	}
	return n < 0 ? -2 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int in, out, rc;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: timeoutjump IN OUT [SECONDS]\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0644);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (sigsetjmp(timed_out, 1)) {
		fprintf(stderr, "timeoutjump: timed out after %ld bytes in %ld blocks\n", copied,
			blocks);
		return 3;
	}
	alarm(argc == 4 ? (unsigned)atoi(argv[3]) : 10);
	rc = copy(in, out);
	alarm(0);
	if (rc == -1) {
		perror("write");
		return 1;
	}
	if (rc == -2) {
		perror("read");
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "timeoutjump: %ld bytes in %ld blocks\n", copied, blocks);
	return 0;
}
