/*
 * intwrite IN OUT: the copy loop as much C code has it, with `int` counts: the read's
 * count kept in an `int` and tested with a `switch`-like `!= 0` / `== -1`, the write's
 * in another `int` tested for an error, then against the read's count, and a total in
 * an `unsigned` of file scope. The read's count is used after the write, so a stop at
 * the write resumes the loop with the count computed again from the read's result.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static char buf[N];
static unsigned total;

int main(int argc, char *argv[])
{
	int in, out, n, w;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	if ((in = open(argv[1], O_RDONLY)) == -1) {
		perror(argv[1]);
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n == -1) {
			fprintf(stderr, "read: %s after %u bytes\n", strerror(errno), total);
			return 1;
		}
		w = write(out, buf, n);
		if (w == -1) {
			fprintf(stderr, "write: %s after %u bytes\n", strerror(errno), total);
			return 1;
		}
		if (w != n) {
			fprintf(stderr, "short write: %d of %d after %u bytes\n", w, n, total);
			return 1;
		}
		total += w;
	}
	fprintf(stderr, "%u bytes\n", total);
	if (close(in) == -1 || close(out) == -1) {
		perror("close");
		return 1;
	}
	return 0;
}
