/*
 * pcopyat IN OUT: copies IN, past a 100-byte header it skips with lseek, to the start of OUT
 * with pread and pwrite at offsets of their own: the input's offset starts where lseek left
 * it, the output's at 0, and each advances by what was moved. The write's result is tested
 * twice, an error first and then a short write, as careful code does: `if (w < 0) { perror;
 * return; } if (w != n) { short; return; }`. Together the two tests are the stop `result !=
 * argument 2`; the loop becomes one looped multi-call whose offsets advance by pread's result
 * (legality/conditions.rs, legality/advance.rs), and at a stop of the write the tests are
 * asked again in order. It says on stderr how far it got on every way out, and at the end
 * where each file's own offset is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

#define HEADER 100

int main(int argc, char *argv[])
{
	char buf[N];
	off_t in_off, out_off = 0;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	in_off = lseek(in, HEADER, SEEK_SET);
	if (in_off < 0) {
		fprintf(stderr, "pcopyat: cannot skip the header: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t n = pread(in, buf, sizeof buf, in_off);
		if (n < 0) {
			fprintf(stderr, "pcopyat: pread at %lld: %s\n", (long long)in_off, strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		ssize_t w = pwrite(out, buf, n, out_off);
		if (w < 0) {
			fprintf(stderr, "pcopyat: pwrite at %lld: %s\n", (long long)out_off, strerror(errno));
			return 1;
		}
		if (w != n) {
			fprintf(stderr, "pcopyat: wrote %zd of %zd bytes at %lld\n", w, n, (long long)out_off);
			return 1;
		}
		in_off += n;
		out_off += w;
	}
	fprintf(stderr, "pcopyat: copied %lld bytes from %lld; offsets %lld %lld\n", (long long)out_off,
		(long long)in_off, (long long)lseek(in, 0, SEEK_CUR), (long long)lseek(out, 0, SEEK_CUR));
	close(in);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
