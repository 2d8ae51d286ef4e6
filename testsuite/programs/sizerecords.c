/*
 * sizerecords IN OUT [SIZE]: copies blocks of N bytes from IN to OUT until it has copied at
 * least SIZE bytes (default: all of IN) or IN ends, counting full and partial records as dd
 * does (`n == N ? full++ : part++`), and reports them and the bytes copied.
 *
 * The loop's test of the byte total against SIZE and the records counters: the loop
 * resumes after its stops, the read stopping on every short block, so that each completed
 * iteration adds one whole block to the total, a counter by N, whose test against SIZE is a
 * period test made again after each batch. The pass makes the loop one looped multi-call.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	long long full = 0, part = 0, total = 0, size;
	ssize_t n = 0;
	int inp, out;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s IN OUT [SIZE]\n", argv[0]);
		return 2;
	}
	size = argc == 4 ? atoll(argv[3]) : LLONG_MAX;
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
	while (total < size) {
		n = read(inp, buff, N);
		if (n <= 0)
			break;
		if (write(out, buff, n) != n) {
			perror("write");
			fprintf(stderr, "%lld+%lld records\n", full, part);
			return 1;
		}
		total += n;
		if (n == N)
			full++;
		else
			part++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%lld+%lld records, %lld bytes\n", full, part, total);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
