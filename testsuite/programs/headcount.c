/*
 * headcount IN OUT: copies at most COUNT blocks of N bytes (dd's count=, head -c by blocks),
 * the first half with a loop that counts up to its bound (`for (i = 0; i < half; i++)`,
 * which clang rotates to test the counter's next value in its latch) and the rest with one
 * that counts down (`while (left--)`, tested at its top). Each loop must be one looped
 * multi-call whose bound is the iterations its counter has left. It says on stderr how far
 * each loop got on every way out.
 *
 * Build with -DN=512 (or any size) to change the block size, -DCOUNT=... the block count.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef COUNT
#define COUNT (1536 * 1024 / N)
#endif

static char buff[N];

int main(int argc, char *argv[])
{
	int inp, out;
	long i, half = COUNT / 2;
	unsigned long left = COUNT - half;
	long long bytes = 0;
	ssize_t n = 0, w;

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
	for (i = 0; i < half; i++) {
		n = read(inp, buff, N);
		if (n <= 0)
			break;
		w = write(out, buff, n);
		if (w != n) {
			fprintf(stderr, "write: %s (block %ld, %lld bytes, last %zd)\n",
				w < 0 ? strerror(errno) : "short", i, bytes, w);
			return 1;
		}
		bytes += n;
	}
	fprintf(stderr, "first loop: %ld blocks, %lld bytes\n", i, bytes);
	if (n < 0) {
		perror("read");
		return 1;
	}
	while (n > 0 && left--) {
		n = read(inp, buff, N);
		if (n <= 0)
			break;
		w = write(out, buff, n);
		if (w < 0) {
			perror("write");
			fprintf(stderr, "stopped with %lu blocks left\n", left);
			return 1;
		}
		if (w != n) {
			fprintf(stderr, "short write with %lu blocks left\n", left);
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "second loop: %lu blocks left\n", left);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
