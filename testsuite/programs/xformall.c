/*
 * xformall IN OUT: copyxform's filter with its work inline and its write made by a write-all
 * helper: each block's ASCII letters change case and go into a running checksum, then the
 * block is written whole (a write that EINTR interrupted is made again). Prints the checksum
 * on stdout at the end.
 *
 * The work between the read and the write is a loop, which no multi-call runs, so the pass
 * leaves the read -> write edge alone (the loop's start is not moved to the read: a loop lies
 * between the calls) and rotates the copy loop so that each block's write, the first
 * iteration of the helper's loop peeled, and the next block's read are one multi-call.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

/* Writes all of p[0..n): 0, or -1 with errno set by the write that failed. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static unsigned char buf[N];
	unsigned sum = 0;
	ssize_t n;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: xformall IN OUT\n");
		return 2;
	}
	if ((in = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			unsigned char c = buf[i] | 0x20;

			sum = sum * 31 + buf[i];
			if (c >= 'a' && c <= 'z')
				buf[i] ^= 0x20;
		}
		if (write_all(out, buf, n) < 0) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	printf("%08x\n", sum);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
