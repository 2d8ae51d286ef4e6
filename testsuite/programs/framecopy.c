/*
 * framecopy IN OUT: copies IN to OUT as frames: each block read from IN is written after a
 * 4-byte header "BLK\n", both through writen, the write-all helper as W. Richard Stevens
 * writes it (a count of bytes left that goes down by each write, `while (nleft > 0)`, a write
 * that EINTR interrupted retried). Prints the number of frames on stderr at the end.
 *
 * Its hot loop is read -> write -> write: the header's write and the block's, each the first
 * iteration of a write-all loop that tests what is left, `nleft - w == 0`, which is the
 * write's result against its length (docs/pass.md, "Stop predicates").
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

/* Writes all of vptr[0..n): n, or -1 with errno set by the write that failed. */
static ssize_t writen(int fd, const void *vptr, size_t n)
{
	size_t nleft = n;
	ssize_t nwritten;
	const char *ptr = vptr;

	while (nleft > 0) {
		if ((nwritten = write(fd, ptr, nleft)) <= 0) {
			if (nwritten < 0 && errno == EINTR)
				nwritten = 0;
			else
				return -1;
		}
		nleft -= nwritten;
		ptr += nwritten;
	}
	return n;
}

int main(int argc, char *argv[])
{
	static char buf[N];
	long frames = 0;
	ssize_t n;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: framecopy IN OUT\n");
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
		if (writen(out, "BLK\n", 4) < 0 || writen(out, buf, n) < 0) {
			perror("write");
			fprintf(stderr, "framecopy: %ld frames written\n", frames);
			return 1;
		}
		frames++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "framecopy: %ld frames\n", frames);
	return 0;
}
