/*
 * bbcat IN OUT: a cat over busybox's own helpers (libbb's safe_read, safe_write and
 * full_write): safe_read retries a read EINTR interrupted in a do-while, safe_write clears
 * errno before it retries, full_write writes until the whole block is out and returns what it
 * wrote before an error, and the copy loop keeps the total it reports. Inlined at -O2, each
 * retry is a loop of its own that clang threads back to its call and full_write's loop sits
 * inside the copy loop; the copy loop must become one looped multi-call of read -> write whose
 * short or failed write resumes the original code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static ssize_t safe_read(int fd, void *buf, size_t count)
{
	ssize_t n;

	do {
		n = read(fd, buf, count);
	} while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t safe_write(int fd, const void *buf, size_t count)
{
	ssize_t n;

	for (;;) {
		n = write(fd, buf, count);
		if (n >= 0 || errno != EINTR)
			break;
		errno = 0;
	}
	return n;
}

static ssize_t full_write(int fd, const void *buf, size_t len)
{
	ssize_t cc;
	ssize_t total = 0;

	while (len) {
		cc = safe_write(fd, buf, len);
		if (cc < 0) {
			if (total)
				return total;
			return cc;
		}
		total += cc;
		buf = (const char *)buf + cc;
		len -= cc;
	}
	return total;
}

static long long copyfd(int in, int out)
{
	char buf[N];
	long long total = 0;

	for (;;) {
		ssize_t r = safe_read(in, buf, sizeof buf);
		if (r == 0)
			break;
		if (r < 0)
			return -1;
		if (full_write(out, buf, r) != r)
			return -2;
		total += r;
	}
	return total;
}

int main(int argc, char *argv[])
{
	int in, out, status = 0;
	long long total;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "bbcat: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		fprintf(stderr, "bbcat: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	total = copyfd(in, out);
	if (total == -1) {
		fprintf(stderr, "bbcat: read error: %s\n", strerror(errno));
		status = 1;
	} else if (total == -2) {
		fprintf(stderr, "bbcat: write error: %s\n", strerror(errno));
		status = 1;
	} else {
		fprintf(stderr, "bbcat: %lld bytes\n", total);
	}
	if (close(out) < 0) {
		fprintf(stderr, "bbcat: %s: %s\n", argv[2], strerror(errno));
		status = 1;
	}
	close(in);
	return status;
}
