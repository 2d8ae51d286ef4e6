/*
 * warncount IN OUT: a copy that tells a failed write from a short one, as many tools do. A
 * failed write ends the program (err), a short write is reported (warnx) and counted, and the
 * copy goes on with the next block; the count of short writes is printed at the end, and
 * nonzero makes the exit status 1.
 *
 * clang rotates the loop so that its header is the write followed by its first test. The
 * pass moves the loop's start to the read (it does not rotate it back): read -> write is then
 * one iteration, and the loop one looped multi-call that carries the count, each short
 * write ending a batch where the report runs as in the original.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define N 4096

int main(int argc, char *argv[])
{
	int inp, out;
	ssize_t n, w;
	long shorts = 0;
	char buff[N];

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	inp = open(argv[1], O_RDONLY);
	if (inp < 0)
		err(1, "%s", argv[1]);
	out = creat(argv[2], 0666);
	if (out < 0)
		err(1, "%s", argv[2]);
	while ((n = read(inp, buff, N)) > 0) {
		w = write(out, buff, n);
		if (w < 0)
			err(1, "write");
		if (w != n) {
			warnx("short write: %zd of %zd bytes", w, n);
			shorts++;
		}
	}
	if (n < 0)
		err(1, "read");
	if (close(out) < 0)
		err(1, "close");
	fprintf(stderr, "%ld short writes\n", shorts);
	return shorts != 0;
}
