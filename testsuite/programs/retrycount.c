/*
 * retrycount IN OUT: a copy that retries each interrupted call in a loop of its own and
 * keeps books, as careful tools do: `do n = read(..); while (n < 0 && errno == EINTR);`, then
 * a switch on the read's result (-1: an error, 0: the end), the write retried the same way and
 * checked for a failure and a short count. It counts reads, writes and bytes in file-scope
 * variables and prints them at the end, or where it fails (the counts of reads and writes only
 * when IN is a regular file: from a pipe they depend on how the writer's pieces fall).
 *
 * A SIGALRM handler without SA_RESTART runs every 2 ms during the copy, so that a read or a
 * write that blocks (a pipe) fails with EINTR and is retried.
 *
 * The failed read that is not retried joins the way on at the switch, which tests the read's
 * result itself; the count of reads is incremented between the read and the write, its
 * latch value a phi of the retry's unchanged count and the way round's. The pass takes the
 * loop as one looped multi-call that carries the three counts, each stop resuming the
 * original loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define N 4096

static unsigned long reads, writes;
static unsigned long long bytes;

static void tick(int sig)
{
	(void)sig;
}

/* The books, and errno's text when a call failed. */
static int report(int regular, const char *failed)
{
	if (failed)
		fprintf(stderr, "retrycount: %s: %s\n", failed, strerror(errno));
	if (regular)
		fprintf(stderr, "%lu reads, %lu writes, ", reads, writes);
	fprintf(stderr, "%llu bytes\n", bytes);
	return failed ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	struct sigaction sa;
	struct stat st;
	char buf[N];
	ssize_t n, w;
	int in, out, regular;

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
	regular = fstat(in, &st) == 0 && S_ISREG(st.st_mode);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tick;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (;;) {
		do {
			n = read(in, buf, N);
		} while (n < 0 && errno == EINTR);
		reads++;
		switch (n) {
		case -1:
			return report(regular, "read");
		case 0:
			return report(regular, NULL);
		default:
			do {
				w = write(out, buf, n);
			} while (w < 0 && errno == EINTR);
			writes++;
			if (w < 0)
				return report(regular, "write");
			if (w != n) {
				errno = EIO;
				return report(regular, "short write");
			}
			bytes += w;
		}
	}
}
