/*
 * positivetotal IN OUT: copies IN to OUT and counts the bytes written only when a write
 * wrote some (`w = write(..); if (w > 0) written += w;`), leaving the write unchecked in the
 * loop, as a tool does that copies what it can and reports at the end. clang makes the
 * count `written + smax(w, 0)`: the pass makes the loop one looped multi-call whose write
 * stops the batch on an error (to set errno) while the original goes on, the count of the
 * failed write clipped at 0. Reports the bytes read and written, and fails when they differ.
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
	static char buff[N];
	long got = 0, written = 0;
	ssize_t n;
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
	while ((n = read(inp, buff, N)) > 0) {
		ssize_t w = write(out, buff, n);

		got += n;
		if (w > 0)
			written += w;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "read %ld bytes, wrote %ld\n", got, written);
	if (written != got) {
		perror("write");
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
