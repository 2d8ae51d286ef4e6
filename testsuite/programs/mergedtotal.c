/*
 * mergedtotal IN OUT: copy.c's loop over a write-all helper of its own file that retries a
 * write interrupted by a signal (EINTR), takes a write of nothing for a full device (ENOSPC,
 * as gnulib's full_write does) and keeps a file-scope total of the bytes it wrote, reported
 * on stderr at the end. clang -O2 merges the two loops (one header for both, the write in
 * it); the write's way back to the read passes its error tests one after the other. The
 * pass copies the read's way round the header to the write and the write's likeliest way
 * back (its success), with the retry and the zero test beside it; the total, kept in a
 * register across the loop, is carried by the looped multi-call as the sum of the writes'
 * results, and stored back at every exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static long written;

/* Writes len bytes of p whole; -1 on an error, errno set by the write that failed. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		written += w;
		p += w;
		len -= w;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	char buf[N];
	ssize_t n;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write_all(out, buf, n) < 0) {
			perror("write");
			fprintf(stderr, "%ld bytes written\n", written);
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%ld bytes written\n", written);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
