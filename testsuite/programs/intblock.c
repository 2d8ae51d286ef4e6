/*
 * intblock IN OUT: copies IN to OUT through a pipe with the block loops of lzip's
 * readblock and writeblock: `int` counts and totals, errno set to 0 before the loop and on
 * the way round, and a retry of a call interrupted by a signal (`errno == EINTR`). A SIGALRM
 * handler installed without SA_RESTART runs every millisecond (the first 1000 times in each
 * process), so that reads from and writes into the pipe that block come back with EINTR and
 * are retried. A child reads IN in pieces
 * of PIECE bytes and writes each into the pipe; the parent fills blocks of N bytes from the
 * pipe (short reads: the loop goes round) and writes each block to OUT, where a file-size
 * limit or a full disk cuts a write short. As lzip does, a short block with errno 0 is the
 * end of the input, and errno tells a read or write error; both are reported with the bytes
 * done, so that every exit of a loop shows the values it left with.
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

static unsigned char block[N];
static unsigned char piece[PIECE];
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

/* Reads up to size bytes into buf. Returns the bytes read; fewer than size with errno 0 is
 * the end of the input, with errno set an error. */
static __attribute__((noinline)) int read_block(int fd, unsigned char *buf, int size)
{
	int done = 0;

	errno = 0;
	while (done < size) {
		int n = read(fd, buf + done, size - done);
		if (n > 0)
			done += n;
		else if (n == 0)
			break;
		else if (errno != EINTR)
			break;
		errno = 0;
	}
	return done;
}

/* Writes size bytes of buf. Returns the bytes written; fewer than size is an error. */
static __attribute__((noinline)) int write_block(int fd, const unsigned char *buf, int size)
{
	int done = 0;

	errno = 0;
	while (done < size) {
		int n = write(fd, buf + done, size - done);
		if (n > 0)
			done += n;
		else if (n < 0 && errno != EINTR)
			break;
		errno = 0;
	}
	return done;
}

/* The child: IN into the pipe, PIECE bytes at a time. */
static int feed(const char *path, int to)
{
	int in = open(path, O_RDONLY), n, put;

	if (in < 0) {
		perror(path);
		return 1;
	}
	do {
		n = read_block(in, piece, PIECE);
		if (n < PIECE && errno) {
			perror("feed: read");
			return 1;
		}
		put = write_block(to, piece, n);
		if (put != n) {
			perror("feed: write");
			fprintf(stderr, "feed: %d of %d bytes written\n", put, n);
			return 1;
		}
	} while (n == PIECE);
	return 0;
}

int main(int argc, char *argv[])
{
	struct sigaction sa;
	struct itimerval every = { { 0, 1000 }, { 0, 1000 } }, off = { { 0, 0 }, { 0, 0 } };
	int fds[2], out, status, n, put;
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
	do {
		n = read_block(fds[0], block, N);
		if (n < N && errno) {
			perror("read");
			fprintf(stderr, "read: %d bytes before the error after %ld\n", n, total);
			return 1;
		}
		put = write_block(out, block, n);
		if (put != n) {
			int saved = errno;
			fprintf(stderr, "write: %s: %d of %d bytes written after %ld\n",
				strerror(saved), put, n, total);
			return 1;
		}
		total += n;
	} while (n == N);
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
