/*
 * reportsince IN OUT: copies IN to OUT in blocks of N bytes and reports on standard error
 * each time 64 KiB more have been copied since the last report (`if (total - last >= STEP) {
 * fprintf(..); last = total; }`, as pv and dd status=progress do), then the total. The way
 * round leaves `last` alone, so the distance `total - last` grows by at most N in each
 * iteration: the pass makes the loop one looped multi-call, each batch bounded to the
 * iterations before the distance may reach the step, after which the original makes the
 * test again and reports.
 *
 * Build with -DN=512 (or any size) to change the block size, -DSTEP=... the report's step.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef STEP
#define STEP 65536ULL
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	unsigned long long total = 0, last = 0;
	ssize_t n;
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
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
		total += n;
		if (total - last >= STEP) {
			fprintf(stderr, "%llu bytes\n", total);
			last = total;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%llu bytes in all\n", total);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
