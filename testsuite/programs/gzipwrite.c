/*
 * gzipwrite IN OUT: copies IN to OUT the way gzip 1.12 writes its output: IN read in blocks
 * of 64 KiB, the data gathered in a buffer of N bytes (16 KiB), each full buffer (and the
 * last part) written with gzip's write_buf (util.c), whose helper write_buffer clamps the
 * `unsigned` count to INT_MAX, and which goes round on a short write with what is left
 * (`cnt -= n; buf += n`) until the count is written or a write fails (write_error: the
 * message, status 1). Several buffers are written after each read, as gzip writes several
 * windows of output per block of input. The loop's count is 32 bits and the write is passed
 * it clamped and widened: one looped multi-call per buffer, where the count comes in at most
 * INT_MAX (a copy of the loop runs above it).
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 16384
#endif

typedef void *voidp;

static char inbuf[65536];
static char outbuf[N];
static unsigned outcnt;
static unsigned long bytes_out;

static __attribute__((noreturn)) void write_error(void)
{
	fprintf(stderr, "gzipwrite: write error after %lu bytes: %s\n", bytes_out,
		strerror(errno));
	exit(1);
}

static unsigned write_buffer(int fd, voidp buf, unsigned cnt)
{
	if (INT_MAX < cnt)
		cnt = INT_MAX;
	return write(fd, buf, cnt);
}

/* gzip's write_buf: writes buf[0..cnt) whole, or exits through write_error. */
static __attribute__((noinline)) void write_buf(int fd, voidp buf, unsigned cnt)
{
	unsigned n;

	while ((n = write_buffer(fd, buf, cnt)) != cnt) {
		if (n == (unsigned)(-1))
			write_error();
		cnt -= n;
		buf = (voidp)((char *)buf + n);
	}
}

/* gzip's flush_outbuf. */
static void flush_outbuf(int fd)
{
	if (outcnt == 0)
		return;
	write_buf(fd, outbuf, outcnt);
	bytes_out += outcnt;
	outcnt = 0;
}

int main(int argc, char *argv[])
{
	int in, out;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	if ((in = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, inbuf, sizeof inbuf)) > 0) {
		size_t done = 0;

		while (done < (size_t)n) {
			size_t room = sizeof outbuf - outcnt, take = (size_t)n - done;

			if (take > room)
				take = room;
			memcpy(outbuf + outcnt, inbuf + done, take);
			outcnt += take;
			done += take;
			if (outcnt == sizeof outbuf)
				flush_outbuf(out);
		}
	}
	if (n < 0) {
		fprintf(stderr, "gzipwrite: read error: %s\n", strerror(errno));
		return 1;
	}
	flush_outbuf(out);
	fprintf(stderr, "gzipwrite: %lu bytes\n", bytes_out);
	return close(out) < 0;
}
