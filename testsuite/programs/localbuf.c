/*
 * localbuf IN OUT: the copy program with its buffer declared inside the loop's body, as much
 * C declares it (`for (;;) { char buff[N]; ... }`): clang marks the buffer's lifetime in every
 * iteration (`llvm.lifetime.start` before the read, `llvm.lifetime.end` on every way out of
 * the body, the back edge included) and rotates the loop, its read moved to the latch. The
 * pass removes the buffer's markers (it then lives for the whole function), moves the loop's
 * start back to the read, and the loop is one looped multi-call whose buffer is dead after
 * it.
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
		char buff[N];
		ssize_t n = read(inp, buff, N);

		if (n < 0) {
			perror("read");
			return 1;
		}
		if (n == 0)
			break;
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
