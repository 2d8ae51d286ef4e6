/*
 * readfullcount IN OUT: readfull.c counting the blocks it wrote, which it says on stderr on
 * every way out: copies IN to OUT in whole blocks, each filled by a read-until-full helper of
 * its own file (`read_full`, EINTR retried), each written with one checked write, a short
 * block the last. The count keeps clang -O2 from merging the helper's loop into the copy
 * loop: the copy loop's header holds the count, the helper's loop inside it begins with the
 * read and nothing read. The pass copies the write's way back through both headers to the
 * read (the count read so far 0 there) and on to the write, threads the retry's join, and
 * moves the loop's start to the copied read: one looped multi-call read -> write that
 * carries the count, whose read stops on anything but a whole block.
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

/* Reads up to len bytes into b until they are all there or the input ends; the count read,
 * or -1 on an error (errno set by the read that failed). */
static ssize_t read_full(int fd, char *b, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, b + got, len - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

int main(int argc, char *argv[])
{
	static char block[N];
	long blocks = 0;
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
	while ((n = read_full(inp, block, N)) > 0) {
		if (write(out, block, n) != n) {
			perror("write");
			fprintf(stderr, "readfullcount: %ld blocks\n", blocks);
			return 1;
		}
		blocks++;
		if (n < N)
			break;
	}
	if (n < 0) {
		perror("read");
		fprintf(stderr, "readfullcount: %ld blocks\n", blocks);
		return 1;
	}
	fprintf(stderr, "readfullcount: %ld blocks\n", blocks);
	if (close(out) != 0) {
		perror("close");
		return 1;
	}
	return 0;
}
