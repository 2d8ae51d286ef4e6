/*
 * tracecopy IN OUT [-v]: gapflag.c's copy with its write made by a write-all helper (a loop
 * of its own, as gnulib's full_write or busybox's full_write are), so that the report of each
 * block under -v comes back to the path from the read to the write just where the helper's
 * loop begins. The option is a file-scope variable set before the loop; the copy counts its
 * blocks and bytes and reports both at the end, on every way out. Without -v the loop runs as
 * the copy the pass unswitched it into (one looped multi-call); with it, as the original.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static int verbose;

/* Writes all of buf[0..len) unless a write fails: then -1, errno set by it. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0)
			return -1;
		buf += w;
		len -= w;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static char buf[N];
	int in, out;
	long blocks = 0, bytes = 0;
	ssize_t n;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "-v") != 0)) {
		fprintf(stderr, "usage: %s IN OUT [-v]\n", argv[0]);
		return 2;
	}
	verbose = argc == 4;
	if ((in = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (verbose)
			fprintf(stderr, "block %ld: %zd bytes\n", blocks + 1, n);
		if (write_all(out, buf, n) < 0) {
			fprintf(stderr, "write: %s after %ld blocks, %ld bytes\n", strerror(errno),
				blocks, bytes);
			return 1;
		}
		blocks++;
		bytes += n;
	}
	if (n < 0) {
		fprintf(stderr, "read: %s after %ld blocks, %ld bytes\n", strerror(errno), blocks,
			bytes);
		return 1;
	}
	fprintf(stderr, "%ld blocks, %ld bytes\n", blocks, bytes);
	return close(out) < 0;
}
