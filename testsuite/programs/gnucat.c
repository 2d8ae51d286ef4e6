/*
 * gnucat IN OUT: coreutils cat's copy loop (simple_cat) over gnulib-style I/O helpers in
 * another translation unit (gnucatio.c): safe_read, a read retried on EINTR whose count is
 * clamped on EINVAL, and full_write, a write-all loop around safe_write, the same retry loop.
 * Build it with link-time optimisation (syscluster build --lto, docs/build.md), e.g.
 *   clang-19 -O2 -g -flto -fuse-ld=lld gnucat.c gnucatio.c -o gnucat
 * After inlining, the hot edge read -> write enters the three loops around the write (the
 * write-all loop, the clamp, the retry): the pass peels their first iterations and takes the
 * read's two tests (r >= 0, then r is neither -1 nor 0) as one stop predicate.
 *
 * A SIGALRM handler without SA_RESTART runs every 2 ms during the copy, so that a read or a
 * write that blocks (a pipe, a terminal) can fail with EINTR and be retried.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "gnucatio.h"

#define BLOCK 4096

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

/* Copies in to out; 0 when done, 1 after a read or write error (reported). */
static int simple_cat(int in, int out, char *buf, size_t size)
{
	for (;;) {
		size_t n = safe_read(in, buf, size);

		if (n == SAFE_READ_ERROR) {
			fprintf(stderr, "gnucat: read error: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			return 0;
		if (full_write(out, buf, n) != n) {
			fprintf(stderr, "gnucat: write error: %s\n", strerror(errno));
			return 1;
		}
	}
}

int main(int argc, char *argv[])
{
	static char buf[BLOCK];
	struct sigaction sa;
	struct itimerval every = { { 0, 2000 }, { 0, 2000 } };
	int in, out, status;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == 0)
		setitimer(ITIMER_REAL, &every, NULL);
	status = simple_cat(in, out, buf, sizeof(buf));
	close(in);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
