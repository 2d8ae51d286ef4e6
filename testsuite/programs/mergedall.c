/*
 * mergedall IN OUT: copy.c's loop over a write-all helper of its own file, the commonest
 * careful copy in C. clang -O2 inlines write_all and merges its loop with the copy loop around
 * it: one header tests what is left to write, the read goes back to it with its count, the
 * write with what is left. The pass copies the read's way round that header to the write, and
 * the copy loop becomes one looped multi-call that begins at the read; a short write (a
 * file-size limit, a full disk) resumes the original loop, which writes the rest.
 */
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
	while ((n = read(in, buf, sizeof buf)) > 0) {
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
