/*
 * shortnote IN OUT [BS]: a copy in blocks of BS bytes (4096 unless given; 0 copies nothing)
 * that notes its first short read on standard error, then tests for the end of the input:
 * `if (0 < n && n < bs) note(n); if (n == 0) break;`. Where the read moved the whole block
 * the first test goes on and the second is decided only for a block size above zero: the
 * pass takes the read's stop as "result != argument 2, when it is positive", and the batch
 * runs only where BS is (BS 0 runs the original loop, whose read returns 0 and ends it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BS 65536

static char buf[MAX_BS];
static long shorts;

static void note(ssize_t n, long blocks)
{
	if (shorts++ == 0)
		fprintf(stderr, "short read of %zd bytes after %ld blocks\n", n, blocks);
}

int main(int argc, char *argv[])
{
	long blocks = 0, bytes = 0;
	long bs = 4096;
	char *end;
	int in, out;

	if (argc == 4) {
		errno = 0;
		bs = strtol(argv[3], &end, 10);
		if (errno || *end || end == argv[3] || bs < 0 || bs > MAX_BS) {
			fprintf(stderr, "%s: bad block size '%s'\n", argv[0], argv[3]);
			return 2;
		}
	} else if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT [BS]\n", argv[0]);
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
	for (;;) {
		ssize_t n = read(in, buf, bs);
		if (n < 0) {
			fprintf(stderr, "read: %s after %ld blocks, %ld bytes\n", strerror(errno),
				blocks, bytes);
			return 1;
		}
		if (0 < n && n < bs)
			note(n, blocks);
		if (n == 0)
			break;
		ssize_t w = write(out, buf, n);
		if (w != n) {
			fprintf(stderr, "write: %s after %ld blocks, %ld bytes\n",
				w < 0 ? strerror(errno) : "short write", blocks, bytes);
			return 1;
		}
		blocks++;
		bytes += w;
	}
	fprintf(stderr, "%ld blocks, %ld bytes, %ld short\n", blocks, bytes, shorts);
	return close(out) < 0;
}
