/*
 * pcopydo IN OUT: copies IN to OUT with pread and pwrite at the same offsets in a do-while
 * loop, as much C writes it: the write happens only for a block that is not the end, and its
 * result is tested for an error and then against the block's length (`w < n`, which clang
 * compares unsigned once `w >= 0` is known). The two tests are pwrite's stop predicate
 * `result != argument 2` together, and the offset advances by what pwrite wrote. It says on
 * stderr how far it got on every way out, and at the end checks that neither file's own
 * offset moved.
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
	do {
		n = pread(inp, buff, N, off);
		if (n < 0) {
			perror("pread");
			fprintf(stderr, "pread failed at offset %lld\n", (long long)off);
			return 1;
		}
		if (n > 0) {
			ssize_t w = pwrite(out, buff, n, off);

			if (w < 0) {
				perror("pwrite");
				fprintf(stderr, "pwrite failed at offset %lld\n", (long long)off);
				return 1;
			}
			if (w < n) {
				fprintf(stderr, "wrote %zd of %zd bytes at offset %lld\n", w, n,
					(long long)off);
				return 1;
			}
			off += w;
		}
	} while (n > 0);
	fprintf(stderr, "copied %lld bytes; offsets %lld %lld\n", (long long)off,
		(long long)lseek(inp, 0, SEEK_CUR), (long long)lseek(out, 0, SEEK_CUR));
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
