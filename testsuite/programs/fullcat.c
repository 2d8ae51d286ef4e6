/*
 * fullcat IN OUT: a cat with the helpers every careful C program writes for itself, in the
 * same file: safe_read retries a read EINTR interrupted, full_write writes until the whole
 * block is out (retrying EINTR, a zero-length write taken as a full disk) and says how much
 * it wrote. The copy loop between them is the one coreutils' cat has; here it must become one
 * looped multi-call once the helpers are inlined and full_write's loop is peeled, whose first
 * iteration writes `n - 0` bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static char buf[N];

static ssize_t safe_read(int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

static ssize_t full_write(int fd, const void *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, (const char *)p + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			break;
		}
		done += w;
	}
	return done;
}

static int cat_fd(int in, int out, const char *name)
{
	ssize_t n;

	while ((n = safe_read(in, buf, sizeof buf)) > 0) {
		ssize_t w = full_write(out, buf, n);
		if (w != n) {
			fprintf(stderr, "fullcat: write error after %zd of %zd bytes: %s\n", w, n,
				strerror(errno));
			return 1;
		}
	}
	if (n < 0) {
		fprintf(stderr, "fullcat: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	int in, out, status;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "fullcat: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		fprintf(stderr, "fullcat: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	status = cat_fd(in, out, argv[1]);
	if (close(out) < 0) {
		fprintf(stderr, "fullcat: %s: %s\n", argv[2], strerror(errno));
		status = 1;
	}
	close(in);
	return status;
}
