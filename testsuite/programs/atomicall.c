/*
 * atomicall IN OUT: offsetall.c's copy through a pipe with the helpers two well-known
 * programs write around calls retried on EINTR: OpenSSH's atomicio (a switch on the result
 * whose -1 case retries on EINTR, the count `n - pos` of a running position) for the child's
 * reads of IN and its writes into the pipe, and busybox's full_read around safe_read (a
 * do-while retry on EINTR) and full_write around safe_write (a retry that clears errno) for
 * the parent's. clang -O2 threads each retry back to its call or copies the call onto the
 * retry's way (pass.md 2c'''). A child process reads IN in pieces of PIECE bytes and writes
 * each piece into the pipe, in two halves; the parent fills its buffer of N bytes from the
 * pipe, so that its reads come back short, and writes each buffer to OUT, in two halves,
 * which loops on short writes (a file-size limit, a full disk). Each loop reports on stderr
 * where it stopped.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef N
#define N 65536
#endif
#define PIECE 1000

static char buf[N];
static char piece[PIECE];

/* OpenSSH's atomicio: f over s[0..n) until all of it moved, retrying on EINTR. Returns the
 * bytes moved: n, or fewer with errno EPIPE at end of file, or 0 on an error (errno). */
static size_t atomicio(ssize_t (*f)(int, void *, size_t), int fd, void *_s, size_t n)
{
	char *s = _s;
	size_t pos = 0;
	ssize_t res;

	while (n > pos) {
		res = (f)(fd, s + pos, n - pos);
		switch (res) {
		case -1:
			if (errno == EINTR)
				continue;
			return 0;
		case 0:
			errno = EPIPE;
			return pos;
		default:
			pos += (size_t)res;
		}
	}
	return pos;
}

#define vwrite (ssize_t (*)(int, void *, size_t))write

static __attribute__((noinline)) size_t read_all(int fd, void *p, size_t n)
{
	return atomicio(read, fd, p, n);
}

static __attribute__((noinline)) size_t write_all(int fd, const void *p, size_t n)
{
	return atomicio(vwrite, fd, (void *)p, n);
}

/* busybox's safe_read and full_read: the bytes read until len or the end of the file; on an
 * error the bytes read before it, or -1 when there were none (errno). */
static ssize_t safe_read(int fd, void *buf, size_t count)
{
	ssize_t n;

	do {
		n = read(fd, buf, count);
	} while (n < 0 && errno == EINTR);
	return n;
}

static __attribute__((noinline)) ssize_t full_read(int fd, void *buf, size_t len)
{
	ssize_t cc;
	ssize_t total = 0;

	while (len) {
		cc = safe_read(fd, buf, len);
		if (cc < 0) {
			if (total)
				return total;
			return cc;
		}
		if (cc == 0)
			break;
		buf = ((char *)buf) + cc;
		total += cc;
		len -= cc;
	}
	return total;
}

/* busybox's safe_write and full_write: the bytes written, all of len or those before an
 * error, or -1 when the first write failed (errno). safe_write clears errno before it
 * retries an interrupted write. */
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

static __attribute__((noinline)) ssize_t full_write(int fd, const void *buf, size_t len)
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
		buf = ((const char *)buf) + cc;
		len -= cc;
	}
	return total;
}

/* The child: IN into the pipe, PIECE bytes at a time. */
static int feed(const char *path, int to)
{
	size_t n, w;
	int in = open(path, O_RDONLY);

	if (in < 0) {
		perror(path);
		return 1;
	}
	for (;;) {
		errno = 0;
		n = read_all(in, piece, PIECE);
		if (n == 0 && errno != EPIPE) {
			perror("feed: read");
			return 1;
		}
		if (n == 0)
			return 0;
		/* In two halves, as a record and its trailer: write_all follows itself. */
		w = write_all(to, piece, n / 2);
		if (w == n / 2)
			w += write_all(to, piece + n / 2, n - n / 2);
		if (w != n) {
			perror("feed: write");
			fprintf(stderr, "feed: %zu of %zu bytes of a piece written\n", w, n);
			return 1;
		}
		if (n < PIECE)
			return 0;
	}
}

int main(int argc, char *argv[])
{
	int fds[2], out, status;
	ssize_t n;
	long total = 0;
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
	while ((n = full_read(fds[0], buf, N)) > 0) {
		ssize_t half;

		/* In two halves: full_write follows itself. */
		errno = 0;
		half = full_write(out, buf, n / 2);
		if (half == n / 2)
			half = full_write(out, buf + n / 2, n - n / 2) + n / 2;
		if (half != n) {
			int saved = errno;
			fprintf(stderr, "write: %s: %zd of %zd bytes written after %ld\n",
				strerror(saved), half, n, total);
			return 1;
		}
		total += n;
	}
	if (n < 0) {
		perror("read");
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
