/*
 * intcopy IN OUT: the copy loop as most C programs write it, with an int count: the write is
 * given the int read returned, and the loop's last count is tested after it to tell the end
 * of the input from a read error. Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	char buf[N];
	int in, out, n, blocks = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	if ((in = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((out = creat(argv[2], 0666)) < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, N)) > 0) {
		if (write(out, buf, n) != n) {
			perror("write");
			fprintf(stderr, "stopped in block %d\n", blocks + 1);
			return 1;
		}
		blocks++;
	}
	if (n < 0) {
		perror("read");
		fprintf(stderr, "read failed after %d blocks\n", blocks);
		return 1;
	}
	fprintf(stderr, "copied %d blocks\n", blocks);
	return close(out) < 0;
}
