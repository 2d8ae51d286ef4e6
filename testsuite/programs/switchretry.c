/*
 * switchretry IN OUT: a copy loop on an `int` count as programs that run under a timer write
 * it: `switch (n)` on the read's count (0: the end, -1: an error, an interrupted read retried
 * by `continue`), a write-all loop of its own that finishes short writes and retries
 * interrupted ones, and the running total reported on every way out.
 *
 * clang -O2 merges the write-all loop's first iteration into nothing the copy loop can skip;
 * the pass peels it (the copy's `buf + 0` folds to `buf`), and the copy loop is one looped
 * multi-call whose stops resume it: a stop at the read goes to the switch (the retry is the
 * original code's), a stop at the write to the rest of the write-all loop. The total reaches
 * its addition through a phi that merges copies of it (the ways past and out of the write-all
 * loop); the batch carries it as a total of the read's results.
 *
 * A SIGALRM handler without SA_RESTART runs every 2 ms during the copy, so that a read or a
 * write that blocks (a pipe) can fail with EINTR and be retried.
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
	long total = 0;
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
		int n = read(in, buf, sizeof(buf));

		switch (n) {
		case 0:
			signal(SIGALRM, SIG_IGN);
			if (close(out) < 0) {
				perror("close");
				return 1;
			}
			fprintf(stderr, "switchretry: %ld bytes\n", total);
			return 0;
		case -1:
			if (errno == EINTR)
				continue;
			fprintf(stderr, "switchretry: read: %s after %ld bytes\n", strerror(errno),
				total);
			return 1;
		}
		int off = 0;
		while (off < n) {
			int w = write(out, buf + off, n - off);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "switchretry: write: %s at %d of %d (after %ld bytes)\n",
					strerror(errno), off, n, total);
				return 1;
			}
			off += w;
		}
		total += n;
	}
}
