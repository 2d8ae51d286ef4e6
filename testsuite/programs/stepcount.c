/*
 * stepcount IN OUT [LIMIT]: a copy whose loop counter goes up by 3 to LIMIT (`for (i = 0; i <
 * limit; i += 3)`: one block for each 3 of the limit, rounded up), next to a plain count of
 * the blocks copied. A counter of a step other than 1 is no bound of the advancing form, so
 * the pass makes the loop one looped multi-call whose stops resume it, each batch bounded by
 * the iterations until the counter reaches the limit; the blocks are reported on every way
 * out.
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
	long limit, i, blocks = 0;
	ssize_t n = 0;
	int inp, out;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s IN OUT [LIMIT]\n", argv[0]);
		return 2;
	}
	limit = argc == 4 ? atol(argv[3]) : 3000;
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
	for (i = 0; i < limit; i += 3) {
		n = read(inp, buff, N);
		if (n <= 0)
			break;
		if (write(out, buff, n) != n) {
			perror("write");
			fprintf(stderr, "%ld blocks\n", blocks);
			return 1;
		}
		blocks++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%ld blocks, counter at %ld\n", blocks, i);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
