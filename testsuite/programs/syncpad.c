/*
 * syncpad IN OUT [COUNT [sync]]: dd's copy loop with conv=sync: after the tests of an error
 * and of the end, the input records are counted (`n == N ? in_full++ : in_partial++`, in
 * file-scope variables) and, with `sync`, a short block is padded with zeros to a whole one
 * (`if (sync && n < N) { memset(buff + n, 0, N - n); n = N; }`) before the write; the output
 * records are counted after it. The pass gives the way past the padding its own copy of the
 * write, so that the padding's way leaves the path, and the read stops the batch on every
 * short block (`result != argument 2`: wherever the padding may run, the original code runs
 * it); the output records' choice is the one the way round's branch on the write's result
 * makes. The loop is one looped multi-call whose stops resume it, and the records are
 * reported on every way out.
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

static unsigned long long in_full, in_partial, out_full, out_partial, total;

static void report(void)
{
	fprintf(stderr, "%llu+%llu records in\n%llu+%llu records out\n%llu bytes copied\n",
		in_full, in_partial, out_full, out_partial, total);
}

int main(int argc, char *argv[])
{
	static char buff[N];
	unsigned long long count, i;
	int inp, out, sync;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: %s IN OUT [COUNT [sync]]\n", argv[0]);
		return 2;
	}
	count = argc >= 4 ? strtoull(argv[3], NULL, 10) : ~0ULL;
	sync = argc == 5 && strcmp(argv[4], "sync") == 0;
	inp = open(argv[1], O_RDONLY);
	if (inp < 0) {
		perror(argv[1]);
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	for (i = 0; i < count; i++) {
		ssize_t n = read(inp, buff, N);
		ssize_t w;

		if (n < 0) {
			perror("read");
			report();
			return 1;
		}
		if (n == 0)
			break;
		if (n == N)
			in_full++;
		else
			in_partial++;
		if (sync && n < N) {
			memset(buff + n, 0, N - n);
			n = N;
		}
		w = write(out, buff, n);
		if (w < 0) {
			perror("write");
			report();
			return 1;
		}
		if (w == N)
			out_full++;
		else
			out_partial++;
		if (w != n) {
			perror("write");
			report();
			return 1;
		}
		total += w;
	}
	report();
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
