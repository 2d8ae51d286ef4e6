/*
 * teeboth IN OUT: copies IN to OUT and to OUT.copy block by block, both writes of a block
 * tested together after the second (`if (w1 != n || w2 != n)`), as a small tee does. The
 * first write has no test of its own before the second: in the looped multi-call it stops
 * on every result but its length (the read's count), so the test is decided on the way
 * round, and a stop resumes the original code, which writes the second output and tests
 * both as it would have (pass.md 3d, counts a stronger stop decides). It says on stderr how
 * far it got on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];

int main(int argc, char *argv[])
{
	char name[4096];
	long total = 0;
	int in, out, copy, n;

	if (argc != 3 || snprintf(name, sizeof(name), "%s.copy", argv[2]) >= (int)sizeof(name)) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	copy = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (copy < 0) {
		perror(name);
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		int w1 = write(out, buf, n);
		int w2 = write(copy, buf, n);

		if (w1 != n || w2 != n) {
			fprintf(stderr, "teeboth: wrote %d and %d of %d bytes after %ld: %s\n", w1, w2,
				n, total, strerror(errno));
			return 1;
		}
		total += n;
	}
	if (n < 0) {
		fprintf(stderr, "teeboth: read after %ld: %s\n", total, strerror(errno));
		return 1;
	}
	fprintf(stderr, "teeboth: %ld bytes\n", total);
	return 0;
}
