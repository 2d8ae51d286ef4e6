/*
 * errnokept IN OUT: copies IN to OUT and says what errno holds after the copy loop. When IN
 * is a pipe, a SIGALRM handler (SA_RESTART) runs 0.15 s in, while a read waits for the
 * writer, and calls close(-1) as careless handlers do: it sets errno to EBADF, the read is
 * restarted, and the successful calls after it leave errno alone, so the loop ends with
 * EBADF in errno. A clustered build must end the same way: the copy loop is one looped
 * multi-call, and nothing the runtime does on the way may write errno or put an older value
 * back over the handler's.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static volatile sig_atomic_t fired;

static void careless(int sig)
{
	(void)sig;
	fired = 1;
	close(-1);
}

int main(int argc, char *argv[])
{
	static char buff[N];
	struct stat st;
	ssize_t n;
	int inp, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	inp = open(argv[1], O_RDONLY);
	if (inp < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	if (fstat(inp, &st) == 0 && S_ISFIFO(st.st_mode)) {
		struct sigaction sa;
		struct itimerval once = { .it_value = { .tv_usec = 150000 } };

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = careless;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &once, NULL);
	}
	errno = 0;
	while ((n = read(inp, buff, N)) > 0) {
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
	}
	fprintf(stderr, "after the loop: errno %d (%s), handler %s\n", errno,
		errno ? strerror(errno) : "none", fired ? "ran" : "did not run");
	if (n < 0)
		return 1;
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
