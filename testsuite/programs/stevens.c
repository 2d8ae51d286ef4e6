/*
 * stevens IN OUT: copies IN to OUT through a pipe with readn and writen as W. Richard
 * Stevens writes them (UNIX Network Programming), copied into much network code: a pointer
 * and a count that advance, a read's end of file and error tested one after the other, and a
 * call that EINTR interrupted retried by taking its result as 0 and going round. A SIGALRM
 * handler installed without SA_RESTART runs every millisecond (the first 1000 times in each
 * process), so that reads from and writes into the pipe that block come back with EINTR and
 * are retried. A child reads IN in pieces of PIECE bytes and writes each into the pipe; the
 * parent fills blocks of N bytes from the pipe (short reads: the loop goes round) and writes
 * each block to OUT, where a file-size limit or a full disk fails a write. Each failure is
 * reported with the bytes done, so that every exit of a loop shows what it left.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef N
#define N 65536
#endif
#define PIECE 1000

static char block[N];
static char piece[PIECE];
static volatile sig_atomic_t ticks;

/* The timer stops itself after TICKS signals, so that a run slowed down by tracing (the
 * profile is recorded under strace) cannot spend all its time retrying. */
#define TICKS 1000

static void tick(int sig)
{
	static const struct itimerval off;

	(void)sig;
	if (++ticks == TICKS)
		setitimer(ITIMER_REAL, &off, NULL);
}

/* A program that brings its own readn and writen (eintrall.c) defines STEVENS_HELPERS. */
#ifndef STEVENS_HELPERS
/* Read n bytes from a descriptor. */
static __attribute__((noinline)) ssize_t readn(int fd, void *vptr, size_t n)
{
	size_t nleft = n;
	ssize_t nread;
	char *ptr = vptr;

	while (nleft > 0) {
		if ((nread = read(fd, ptr, nleft)) < 0) {
			if (errno == EINTR)
				nread = 0; /* and call read() again */
			else
				return -1;
		} else if (nread == 0)
			break; /* EOF */
		nleft -= nread;
		ptr += nread;
	}
	return n - nleft;
}

/* Write n bytes to a descriptor. */
static __attribute__((noinline)) ssize_t writen(int fd, const void *vptr, size_t n)
{
	size_t nleft = n;
	ssize_t nwritten;
	const char *ptr = vptr;

	while (nleft > 0) {
		if ((nwritten = write(fd, ptr, nleft)) <= 0) {
			if (nwritten < 0 && errno == EINTR)
				nwritten = 0; /* and call write() again */
			else
				return -1;
		}
		nleft -= nwritten;
		ptr += nwritten;
	}
	return n;
}
#endif

/* The child: IN into the pipe, PIECE bytes at a time. */
static int feed(const char *path, int to)
{
	int in = open(path, O_RDONLY);
	ssize_t n;

	if (in < 0) {
		perror(path);
		return 1;
	}
	while ((n = readn(in, piece, PIECE)) > 0)
		if (writen(to, piece, n) != n) {
			perror("feed: write");
			return 1;
		}
	if (n < 0) {
		perror("feed: read");
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct sigaction sa;
	struct itimerval every = { { 0, 1000 }, { 0, 1000 } }, off = { { 0, 0 }, { 0, 0 } };
	int fds[2], out, status;
	ssize_t n;
	long total = 0;
	pid_t child;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
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
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == 0)
		setitimer(ITIMER_REAL, &every, NULL);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		close(fds[0]);
		setitimer(ITIMER_REAL, &every, NULL);
		_exit(feed(argv[1], fds[1]));
	}
	close(fds[1]);
	while ((n = readn(fds[0], block, N)) > 0) {
		if (writen(out, block, n) != n) {
			int saved = errno;
			fprintf(stderr, "write: %s: a block of %zd bytes after %ld\n",
				strerror(saved), n, total);
			return 1;
		}
		total += n;
	}
	if (n < 0) {
		perror("read");
		fprintf(stderr, "read: failed after %ld\n", total);
		return 1;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	close(fds[0]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
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
