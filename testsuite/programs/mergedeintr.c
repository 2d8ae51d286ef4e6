/*
 * mergedeintr IN OUT: mergedall.c's copy with a write-all helper that retries a write EINTR
 * interrupted, into a pipe under signals. The parent reads IN in blocks and writes each whole
 * into a pipe; a child copies the pipe to OUT. A SIGALRM handler installed without SA_RESTART
 * runs every millisecond (the first 1000 times in each process), so that writes into the full
 * pipe come back with EINTR and are retried. clang -O2 merges the helper's loop with the copy
 * loop, the retry joining the way back before the test of what is left: the pass copies the
 * read's way round the shared header to the write, with the retry's test, and the copy loop
 * becomes one looped multi-call headed by the read.
 *
 * A child that fails ends the parent's copy (EPIPE); the child's status is the program's
 * (128 + the signal that killed it).
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
#define N 4096
#endif
#define TICKS 1000

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	static const struct itimerval off;

	(void)sig;
	if (++ticks == TICKS)
		setitimer(ITIMER_REAL, &off, NULL);
}

/* Writes len bytes of p whole, retrying a write EINTR interrupted; -1 on an error. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= w;
	}
	return 0;
}

/* The child: the pipe to OUT, as copy.c copies. */
static int drain(int from, int out)
{
	char buf[N];
	ssize_t n;

	while ((n = read(from, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("read pipe");
			return 1;
		}
		if (write_all(out, buf, n) < 0) {
			perror("write");
			return 1;
		}
	}
	return close(out) < 0;
}

int main(int argc, char *argv[])
{
	struct sigaction sa;
	struct itimerval every = { { 0, 1000 }, { 0, 1000 } };
	char buf[N];
	ssize_t n;
	int in, out, to, fds[2], status;
	pid_t child;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	/* A child that failed closes the pipe: the parent's write fails with EPIPE, and the
	 * child's status is the program's. */
	signal(SIGPIPE, SIG_IGN);
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
		close(fds[1]);
		_exit(drain(fds[0], out));
	}
	close(fds[0]);
	close(out);
	to = fds[1];
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write_all(to, buf, n) < 0) {
			if (errno != EPIPE) {
				perror("write pipe");
				return 1;
			}
			break;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	close(to);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
