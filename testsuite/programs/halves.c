/*
 * halves IN OUT: copies IN to OUT block by block, writing each block in two halves, each
 * write tested by one condition that combines an error test with a test of its length, as
 * much C does: `if (w < 0 || (size_t)w != len)` (an `and` of `w > -1` and `w == len` in
 * clang's IR) and `if (w == -1 || w < (ssize_t)len)` (an `or`). The pass takes such a
 * combination as the stop predicate `result != argument 2`: after it rotates the loop, the
 * second write and the next read are one multi-call, which a short or failed write stops
 * there. The program says on stderr how far it got.
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
	int inp, out;
	ssize_t n, w;
	long long done = 0;
	char buff[N];

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
		size_t first = (size_t)n / 2, second = (size_t)n - first;

		w = write(out, buff, first);
		if (w < 0 || (size_t)w != first) {
			if (w < 0)
				perror("write");
			fprintf(stderr, "first half: wrote %zd of %zu bytes after %lld\n", w, first,
				done);
			return 1;
		}
		w = write(out, buff + first, second);
		if (w == -1 || w < (ssize_t)second) {
			if (w < 0)
				perror("write");
			fprintf(stderr, "second half: wrote %zd of %zu bytes after %lld\n", w, second,
				done + (long long)first);
			return 1;
		}
		done += n;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "copied %lld bytes\n", done);
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
