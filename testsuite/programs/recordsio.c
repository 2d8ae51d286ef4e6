/*
 * recordsio IN OUT [COUNT]: busybox dd's copy loop: at most COUNT blocks (an `int`, tested
 * before the read: `count-- > 0 && (n = read(..)) > 0`), the input records counted before
 * the write and the output records after it (`w == N ? out_full++ : out_part++`), in a
 * static struct. clang leaves the loop unrotated, testing the count at its top; the pass
 * splits the choices of the counters, keeps them in registers, rotates the loop so that the
 * count is tested on the way round, and makes it one looped multi-call whose stops resume
 * it; the records are reported on every way out.
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

static struct {
	unsigned in_full, in_part, out_full, out_part;
	long long total;
} G;

static void report(void)
{
	fprintf(stderr, "%u+%u records in\n%u+%u records out\n%lld bytes copied\n", G.in_full,
		G.in_part, G.out_full, G.out_part, G.total);
}

int main(int argc, char *argv[])
{
	char buf[N];
	ssize_t n = 0, w;
	int count, inp, out;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s IN OUT [COUNT]\n", argv[0]);
		return 2;
	}
	count = argc == 4 ? atoi(argv[3]) : 0x7fffffff;
	inp = open(argv[1], O_RDONLY);
	if (inp < 0) {
		perror(argv[1]);
		report();
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0) {
		perror(argv[2]);
		report();
		return 1;
	}
	while (count-- > 0 && (n = read(inp, buf, N)) > 0) {
		if (n == N)
			G.in_full++;
		else
			G.in_part++;
		w = write(out, buf, n);
		if (w < 0) {
			perror("write");
			report();
			return 1;
		}
		if (w == N)
			G.out_full++;
		else
			G.out_part++;
		G.total += w;
		if (w != n) {
			fprintf(stderr, "short write\n");
			report();
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		report();
		return 1;
	}
	report();
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
