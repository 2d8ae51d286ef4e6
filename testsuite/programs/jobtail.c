/*
 * jobtail IN OUT: a copy whose connection-like state keeps its books after the buffer, as a
 * server's `struct conn { int in, out; char buf[N]; size_t bytes; unsigned reads; }` does.
 * The state is main's local variable; the copy loop counts its reads and bytes in the fields
 * after the buffer, with `int` counts. Prints the bytes and reads on stdout at the end.
 *
 * The write is given the count the read returned, which the loop tested to be positive first:
 * at most the read's length, so the write reads the buffer and never the books after it. The
 * books are kept in registers across the loop and the loop is one looped multi-call. A count
 * that a failed read may leave at -1 would keep them in memory.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

struct conn {
	int in, out;
	char buf[N];
	unsigned long long bytes;
	unsigned reads;
};

/* Moves conn's input to its output: 0 at the end of the input, -1 when a read failed, -2
 * when a write failed or came short. */
static int relay(struct conn *c)
{
	for (;;) {
		int n = (int)read(c->in, c->buf, sizeof c->buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		c->reads++;
		if (write(c->out, c->buf, (size_t)n) != n)
			return -2;
		c->bytes += (unsigned)n;
	}
}

int main(int argc, char **argv)
{
	struct conn c;
	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	c.bytes = 0;
	c.reads = 0;
	c.in = open(argv[1], O_RDONLY);
	if (c.in < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	c.out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (c.out < 0) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	int r = relay(&c);
	if (r < 0) {
		int e = errno;
		printf("%llu bytes in %u reads\n", c.bytes, c.reads);
		fprintf(stderr, "%s: %s\n", r == -1 ? "read" : "write", strerror(e));
		return 1;
	}
	if (close(c.out) < 0) {
		perror("close");
		return 1;
	}
	printf("%llu bytes in %u reads\n", c.bytes, c.reads);
	return 0;
}
