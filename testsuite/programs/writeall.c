/*
 * writeall IN OUT: copies IN to OUT through a pipe with the loops real programs wrap around
 * read and write: write_all (coreutils' full_write, gzip's write_buf) and two read-until-full
 * loops, read_full (a pointer and a count that advance) and fill_buf (gzip's fill_inbuf:
 * buf + got, size - got). A child process reads IN in pieces of PIECE bytes with read_full
 * and writes each piece into the pipe with write_all, in two halves; the parent fills its
 * buffer of N bytes from the pipe with fill_buf, so that its reads come back short, and
 * writes each buffer to OUT with write_all, which loops on short writes (a file-size limit,
 * a full disk). Each loop reports on stderr where it stopped and with what left, so that
 * every exit of a loop shows the values it left with.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef N
#define N 65536
#endif
#define PIECE 1000

static char buf[N];
static char piece[PIECE];

/* Writes p[0..len) whole. Returns len, or -1 with errno and *unwritten the bytes not
 * written. */
static __attribute__((noinline)) long write_all(int fd, const char *p, long len, long *unwritten)
{
	long left = len;

	while (left > 0) {
		long n = write(fd, p, left);
		if (n < 0) {
			*unwritten = left;
			return -1;
		}
		p += n;
		left -= n;
	}
	*unwritten = 0;
	return len;
}

/* Reads until p[0..size) is full or the end of the file. Returns the bytes read, or -1 with
 * errno and *got those read before the error. */
static __attribute__((noinline)) long read_full(int fd, char *p, long size, long *got)
{
	long left = size;

	while (left > 0) {
		long n = read(fd, p, left);
		if (n <= 0) {
			if (n == 0)
				break;
			*got = size - left;
			return -1;
		}
		p += n;
		left -= n;
	}
	*got = size - left;
	return size - left;
}

/* Fills buf[0..size) as gzip's fill_inbuf does, its arguments computed from the bytes got
 * so far. Returns the bytes got, or -1 with errno and *got those got before the error. */
static __attribute__((noinline)) long fill_buf(int fd, char *buf, long size, long *got)
{
	long n, have = 0;

	do {
		n = read(fd, buf + have, size - have);
		if (n <= 0)
			break;
		have += n;
	} while (have < size);
	*got = have;
	return n < 0 ? -1 : have;
}

/* The child: IN into the pipe, PIECE bytes at a time. */
static int feed(const char *path, int to)
{
	long n, got, lost;
	int in = open(path, O_RDONLY);

	if (in < 0) {
		perror(path);
		return 1;
	}
	while ((n = read_full(in, piece, PIECE, &got)) > 0) {
		/* In two halves, as a record and its trailer: write_all follows itself. */
		if (write_all(to, piece, n / 2, &lost) < 0 ||
		    write_all(to, piece + n / 2, n - n / 2, &lost) < 0) {
			perror("feed: write");
			fprintf(stderr, "feed: %ld bytes of a piece not written\n", lost);
			return 1;
		}
	}
	if (n < 0) {
		perror("feed: read");
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	int fds[2], out, status;
	long n, got, lost, total = 0;
	pid_t child;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	/* The input is opened here first, so that a missing one fails before OUT is made. */
	out = open(argv[1], O_RDONLY);
	if (out < 0) {
		perror(argv[1]);
		return 1;
	}
	close(out);
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	if (pipe(fds) < 0) {
		perror("pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		close(fds[0]);
		_exit(feed(argv[1], fds[1]));
	}
	close(fds[1]);
	while ((n = fill_buf(fds[0], buf, N, &got)) > 0) {
		if (write_all(out, buf, n, &lost) < 0) {
			int saved = errno;
			fprintf(stderr, "write: %s: %ld of %ld bytes not written after %ld\n",
				strerror(saved), lost, n, total);
			return 1;
		}
		total += n;
	}
	if (n < 0) {
		perror("read");
		fprintf(stderr, "read: %ld bytes before the error\n", got);
		return 1;
	}
	close(fds[0]);
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "feed failed\n");
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "copied %ld bytes\n", total);
	return 0;
}
