/*
 * minmaxcopy IN OUT: copies IN to OUT in blocks of N bytes and reports the number of
 * blocks, the smallest, the largest and the last (`if (n < min) min = n; if (n > max) max =
 * n; ... last = n;`), as a tool does that reports on the transfers it made. The pass makes
 * the read stop the batch on a short read, so that in every iteration a batch completes the
 * read returned N: the smallest, the largest and the last settle after one iteration (each
 * `smin(init, N)`, `smax(init, N)`, `N`), and the loop is one looped multi-call whose stops
 * resume it, the short block in the original code.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	ssize_t n, min = N + 1, max = 0, last = -1;
	long blocks = 0;
	int inp, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	inp = open(argv[1], O_RDONLY);
	if (inp < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(inp, buff, N)) > 0) {
		if (n < min)
			min = n;
		if (n > max)
			max = n;
		if (write(out, buff, n) != n) {
			perror("write");
			fprintf(stderr, "%ld blocks, smallest %zd, largest %zd\n", blocks, min, max);
			return 1;
		}
		last = n;
		blocks++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%ld blocks, smallest %zd, largest %zd, last %zd\n", blocks,
		blocks ? min : 0, max, last);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
