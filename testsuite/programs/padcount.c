/*
 * padcount IN OUT [COUNT [sync]]: dd's copy loop with an `int` count and conv=sync whose
 * write's test ends the loop: both files opened, then tested together, at most COUNT blocks
 * copied by `while (count--)` (a negative COUNT copies to the end of the input), the input
 * records counted before the write and a short block padded to a whole one with `sync`. clang
 * leaves the loop unrotated, the count tested before the read; the padding's way gets its own
 * write, so the loop has two back edges, which are joined in one latch before the loop is
 * rotated: one looped multi-call whose read stops on every short block and whose batches run
 * at most the blocks the count has left.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static long in_full, in_partial;

static void report(int count)
{
	fprintf(stderr, "%ld+%ld records in, count left %d\n", in_full, in_partial, count);
}

int main(int argc, char *argv[])
{
	static char buff[N];
	int count, inp, out, sync;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: %s IN OUT [COUNT [sync]]\n", argv[0]);
		return 2;
	}
	count = argc >= 4 ? atoi(argv[3]) : -1;
	sync = argc == 5 && strcmp(argv[4], "sync") == 0;
	inp = open(argv[1], O_RDONLY);
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (inp < 0 || out < 0) {
		perror("open");
		return 1;
	}
	while (count--) {
		ssize_t n = read(inp, buff, N);

		if (n <= 0) {
			if (n < 0) {
				perror("read");
				report(count);
				return 1;
			}
			break;
		}
		if (n == N)
			in_full++;
		else
			in_partial++;
		if (sync && n < N) {
			memset(buff + n, 0, N - n);
			n = N;
		}
		if (write(out, buff, n) != n) {
			perror("write");
			report(count);
			return 1;
		}
	}
	report(count);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
