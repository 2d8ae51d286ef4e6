/*
 * gapflag IN OUT [-v]: a copy that reports each block between its read and its write when
 * asked, as tools that trace their progress do (`n = read(..); if (verbose) fprintf(..);
 * write(..)`), on a file-scope option set before the loop. It counts the blocks and the
 * bytes and reports both at the end, on every way out. Without -v the loop is the batch's;
 * with it, the original's.
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
		if (write(out, buf, n) != n) {
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
