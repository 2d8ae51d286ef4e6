/*
 * globalrecords IN OUT [COUNT]: countrecords.c with dd's records counters in file-scope
 * variables (`if (n == N) r_full++; else r_partial++;`), which clang increments through a
 * `select` of their two addresses. The pass splits those accesses into accesses of each,
 * keeps both counters in registers across the loop, and makes the loop one looped
 * multi-call whose stops resume it; the counters are reported on every way out.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static long long r_full, r_partial;

int main(int argc, char *argv[])
{
	static char buff[N];
	long count;
	ssize_t n = 0;
	int inp, out;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s IN OUT [COUNT]\n", argv[0]);
		return 2;
	}
	count = argc == 4 ? atol(argv[3]) : 1000;
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
	while (count-- > 0 && (n = read(inp, buff, N)) > 0) {
		if (write(out, buff, n) != n) {
			perror("write");
			fprintf(stderr, "%lld+%lld records\n", r_full, r_partial);
			return 1;
		}
		if (n == N)
			r_full++;
		else
			r_partial++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%lld+%lld records, %ld left\n", r_full, r_partial, count);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
