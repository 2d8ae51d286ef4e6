/*
 * heapcat IN OUT: gnucat.c with coreutils cat's buffer: memory of its own from the heap
 * (aligned_alloc, a page-aligned block of 128 KiB, cat's io_blksize), freed after the copy.
 * The same helpers in another translation unit (gnucatio.c, built with --lto): full_write
 * finishes a short write from the buffer, so the buffer is read after a stop at the write
 * and nowhere else: the looped multi-call carries MC_BATCH_DEAD_BUFFERS |
 * MC_BATCH_LIVE_AT_STOP, and the runtime's in-kernel copy refills the buffer at such a stop.
 *
 * A SIGALRM handler without SA_RESTART runs every 2 ms during the copy, so that a read or a
 * write that blocks (a pipe, a terminal) can fail with EINTR and be retried.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "gnucatio.h"

#define BLOCK (128 * 1024)

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
			fprintf(stderr, "heapcat: read error: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			return 0;
		if (full_write(out, buf, n) != n) {
			fprintf(stderr, "heapcat: write error: %s\n", strerror(errno));
			return 1;
		}
	}
}

int main(int argc, char *argv[])
{
	char *buf;
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
	buf = aligned_alloc(sysconf(_SC_PAGESIZE), BLOCK);
	if (!buf) {
		perror("aligned_alloc");
		return 1;
	}
	status = simple_cat(in, out, buf, BLOCK);
	free(buf);
	close(in);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
