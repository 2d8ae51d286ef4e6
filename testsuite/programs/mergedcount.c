/*
 * mergedcount IN OUT: mergedall.c's copy over a write-all helper of its own file, adding each
 * block's size to a total before writing it and counting the block once it is written; it
 * reports both on stderr at the end. clang -O2 keeps two loops: the write-all loop's header
 * inside the copy loop tests what is left to write, the read comes back through it, and the
 * total and the count are added to only after the write-all loop, before the next read. The
 * pass copies the read's way through both headers to the write; the inner header then heads
 * one loop for both, the total becomes a phi of it, and the copy loop is one looped
 * multi-call that begins at the read and carries the total (the sum of the reads) and the
 * count (the iterations it began). A short write resumes the original loop with that
 * iteration's total and count.
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
	long blocks = 0, total = 0;
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
		total += n;
		if (write_all(out, buf, n) < 0) {
			perror("write");
			return 1;
		}
		blocks++;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "%ld blocks, %ld bytes\n", blocks, total);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
