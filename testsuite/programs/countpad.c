/*
 * countpad IN OUT [COUNT [sync]]: dd's copy loop as a program with an `int` count writes it:
 * both files opened, then tested together (`if (inp < 0 || out < 0)`), at most COUNT blocks
 * copied by `while (count--)` (a negative COUNT copies to the end of the input), the input
 * records counted before the write, a short block padded to a whole one with `sync`, a short
 * or failed write reported and the output records counted after it. clang steps the count
 * before the read and tests the step's result on the way round (`count - 1 == 0`); the
 * padding's way gets its own write, and the loop is one looped multi-call whose read stops on
 * every short block and whose batches run at most the blocks the count has left.
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

static long in_full, in_partial, out_full, out_partial;
static long long total;

static void report(void)
{
	fprintf(stderr, "%ld+%ld records in\n%ld+%ld records out\n%lld bytes copied\n", in_full,
		in_partial, out_full, out_partial, total);
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
		report();
		return 1;
	}
	while (count--) {
		ssize_t n = read(inp, buff, N);
		ssize_t w;

		if (n <= 0) {
			if (n < 0) {
				perror("read");
				report();
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
		w = write(out, buff, n);
		if (w != n) {
			if (w < 0)
				perror("write");
			else {
				out_partial++;
				total += w;
			}
			report();
			return 1;
		}
		if (w == N)
			out_full++;
		else
			out_partial++;
		total += w;
	}
	report();
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
