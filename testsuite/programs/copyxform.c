/*
 * copyxform IN OUT: copy.c's loop with work between its read and its write that no batch can
 * run: each block's ASCII letters change case before the block is written. The hot edge
 * read -> write is refused (the work is the program's own code), so the loop cannot be one
 * looped multi-call; the pass rotates it so that each iteration ends with write -> read, the
 * next block's read, on a straight line: one multi-call per block.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

/* Swaps the case of the ASCII letters of p[0..n). */
static void flip_case(char *p, ssize_t n)
{
	for (ssize_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i] | 0x20;

		if (c >= 'a' && c <= 'z')
			p[i] ^= 0x20;
	}
}

int main(int argc, char *argv[])
{
	int inp, out;
	ssize_t n;
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
		flip_case(buff, n);
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
