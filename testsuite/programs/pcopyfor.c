/*
 * pcopyfor IN OUT: copies IN to OUT with pread and pwrite at the same offsets, written as a
 * `for (;;)` loop that tests the read's result twice, as much C does: `n < 0` is an error,
 * `n == 0` the end. The pass takes `result <= 0` as pread's stop (the two tests together)
 * and, where the batch stops at pread, leaves by the test that fires on that iteration's
 * values; the loop's latch goes round without a test. It says on stderr how far it got on
 * every way out, and at the end checks that neither file's own offset moved.
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
	off_t off = 0;
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
	for (;;) {
		ssize_t n = pread(inp, buff, N, off);
		ssize_t w;

		if (n < 0) {
			perror("pread");
			fprintf(stderr, "pread failed at offset %lld\n", (long long)off);
			return 1;
		}
		if (n == 0)
			break;
		w = pwrite(out, buff, n, off);
		if (w != n) {
			if (w < 0)
				perror("pwrite");
			fprintf(stderr, "wrote %zd of %zd bytes at offset %lld\n", w, n, (long long)off);
			return 1;
		}
		off += n;
	}
	fprintf(stderr, "copied %lld bytes; offsets %lld %lld\n", (long long)off,
		(long long)lseek(inp, 0, SEEK_CUR), (long long)lseek(out, 0, SEEK_CUR));
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
