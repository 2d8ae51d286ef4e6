/*
 * whilecount IN OUT: a copy loop written `while ((n = read(...)) > 0)` with a block counter
 * and a total of the bytes written, whose write stops the copy only when it fails (a short
 * write goes on with the next block). clang rotates such a loop into `write; read` iterations
 * (the write taking the n of the read before it); the pass moves the loop's start back to the
 * read (transform/reheader.rs), after which the loop is one looped multi-call carrying the
 * counter and the total. It says on stderr how far it got on every way out.
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
	long long written = 0;
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
		w = write(out, buff, n);
		if (w < 0) {
			perror("write");
			fprintf(stderr, "stopped after %ld blocks, %lld bytes written\n", blocks, written);
			return 1;
		}
		written += w;
		blocks++;
	}
	if (n < 0) {
		perror("read");
		fprintf(stderr, "read failed after %ld blocks, %lld bytes written\n", blocks, written);
		return 1;
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "wrote %lld bytes in %ld blocks\n", written, blocks);
	return 0;
}
