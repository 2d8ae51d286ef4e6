/*
 * copyupto IN OUT: copies IN to OUT in blocks of N bytes until at least LIMIT bytes are
 * copied (`while ((n = read(...)) > 0) { ...; total += n; if (total >= LIMIT) break; }`,
 * `head -c` rounded up to a block), as a program does that stops after a quota. The read
 * moves at most N bytes, so from a total below LIMIT the loop goes on for at least (LIMIT -
 * total) / N more iterations: the pass makes it one looped multi-call bounded by that many,
 * and the original code decides after it. Reports the bytes copied.
 *
 * Build with -DN=512 (or any size) to change the block size, -DLIMIT=... the quota.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef LIMIT
#define LIMIT 1000000L
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	long total = 0;
	ssize_t n;
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
	while ((n = read(inp, buff, N)) > 0) {
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
		total += n;
		if (total >= LIMIT)
			break;
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	fprintf(stderr, "copied %ld bytes, input at %ld\n", total, (long)lseek(inp, 0, SEEK_CUR));
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
