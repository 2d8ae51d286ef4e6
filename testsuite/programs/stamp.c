/*
 * stamp IN OUT: copy.c's copy under a header line ("# stamp"), then the first byte of the
 * header buffer on stdout in hex. Between its system calls lie loads that code motion must
 * take out of the way (docs/pass.md, "Code motion"): argv[2] between open and creat, as in
 * copy.c, and a load of the global buffer between the header's write and the first read,
 * which overwrites that buffer. Clustered, open -> creat -> write -> read is one multi-call;
 * had the load run after the read, the byte printed would be the input's first.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static char block[N];

/* The error path of every call: the message, and exit status 1. */
static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char *argv[])
{
	static const char header[] = "# stamp\n";
	int inp, out;
	ssize_t n;
	char mark;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	memcpy(block, header, sizeof header - 1);
	inp = open(argv[1], O_RDONLY);
	if (inp < 0)
		return fail(argv[1]);
	out = creat(argv[2], 0666);
	if (out < 0)
		return fail(argv[2]);
	if (write(out, block, sizeof header - 1) != sizeof header - 1)
		return fail("write");
	mark = block[0];
	n = read(inp, block, N);
	while (n > 0) {
		if (write(out, block, n) != n)
			return fail("write");
		n = read(inp, block, N);
	}
	if (n < 0)
		return fail("read");
	close(inp);
	if (close(out) < 0)
		return fail("close");
	printf("%02x\n", (unsigned char)mark);
	return 0;
}
