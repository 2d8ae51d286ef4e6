/*
 * logreopen IN OUT: a copy of IN to the log OUT whose SIGUSR1 handler reopens the log, as
 * daemons do on SIGHUP: it creates OUT.1, closes the old descriptor and puts the new one in
 * the file-scope variable the copy loop writes to. The loop loads that variable after each
 * read, so a signal that arrives while a read waits sends the rest of the copy to OUT.1;
 * a build that loaded it before the read would write to the closed descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int logfd = -1;
static char reopened[4096];

static void reopen(int sig)
{
	int saved = errno, fd;

	(void)sig;
	fd = open(reopened, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd >= 0) {
		close(logfd);
		logfd = fd;
	}
	errno = saved;
}

int main(int argc, char *argv[])
{
	static char buf[4096];
	struct sigaction sa;
	ssize_t n;
	int in;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	snprintf(reopened, sizeof reopened, "%s.1", argv[2]);
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	logfd = creat(argv[2], 0666);
	if (logfd < 0) {
		perror(argv[2]);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = reopen;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(logfd, buf, n) != n) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	return 0;
}
