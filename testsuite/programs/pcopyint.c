/*
 * pcopyint IN OUT: pcopy.c with an `int` count, as much code keeps what read and pread
 * return: `int n = pread(in, buf, N, off); switch (n) { case 0: ...; case -1: ...; }`,
 * then `int w = pwrite(out, buf, n, off); if (w != n) ...; off += n;`. clang widens the
 * count, which it cannot prove positive past the switch, as `ashr exact (shl %r, 32), 32`
 * for the write's length and the offset's step: in every iteration a batch completes that is
 * pread's result itself (below 2^31, not negative). The test compares the low 32 bits of
 * pwrite's result with the count, which is pwrite's stop `result != argument 2`. The loop
 * is one looped multi-call whose offset advances by pread's result in both calls
 * (legality/advance.rs, legality/conditions.rs). It says on stderr how far it got on every way out, and at the end
 * checks that neither file's own offset moved.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define N 4096

int main(int argc, char *argv[])
{
	char buff[N];
	off_t off = 0;
	int inp, out;

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
	for (;;) {
		int n = pread(inp, buff, N, off);

		switch (n) {
		case 0:
			fprintf(stderr, "copied %lld bytes; offsets %lld %lld\n", (long long)off,
				(long long)lseek(inp, 0, SEEK_CUR),
				(long long)lseek(out, 0, SEEK_CUR));
			close(inp);
			if (close(out) < 0) {
				perror("close");
				return 1;
			}
			return 0;
		case -1:
			perror("pread");
			fprintf(stderr, "pread failed at offset %lld\n", (long long)off);
			return 1;
		}
		int w = pwrite(out, buff, n, off);

		if (w != n) {
			if (w < 0)
				perror("pwrite");
			fprintf(stderr, "wrote %d of %d bytes at offset %lld\n", w, n, (long long)off);
			return 1;
		}
		off += n;
	}
}
