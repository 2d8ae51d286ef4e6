/*
 * teelike IN OUT: copies IN to OUT and to standard output, block by block, as tee does: a
 * failed or short write to one output is reported and the block still goes to the other;
 * the copy ends after the block at which an output failed, with exit status 1.
 *
 * Its hot sequence is read -> write(OUT) -> write(1) -> read, and the report of a failed
 * write to OUT joins the common code again before the write to standard output (paper
 * section 3.3.2): the pass copies the quiet way past it, so that read -> write -> write is
 * one looped multi-call whose stops resume the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 4096

/* Reports a failed (W < 0) or short write of N bytes to NAME. */
static void report(const char *name, ssize_t w, ssize_t n)
{
	if (w < 0)
		fprintf(stderr, "write %s: %s\n", name, strerror(errno));
	else
		fprintf(stderr, "write %s: %zd of %zd bytes\n", name, w, n);
}

int main(int argc, char *argv[])
{
	static char buff[N];
	int inp, out, status = 0;
	ssize_t n, w;

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
		if (w != n) {
			report(argv[2], w, n);
			status = 1;
		}
		w = write(1, buff, n);
		if (w != n) {
			report("standard output", w, n);
			status = 1;
		}
		if (status)
			break;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
