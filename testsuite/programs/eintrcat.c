/*
 * eintrcat IN OUT: a copy loop as most hand-written copiers write it: the end of the input
 * and a read error are tested one after the other, a read interrupted by a signal goes round
 * again, and a short or failed write is reported. It counts the blocks it wrote and says on
 * stderr how far it got on every way out.
 *
 * The read's two tests are one stop predicate with two ways out, and one of them (EINTR) goes
 * back into the loop: the loop is one looped multi-call whose stops resume the original loop
 * after the call that stopped (pass.md 3d). Its buffer is a local array that nothing reads
 * where a stop resumes the loop before the next read fills it, so the runtime may move the
 * data in the kernel (copy_file_range, sendfile, splice).
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

#define BLOCK 4096

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

int main(int argc, char *argv[])
{
	char buf[BLOCK];
	struct sigaction sa;
	struct itimerval every = { { 0, 2000 }, { 0, 2000 } };
	long blocks = 0;
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

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "eintrcat: read error after %ld blocks: %s\n", blocks,
				strerror(errno));
			return 1;
		}
		if (write(out, buf, n) != n) {
			fprintf(stderr, "eintrcat: write error after %ld blocks: %s\n", blocks,
				strerror(errno));
			return 1;
		}
		blocks++;
	}
	close(in);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "eintrcat: %ld blocks\n", blocks);
	return 0;
}
