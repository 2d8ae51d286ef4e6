/*
 * warnonce IN OUT [-w]: a copy that, with -w, warns once about the first partial read (GNU
 * dd's warn_partial_read: set from the options before the loop, cleared by the loop after
 * its warning, never set by it), and counts its blocks and bytes, reported at the end on
 * every way out. The flag is a file-scope variable the pass keeps in a register; the loop
 * only ever clears it, so the pass versions the loop on it: without -w the loop runs with
 * the flag clear in every iteration (one looped multi-call), with -w a copy of it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static _Bool warn_partial;

int main(int argc, char *argv[])
{
	static char buf[N];
	int in, out;
	long blocks = 0, bytes = 0;
	ssize_t n;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "-w") != 0)) {
		fprintf(stderr, "usage: %s IN OUT [-w]\n", argv[0]);
		return 2;
	}
	warn_partial = argc == 4;
	if ((in = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (warn_partial && n < N) {
			warn_partial = 0;
			fprintf(stderr, "warning: partial read (%zd bytes) after %ld blocks\n", n,
				blocks);
		}
		if (write(out, buf, n) != n) {
			fprintf(stderr, "write: %s after %ld blocks, %ld bytes\n", strerror(errno),
				blocks, bytes);
			return 1;
		}
		blocks++;
		bytes += n;
	}
	if (n < 0) {
		fprintf(stderr, "read: %s after %ld blocks, %ld bytes\n", strerror(errno), blocks,
			bytes);
		return 1;
	}
	fprintf(stderr, "%ld blocks, %ld bytes\n", blocks, bytes);
	return close(out) < 0;
}
