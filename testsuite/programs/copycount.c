/*
 * copycount IN OUT: copy.c's loop with the bookkeeping real copy loops carry: a block
 * counter, a running total of the bytes read and one of the bytes written (an int, as a
 * program that trusts its writes to be small would keep it). It says on stderr how far it
 * got on every way out, so that each exit of the loop shows the values it left with.
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
	int inp, out, written = 0;
	long blocks = 0;
	long long bytes = 0;
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
	while ((n = read(inp, buff, N)) > 0) {
		blocks++;
		bytes += n;
		w = write(out, buff, n);
		written += w;
		if (w != n) {
			perror("write");
			fprintf(stderr, "stopped in block %ld, %lld bytes read, %d written (last %zd)\n",
				blocks, bytes, written, w);
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		fprintf(stderr, "read failed after %ld blocks, %lld bytes\n", blocks, bytes);
		return 1;
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "copied %lld bytes (%d written) in %ld blocks\n", bytes, written, blocks);
	return 0;
}
