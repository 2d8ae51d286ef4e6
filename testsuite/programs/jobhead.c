/*
 * jobhead IN OUT: copies the first LIMIT bytes of IN (all of a shorter IN) to OUT in blocks of
 * at most N bytes, as `head -c` does, through a static job whose counters follow its buffer:
 * each read asks for `left < N ? left : N` and `left` goes down by the write's result once
 * the write wrote it all. The read's count is not a constant, but the loop's `left > 0` and
 * the clamp bound it by N where it is made, so the read touches only the buffer, the
 * counters are kept in registers, and the loop is one looped multi-call that passes N while
 * at least N bytes are left; its buffer is dead after the loop. Reports the bytes copied,
 * the blocks and what is left.
 *
 * Build with -DN=512 (or any size) to change the block size, -DLIMIT=... the length.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#ifndef LIMIT
#define LIMIT 1000000LL
#endif

static struct {
	int in, out;
	long long left;
	char buf[N];
	long long copied;
	unsigned blocks;
} job;

int main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	job.in = open(argv[1], O_RDONLY);
	if (job.in < 0) {
		perror(argv[1]);
		return 1;
	}
	job.out = creat(argv[2], 0666);
	if (job.out < 0) {
		perror(argv[2]);
		return 1;
	}
	job.left = LIMIT;
	while (job.left > 0) {
		size_t want = job.left < N ? (size_t)job.left : N;
		ssize_t n = read(job.in, job.buf, want);

		if (n < 0) {
			perror("read");
			return 1;
		}
		if (n == 0)
			break;
		ssize_t w = write(job.out, job.buf, (size_t)n);
		if (w != n) {
			perror("write");
			fprintf(stderr, "copied %lld bytes in %u blocks, %lld left\n", job.copied,
				job.blocks, job.left);
			return 1;
		}
		job.blocks++;
		job.left -= w;
		job.copied += w;
	}
	fprintf(stderr, "copied %lld bytes in %u blocks, %lld left\n", job.copied, job.blocks,
		job.left);
	if (close(job.out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
