/*
 * flags [-m N] [-b] IN OUT: makes descriptors the way servers and tools do, a call followed
 * by fcntl(F_SETFD, FD_CLOEXEC) or fcntl(F_SETFL, O_NONBLOCK), and prints each descriptor's
 * flags (F_GETFD and F_GETFL) or the error that stopped it; copies IN to OUT on the way. The
 * end-to-end tests' program for the pass's merged flags (docs/pass.md, "Specialisations:
 * merged flags"). The hot sequences, in program order:
 *
 *   IN:        open -> fcntl(F_SETFD) -> fstat -> read   (open gets O_CLOEXEC, fstat -> read
 *                                                          stays a multi-call)
 *   OUT:       open -> fcntl(F_SETFD)                     (open with O_CLOEXEC)
 *   socket:    socket -> fcntl(F_SETFD) -> fcntl(F_SETFL) (socket with both flags)
 *   accept:    accept -> fcntl(F_SETFL) -> fcntl(F_SETFD) (accept4)
 *   dup2:      dup2(in, 9) -> fcntl(9, F_SETFD)           (dup3 behind a != b)
 *   onto self: dup2(x, x) -> fcntl(x, F_SETFD)            (dup2 returns x: the original path)
 *   pipe:      pipe(p) -> fcntl(p[0], F_SETFD) -> fcntl(p[1], F_SETFD)   (pipe2 with O_CLOEXEC)
 *
 * -m N sets RLIMIT_NOFILE to N first, so that the call making descriptor N fails with EMFILE;
 * -b makes accept and the first dup2 work on a closed descriptor (EBADF). A failed step is
 * reported on stdout with its errno and the program goes on with the next one.
 *
 * Exit status: 0 every step succeeded, 1 a step failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCK "flags.sock"

static int failures;
static char buf[65536];

/* Prints the descriptor's flags, or the error that kept the step from making it. */
static void show(const char *what, int fd, int err)
{
	if (fd < 0) {
		printf("%s: %s (errno %d)\n", what, strerror(err), err);
		failures++;
		return;
	}
	int fdfl = fcntl(fd, F_GETFD);
	int fl = fcntl(fd, F_GETFL);
	printf("%s: fd %d, F_GETFD %d, F_GETFL %o\n", what, fd, fdfl, fl);
}

static int open_in(const char *path, ssize_t *n)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	if (fstat(fd, &st) != 0)
		return -1;
	*n = read(fd, buf, sizeof buf);
	return fd;
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* lighttpd's fdevent_socket_nb_cloexec where SOCK_CLOEXEC is not used. */
static int socket_nb_cloexec(int domain, int type)
{
	int fd = socket(domain, type, 0);
	if (fd == -1)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		abort();
	if (fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) == -1)
		abort();
	return fd;
}

static int accept_nb(int l)
{
	int c = accept(l, NULL, NULL);
	if (c < 0)
		return -1;
	int r = fcntl(c, F_SETFL, O_NONBLOCK);
	r += fcntl(c, F_SETFD, FD_CLOEXEC);
	if (r != 0)
		abort();
	return c;
}

static int dup_cloexec(int from, int to)
{
	if (dup2(from, to) < 0)
		return -1;
	return fcntl(to, F_SETFD, FD_CLOEXEC) == 0 ? to : -1;
}

/* A shell's or a server's pipe whose ends must not survive exec. */
static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) == -1 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int opt, closed = 0;
	while ((opt = getopt(argc, argv, "m:b")) != -1) {
		if (opt == 'm') {
			struct rlimit rl = { .rlim_cur = strtoul(optarg, NULL, 10) };
			rl.rlim_max = rl.rlim_cur;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
				perror("setrlimit");
				return 2;
			}
		} else if (opt == 'b') {
			closed = 1;
		} else {
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: flags [-m N] [-b] IN OUT\n");
		return 2;
	}
	ssize_t n = 0;
	int in = open_in(argv[optind], &n);
	show("in", in, errno);
	int out = open_out(argv[optind + 1]);
	show("out", out, errno);
	if (in >= 0 && out >= 0) {
		while (n > 0) {
			if (write(out, buf, n) != n) {
				printf("write: %s\n", strerror(errno));
				failures++;
				break;
			}
			n = read(in, buf, sizeof buf);
		}
	}

	int s = socket_nb_cloexec(AF_UNIX, SOCK_STREAM);
	show("socket", s, errno);

	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, SOCK);
	unlink(SOCK);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	int c = -1;
	if (l >= 0 && bind(l, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(l, 1) == 0 &&
	    s >= 0) {
		/* The non-blocking client connects at once to the listening socket. */
		if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0)
			printf("connect: %s\n", strerror(errno));
		if (closed)
			close(l);
		c = accept_nb(l);
		show("accept", c, errno);
	} else {
		show("listen", -1, errno);
	}
	unlink(SOCK);

	int d = dup_cloexec(closed ? 42 : in, 9);
	show("dup2", d, errno);
	int x = dup(in >= 0 ? in : 0);
	show("dup", x, errno);
	int self = x >= 0 ? dup_cloexec(x, x) : -1;
	show("dup2 onto itself", self, errno);
	int p[2];
	if (pipe_cloexec(p) == 0) {
		show("pipe read end", p[0], 0);
		show("pipe write end", p[1], 0);
	} else {
		show("pipe", -1, errno);
	}

	if (fflush(stdout) != 0)
		return 1;
	return failures ? 1 : 0;
}
