/*
 * mergedtop IN OUT: mergedretry.c's copy as a `for (;;)` loop that retries an interrupted
 * read at its top (`if (n < 0 && errno == EINTR) continue; if (n <= 0) break;`), over a
 * write-all helper that tests what is left before each write. clang keeps the loop as
 * written, the write-all loop inside it. The pass peels the write-all loop's first iteration
 * so that the first write follows the read (its copy of `len == 0`, decided by the read's
 * own test, folded away), and the copy loop is one looped multi-call; a read stopped by
 * EINTR or a short write resumes the original loop.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

/* Writes len bytes of p whole; -1 on an error, errno set by the write that failed. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0)
			return -1;
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
	for (;;) {
		n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write_all(out, buf, n) < 0) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
