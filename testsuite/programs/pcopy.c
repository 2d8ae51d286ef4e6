/*
 * pcopy IN OUT: copies IN to OUT with pread and pwrite at the same offsets, as a copier
 * that must not move either file's offset does: `while ((n = pread(in, buf, N, off)) > 0)
 * { if (pwrite(out, buf, n, off) != n) fail; off += n; }`. clang keeps `off += n` before the
 * next pread; after the loop is rotated the offset is a sum of two phis, which the pass folds
 * into one (transform/sums.rs), and the loop becomes one looped multi-call whose offset
 * advances by pread's result in both calls (legality/advance.rs). It says on stderr how far
 * it got on every way out, and at the end checks that neither file's own offset moved.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	int inp, out;
	off_t off = 0;
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
	while ((n = pread(inp, buff, N, off)) > 0) {
		ssize_t w = pwrite(out, buff, n, off);

		if (w != n) {
			if (w < 0)
				perror("pwrite");
			fprintf(stderr, "wrote %zd of %zd bytes at offset %lld\n", w, n, (long long)off);
			return 1;
		}
		off += n;
	}
	if (n < 0) {
		perror("pread");
		fprintf(stderr, "pread failed at offset %lld\n", (long long)off);
		return 1;
	}
	fprintf(stderr, "copied %lld bytes; offsets %lld %lld\n", (long long)off,
		(long long)lseek(inp, 0, SEEK_CUR), (long long)lseek(out, 0, SEEK_CUR));
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
