/*
 * copytwo IN OUT: copies IN to OUT in blocks of N bytes, at most MAXBLOCKS blocks and until
 * at least LIMIT bytes are copied, the two limits tested together in the loop's condition
 * (`for (blocks = 0; blocks < MAXBLOCKS && total < LIMIT; blocks++)`), as a program does that
 * copies a bounded sample. Each test bounds the loop on its own: the counter by the blocks
 * left, the total by the distance to LIMIT at N bytes a block. The pass makes the loop one
 * looped multi-call bounded by the fewer, and the loop's whole test decides after it.
 * Reports the blocks and bytes copied.
 *
 * Build with -DN=512 (or any size) to change the block size, -DMAXBLOCKS=... -DLIMIT=...
 * the limits.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef MAXBLOCKS
#define MAXBLOCKS 240
#endif
#ifndef LIMIT
#define LIMIT 1000000L
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	long total = 0;
	ssize_t n = 0;
	int inp, out, blocks;

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
	for (blocks = 0; blocks < MAXBLOCKS && total < LIMIT; blocks++) {
		n = read(inp, buff, N);
		if (n <= 0)
			break;
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
		total += n;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "copied %d blocks, %ld bytes, input at %ld\n", blocks, total,
		(long)lseek(inp, 0, SEEK_CUR));
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
