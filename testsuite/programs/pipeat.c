/*
 * pipeat IN OUT: copies IN (a file or a pipe) to OUT with pwrite at an offset that advances
 * by what was read, retrying a read that a signal interrupted by `continue`:
 * `for (;;) { n = read(..); if (n < 0) { if (errno == EINTR) continue; ...; } if (n == 0)
 * break; if (pwrite(out, buf, n, off) != n) ...; off += n; }`. The read's stop goes back
 * into the loop (the retry), and the offset advances: the loop is one looped multi-call
 * whose stop at the read enters the retry as original code, with the offset of the
 * iteration that stopped (legality/advance.rs, re-entry from an earlier call's stop). It
 * says on stderr how far it got on every way out.
 *
 * A SIGALRM handler without SA_RESTART runs every 2 ms during the copy, so that a read that
 * blocks (a pipe) can fail with EINTR and be retried.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static char buf[4096];
static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

int main(int argc, char *argv[])
{
	struct sigaction sa;
	struct itimerval every = { { 0, 2000 }, { 0, 2000 } };
	off_t off = 0;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == 0)
		setitimer(ITIMER_REAL, &every, NULL);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "pipeat: read at %lld: %s\n", (long long)off, strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		ssize_t w = pwrite(out, buf, n, off);
		if (w != n) {
			fprintf(stderr, "pipeat: wrote %zd of %zd at %lld: %s\n", w, n, (long long)off,
				w < 0 ? strerror(errno) : "short");
			return 1;
		}
		off += n;
	}
	signal(SIGALRM, SIG_IGN);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "pipeat: %lld bytes\n", (long long)off);
	return 0;
}
