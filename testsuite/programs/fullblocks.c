/*
 * fullblocks IN OUT: copies IN to OUT block by block until a read returns less than a whole
 * block (the end of a file), which it still writes: `for (;;) { n = read(..); if (n < 0)
 * fail; write(.., n); if (n < N) break; }`, with a block counter. The way round tests the
 * read's result after the write, so the pass gives the read the stop `result != N`
 * (legality/resume.rs): a short read ends the looped batch at the read, and the original
 * code writes that last block and leaves the loop. It says on stderr how far it got on
 * every way out.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	int inp, out;
	long blocks = 0;
	ssize_t n, w;
	char buff[N];

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
	for (;;) {
		n = read(inp, buff, N);
		if (n < 0) {
			perror("read");
			fprintf(stderr, "read failed after %ld blocks\n", blocks);
			return 1;
		}
		w = write(out, buff, n);
		if (w != n) {
			if (w < 0)
				perror("write");
			fprintf(stderr, "wrote %zd of %zd bytes after %ld blocks\n", w, n, blocks);
			return 1;
		}
		blocks++;
		if (n < N)
			break;
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "copied %ld blocks\n", blocks);
	return 0;
}
