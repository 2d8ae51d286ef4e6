/*
 * statcount IN OUT: a copy whose helper keeps its bookkeeping where the caller asked, in a
 * struct of main's: the blocks, the bytes read and the bytes written, through a pointer. The
 * helper, which reports its own errors, is called for the copy and again for what is left
 * (nothing, at the end of the input); main reports the counts on every way out, so that the
 * values each exit of the loop leaves behind show.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

struct stats {
	long blocks;
	long long bytes_read;
	long long bytes_written;
};

static char buffer[N];

static int copy_all(int in, int out, const char *name, struct stats *st)
{
	ssize_t n, w;

	while ((n = read(in, buffer, sizeof buffer)) > 0) {
		st->blocks++;
		st->bytes_read += n;
		w = write(out, buffer, n);
		if (w != n) {
			if (w < 0)
				fprintf(stderr, "%s: write: %s\n", name, strerror(errno));
			else
				fprintf(stderr, "%s: short write: %zd of %zd\n", name, w, n);
			return -1;
		}
		st->bytes_written += w;
	}
	if (n < 0) {
		fprintf(stderr, "%s: read: %s\n", name, strerror(errno));
		return -2;
	}
	return 0;
}

static void report(const char *how, const struct stats *st)
{
	fprintf(stderr, "%s after %ld blocks: %lld bytes read, %lld written\n", how, st->blocks,
		st->bytes_read, st->bytes_written);
}

int main(int argc, char *argv[])
{
	struct stats st = { 0, 0, 0 };
	int in, out, r;

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
	r = copy_all(in, out, argv[1], &st);
	if (r == 0)
		r = copy_all(in, out, "again", &st);
	if (r == -1) {
		report("stopped", &st);
		return 1;
	}
	if (r == -2) {
		report("failed", &st);
		return 1;
	}
	close(in);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	report("copied", &st);
	return 0;
}
