/*
 * periodcopy IN OUT: a copy that reports its progress every 100 blocks, as tools do
 * (`if (++blocks % 100 == 0) fprintf(..)`), with the bytes copied so far; every way out of
 * the loop reports the blocks and bytes, so that the values each exit leaves behind show.
 *
 * Build with -DN=512 (or any size) to change the block size, -DEVERY=64 to report every 64
 * blocks (a power of 2: a mask instead of a remainder).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef EVERY
#define EVERY 100
#endif

static char buffer[N];

int main(int argc, char *argv[])
{
	long blocks = 0;
	long long bytes = 0;
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
	for (;;) {
		n = read(in, buffer, sizeof buffer);
		if (n <= 0)
			break;
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
		bytes += w;
		if (++blocks % EVERY == 0)
			fprintf(stderr, "%ld blocks, %lld bytes\n", blocks, bytes);
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
	fprintf(stderr, "copied %ld blocks, %lld bytes\n", blocks, bytes);
	return 0;
}
