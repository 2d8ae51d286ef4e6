/*
 * mergedfull IN OUT: mergedall.c with gnulib's full_write manner: a write that moves nothing
 * is a full disk (ENOSPC). clang -O2 merges the helper's loop with the copy loop and rotates
 * it: the write is in the shared header, the tests of its result and of what is left follow
 * it. The pass copies the read's way round that header to the write and on back to the read,
 * and the copy loop becomes one looped multi-call headed by the read; after a short write the
 * original loop writes the rest and then enters the batch again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

/* Writes len bytes of p whole; -1 on an error, errno set by the write that failed, or
 * ENOSPC for a write that moved nothing. */
static int full_write(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		len -= w;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	char buf[N];
	ssize_t n;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (full_write(out, buf, n) < 0) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
