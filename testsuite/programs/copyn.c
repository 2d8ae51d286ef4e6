/*
 * copyn IN OUT: copies the first LIMIT bytes of IN (all of a shorter IN) to OUT in blocks of
 * at most N bytes, the last one cut to what is left: `while (got < LIMIT) { n = read(inp,
 * buff, min(LIMIT - got, N)); ...; got += n; }`, as a program that copies a known length
 * does (a body of Content-Length bytes, a member of an archive). The count left, LIMIT -
 * got, goes down by each read's result, so the pass makes the loop one looped multi-call
 * that passes N while at least N bytes are left and runs the last, shorter block in the
 * original code. Reports the bytes copied.
 *
 * Build with -DN=512 (or any size) to change the block size, -DLIMIT=... the length.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef LIMIT
#define LIMIT 1000000L
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	long got = 0;
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
	while (got < LIMIT) {
		long want = LIMIT - got < N ? LIMIT - got : N;
		ssize_t n = read(inp, buff, want);

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
		got += n;
	}
	fprintf(stderr, "copied %ld bytes, input at %ld\n", got, (long)lseek(inp, 0, SEEK_CUR));
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
