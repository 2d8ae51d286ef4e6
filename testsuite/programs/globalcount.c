/*
 * globalcount IN OUT: a copy whose state lives in file-scope variables, as older C programs
 * keep it: the descriptors, the buffer, a block counter and the byte totals. The copy loop
 * updates the counters in every iteration; main reports them on every way out, so that the
 * values each exit of the loop leaves behind show.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static int in_fd, out_fd;
static char buffer[N];
static long blocks;
static long long bytes_read;
static long long bytes_written;

static int copy_all(void)
{
	ssize_t n, w;

	while ((n = read(in_fd, buffer, sizeof buffer)) > 0) {
		blocks++;
		bytes_read += n;
		w = write(out_fd, buffer, n);
		if (w != n)
			return -1;
		bytes_written += w;
	}
	return n < 0 ? -2 : 0;
}

static void report(const char *how)
{
	fprintf(stderr, "%s after %ld blocks: %lld bytes read, %lld written\n", how, blocks,
		bytes_read, bytes_written);
}

int main(int argc, char *argv[])
{
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in_fd = open(argv[1], O_RDONLY);
	if (in_fd < 0) {
		perror(argv[1]);
		return 1;
	}
	out_fd = creat(argv[2], 0666);
	if (out_fd < 0) {
		perror(argv[2]);
		return 1;
	}
	r = copy_all();
	if (r == -1) {
		perror("write");
		report("stopped");
		return 1;
	}
	if (r == -2) {
		perror("read");
		report("failed");
		return 1;
	}
	close(in_fd);
	if (close(out_fd) < 0) {
		perror("close");
		return 1;
	}
	report("copied");
	return 0;
}
