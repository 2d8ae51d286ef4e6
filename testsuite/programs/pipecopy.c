/*
 * pipecopy IN OUT: copies IN to OUT through a pipe of its own, block by block: each block is
 * read from IN, written into the pipe, read back from it and written to OUT. The pipe's
 * descriptors live in the array `pipe` filled, and at -O2 they are loaded from it in every
 * iteration (LLVM cannot know the loop's calls leave it alone); the pass moves those loads
 * out of the loop (transform/hoist.rs), after which the four calls are one looped multi-call.
 * It says on stderr where it stopped and how many blocks went through.
 *
 * Build with -DN=512 (or any size up to the pipe's capacity) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	int inp, out, fds[2];
	long blocks = 0;
	ssize_t n, w, back, put;
	char buff[N], again[N];

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
	if (pipe(fds) < 0) {
		perror("pipe");
		return 1;
	}
	for (;;) {
		n = read(inp, buff, N);
		if (n <= 0)
			break;
		w = write(fds[1], buff, n);
		if (w != n) {
			perror("write to the pipe");
			return 1;
		}
		back = read(fds[0], again, n);
		if (back != n) {
			perror("read from the pipe");
			return 1;
		}
		put = write(out, again, back);
		if (put != back) {
			perror("write");
			fprintf(stderr, "stopped after %ld blocks\n", blocks);
			return 1;
		}
		blocks++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	close(fds[0]);
	close(fds[1]);
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "%ld blocks\n", blocks);
	return 0;
}
