/*
 * topflag IN OUT [-v]: a copy whose loop begins with a test of an option set before it, as
 * tools that trace their progress do (`for (;;) { if (verbose) fprintf(..); n = read(..);
 * ... }`): with -v each block is reported before it is read, and every way out of the loop
 * reports the blocks copied. Without -v the loop is the batch's; with it, the original's.
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

int main(int argc, char *argv[])
{
	char buf[N];
	int in, out, verbose;
	long blocks = 0;
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
	for (;;) {
		if (verbose)
			fprintf(stderr, "block %ld\n", blocks + 1);
		n = read(in, buf, sizeof buf);
		if (n < 0) {
			fprintf(stderr, "read: %s after %ld blocks\n", strerror(errno), blocks);
			return 1;
		}
		if (n == 0)
			break;
		if (write(out, buf, n) != n) {
			fprintf(stderr, "write: %s after %ld blocks\n", strerror(errno), blocks);
			return 1;
		}
		blocks++;
	}
	fprintf(stderr, "%ld blocks\n", blocks);
	return close(out) < 0;
}
