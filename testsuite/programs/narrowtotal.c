/*
 * narrowtotal IN OUT: a copy loop with a write-all loop inside that retries an interrupted
 * write, counting the bytes in an `unsigned` total of the read's `long` counts, as much code
 * keeps a total narrower than the count: `while ((n = read(..)) > 0) { done = 0; while (done
 * < n) { w = write(..); if (w < 0) { if (errno == EINTR) continue; ...; } done += w; } total
 * += n; }`. clang adds the total at the top of the next iteration from a phi of the count
 * before, through a truncation; the pass peels the write-all loop and folds the sum into a
 * phi that goes up by each iteration's count (transform/sums.rs), and the loop is one looped
 * multi-call carrying the total. It says on stderr how far it got on every way out.
 *
 * A SIGALRM handler without SA_RESTART runs every 2 ms during the copy, so that a write
 * that blocks (a full pipe) can fail with EINTR and be retried.
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
	unsigned total = 0;
	long n;
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
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		long done = 0;

		while (done < n) {
			ssize_t w = write(out, buf + done, n - done);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "narrowtotal: write at %ld of %ld after %u: %s\n", done, n,
					total, strerror(errno));
				return 1;
			}
			done += w;
		}
		total += n;
	}
	signal(SIGALRM, SIG_IGN);
	if (n < 0) {
		fprintf(stderr, "narrowtotal: read after %u: %s\n", total, strerror(errno));
		return 1;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "narrowtotal: %u bytes\n", total);
	return 0;
}
