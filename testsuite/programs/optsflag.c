/*
 * optsflag IN OUT [-v]: a copy helper that takes its options by pointer and reports each
 * block between its read and its write when asked (`if (opt->verbose) report(opt, ..)`), as
 * tools with an options structure do; the report writes the structure (it counts the
 * reports), so the flag is loaded again in every iteration. Without -v the loop is the
 * batch's, which loads the flag at its start (no call of the batch writes it); with it, the
 * original's.
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

struct options {
	int verbose;
	long reports;
};

struct options options;

static void report(struct options *opt, long block, ssize_t n)
{
	opt->reports++;
	fprintf(stderr, "block %ld: %zd bytes\n", block, n);
}

/* Copies IN to OUT; returns the bytes copied, or -1 (errno set) on a failed call. */
static long copy(int in, int out, struct options *opt)
{
	static char buf[N];
	long blocks = 0, bytes = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (opt->verbose)
			report(opt, blocks + 1, n);
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
		bytes += n;
	}
	return n < 0 ? -1 : bytes;
}

int main(int argc, char *argv[])
{
	int in, out;
	long bytes;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "-v") != 0)) {
		fprintf(stderr, "usage: %s IN OUT [-v]\n", argv[0]);
		return 2;
	}
	options.verbose = argc == 4;
	if ((in = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		perror(argv[2]);
		return 1;
	}
	bytes = copy(in, out, &options);
	if (bytes < 0) {
		fprintf(stderr, "copy: %s after %ld reports\n", strerror(errno), options.reports);
		return 1;
	}
	fprintf(stderr, "%ld bytes, %ld reports\n", bytes, options.reports);
	return close(out) < 0;
}
