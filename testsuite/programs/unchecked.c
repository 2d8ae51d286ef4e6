/*
 * unchecked IN OUT: a copy loop that does not check its writes,
 * `while ((n = read(...)) > 0) { write(out, buf, n); ... }`, as quick tools write it, counting
 * its blocks and the bytes it read. A failed write (a full disk, a closed descriptor, a
 * file-size limit with SIGXFSZ ignored) does not stop it; errno after the loop is what the
 * last failed call left, and the program says it with its counts. clang rotates the loop; the
 * pass moves its start back to the read and runs it as one looped multi-call whose write
 * stops the batch only to set errno, after which the iteration counts as done and the batch
 * goes round again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	int inp, out;
	long blocks = 0;
	long long bytes = 0;
	ssize_t n;
	char buff[N];

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
	errno = 0;
	while ((n = read(inp, buff, N)) > 0) {
		write(out, buff, n);
		blocks++;
		bytes += n;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "done: %ld blocks, %lld bytes read, %s\n", blocks, bytes,
		errno ? strerror(errno) : "no error");
	close(inp);
	close(out);
	return 0;
}
