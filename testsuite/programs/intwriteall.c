/*
 * intwriteall IN OUT: gzipwrite.c with the write-all loop older C code has, on `int` counts:
 * `while ((n = write(fd, buf, left)) != left) { if (n < 0) return -1; buf += n; left -= n; }`,
 * the count passed sign-extended and the result cut to an `int`. IN is read in blocks of
 * 64 KiB and written in pieces of N bytes (16 KiB), several per read; a failed write is
 * reported with errno and the bytes written before it. The loop is versioned on the count it
 * comes in with (not negative) and its 64-bit argument made the count that goes down by the
 * result: one looped multi-call per piece (a copy of the loop runs for a negative count).
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 16384
#endif

static char inbuf[65536];
static char outbuf[N];
static int outcnt;
static unsigned long bytes_out;

/* Writes buf[0..left) whole: returns left, or -1 with errno. */
static __attribute__((noinline)) int writen(int fd, char *buf, int left)
{
	int n, len = left;

	while ((n = write(fd, buf, left)) != left) {
		if (n < 0)
			return -1;
		buf += n;
		left -= n;
	}
	return len;
}

static void flush_outbuf(int fd)
{
	if (outcnt == 0)
		return;
	if (writen(fd, outbuf, outcnt) < 0) {
		fprintf(stderr, "intwriteall: write error after %lu bytes: %s\n", bytes_out,
			strerror(errno));
		exit(1);
	}
	bytes_out += (unsigned long)outcnt;
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
			size_t room = sizeof outbuf - (size_t)outcnt, take = (size_t)n - done;

			if (take > room)
				take = room;
			memcpy(outbuf + outcnt, inbuf + done, take);
			outcnt += (int)take;
			done += take;
			if ((size_t)outcnt == sizeof outbuf)
				flush_outbuf(out);
		}
	}
	if (n < 0) {
		fprintf(stderr, "intwriteall: read error: %s\n", strerror(errno));
		return 1;
	}
	flush_outbuf(out);
	fprintf(stderr, "intwriteall: %lu bytes\n", bytes_out);
	return close(out) < 0;
}
