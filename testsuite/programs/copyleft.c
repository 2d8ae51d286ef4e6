/*
 * copyleft IN OUT: copies IN to OUT by the bytes its size says are left (`left =
 * st.st_size; while (left > 0) { n = read(..., N); ...; left -= n; }`), as a program does
 * that copies a file of a known size. The read moves at most N bytes, so from `left` above
 * 0 the loop goes on for at least left / N more iterations: the pass makes it one looped
 * multi-call bounded by that many, and the original code decides after it. A file that
 * shrank (a read of 0 before its size) is reported; one that grew is copied up to the
 * block that passes its size. Reports the bytes left.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	struct stat st;
	off_t left;
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
	if (fstat(inp, &st) < 0) {
		perror("fstat");
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	left = st.st_size;
	while (left > 0) {
		ssize_t n = read(inp, buff, N);

		if (n < 0) {
			perror("read");
			return 1;
		}
		if (n == 0) {
			fprintf(stderr, "%s: shrank, %lld bytes short\n", argv[1], (long long)left);
			break;
		}
		if (write(out, buff, n) != n) {
			perror("write");
			fprintf(stderr, "%lld bytes left\n", (long long)left);
			return 1;
		}
		left -= n;
	}
	fprintf(stderr, "%lld bytes left of %lld, input at %ld\n", (long long)left,
		(long long)st.st_size, (long)lseek(inp, 0, SEEK_CUR));
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
