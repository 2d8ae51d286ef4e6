/*
 * offsetall IN OUT: writeall.c's copy through a pipe with the other forms C programs give the
 * same loops: a read-until-full loop and a write-all loop that keep what is done as an
 * offset into the buffer (`while (got < size) { n = read(fd, p + got, size - got); ... got
 * += n; }`, tested at the top, the arguments computed from the total), and a write-all loop
 * that tests the result against the count first (`while ((n = write(fd, p, len)) != len)`,
 * whose test clang puts at the top of the next iteration). A child process reads IN in
 * pieces of PIECE bytes with read_got and writes each piece into the pipe with write_neq, in
 * two halves; the parent fills its buffer of N bytes from the pipe with read_got, so that
 * its reads come back short, and writes each buffer to OUT with write_done, in two halves,
 * which loops on short writes (a file-size limit, a full disk). Each loop reports on stderr
 * where it stopped and with what left.
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

/* Reads until p[0..size) is full or the end of the file. Returns the bytes read, or -1 with
 * errno and *got those read before the error. */
static __attribute__((noinline)) long read_got(int fd, char *p, size_t size, long *got)
{
	size_t have = 0;

	while (have < size) {
		ssize_t n = read(fd, p + have, size - have);
		if (n < 0) {
			*got = have;
			return -1;
		}
		if (n == 0)
			break;
		have += n;
	}
	*got = have;
	return have;
}

/* Writes p[0..size) whole. Returns size, or -1 with errno and *unwritten the bytes not
 * written. */
static __attribute__((noinline)) long write_done(int fd, const char *p, size_t size,
						  long *unwritten)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = write(fd, p + done, size - done);
		if (n < 0) {
			*unwritten = size - done;
			return -1;
		}
		done += n;
	}
	*unwritten = 0;
	return size;
}

/* Writes p[0..len) whole, testing each result against what is left first. Returns 0, or -1
 * with errno and *unwritten the bytes not written. */
static __attribute__((noinline)) int write_neq(int fd, const char *p, size_t len, long *unwritten)
{
	ssize_t n;

	while ((n = write(fd, p, len)) != (ssize_t)len) {
		if (n < 0) {
			*unwritten = len;
			return -1;
		}
		p += n;
		len -= n;
	}
	*unwritten = 0;
	return 0;
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
	while ((n = read_got(in, piece, PIECE, &got)) > 0) {
		/* In two halves, as a record and its trailer: write_neq follows itself. */
		if (write_neq(to, piece, n / 2, &lost) < 0 ||
		    write_neq(to, piece + n / 2, n - n / 2, &lost) < 0) {
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
	while ((n = read_got(fds[0], buf, N, &got)) > 0) {
		/* In two halves: write_done follows itself. */
		if (write_done(out, buf, n / 2, &lost) < 0 ||
		    write_done(out, buf + n / 2, n - n / 2, &lost) < 0) {
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
