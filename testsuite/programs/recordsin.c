/*
 * recordsin IN OUT [COUNT]: the read loop of dd and busybox dd, in their order: the end of
 * the input leaves before the records are counted, and the input records are counted
 * between the read and the write (`if (n == 0) break; if (n == N) in_full++; else
 * in_partial++;`), in file-scope variables. clang makes the two tests of `n` one `switch`
 * (0 leaves, N and the rest go on to the write) and increments the counters through a
 * choice of their addresses. The pass makes the switch two branches, computes the counters
 * on both ways, keeps them in registers and makes the loop one looped multi-call whose stops
 * resume it; the records are reported on every way out.
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

static unsigned long long in_full, in_partial, total;

static void report(void)
{
	fprintf(stderr, "%llu+%llu records in\n%llu bytes copied\n", in_full, in_partial,
		total);
}

int main(int argc, char *argv[])
{
	static char buff[N];
	unsigned long long count, i;
	int inp, out;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s IN OUT [COUNT]\n", argv[0]);
		return 2;
	}
	count = argc == 4 ? strtoull(argv[3], NULL, 10) : ~0ULL;
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
		w = write(out, buff, n);
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
