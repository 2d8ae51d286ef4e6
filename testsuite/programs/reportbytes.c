/*
 * reportbytes IN OUT: a copy that reports its progress every 64 KiB copied, as tools that
 * show progress by bytes do (`if (bytes >= next_report) { fprintf(..); next_report +=
 * STEP; }`); every way out of the loop reports the blocks and bytes, so that the values
 * each exit leaves behind show.
 *
 * Build with -DN=512 (or any size) to change the block size, -DSTEP=1000 to report every
 * 1000 bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef STEP
#define STEP 65536
#endif

static char buffer[N];

int main(int argc, char *argv[])
{
	long long bytes = 0, next_report = STEP;
	long blocks = 0;
	ssize_t n, w;
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
	while ((n = read(in, buffer, sizeof buffer)) > 0) {
		w = write(out, buffer, n);
		if (w != n) {
			if (w < 0)
				fprintf(stderr, "write: %s after %ld blocks, %lld bytes\n",
					strerror(errno), blocks, bytes);
			else
				fprintf(stderr, "short write: %zd of %zd after %ld blocks\n", w, n,
					blocks);
			return 1;
		}
		blocks++;
		bytes += w;
		if (bytes >= next_report) {
			fprintf(stderr, "%lld bytes in %ld blocks\n", bytes, blocks);
			next_report += STEP;
		}
	}
	if (n < 0) {
		fprintf(stderr, "read: %s after %ld blocks, %lld bytes\n", strerror(errno), blocks,
			bytes);
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "done: %ld blocks, %lld bytes\n", blocks, bytes);
	return 0;
}
