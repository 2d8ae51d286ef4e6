/*
 * countrecords IN OUT [COUNT]: copies at most COUNT blocks of N bytes (default 1000) from IN
 * to OUT, as dd count= does (`while (count-- > 0 && (n = read(..)) > 0)`), counting full and
 * partial records as dd does (`n == N ? full++ : part++`), and reports them dd-style.
 *
 * The records counters take a branch on the read's length on the way round, which no stop
 * of the advancing form (a loop bounded by its count) decides: the loop resumes after its
 * stops instead, the read stopping on every short block, and the count's test is a period
 * test made again after each batch. The pass makes the loop one looped multi-call.
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

int main(int argc, char *argv[])
{
	static char buff[N];
	long long full = 0, part = 0;
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
			fprintf(stderr, "%lld+%lld records\n", full, part);
			return 1;
		}
		if (n == N)
			full++;
		else
			part++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%lld+%lld records, %ld left\n", full, part, count);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
