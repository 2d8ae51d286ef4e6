/*
 * relay [-p|-b] IN OUT: relays IN to OUT through a local stream socket, as a proxy relays a
 * connection, then checks how the connection ends. The end-to-end tests' program for the
 * socket calls: recv and send (the kernel's recvfrom and sendto), accept followed by fcntl
 * on the new connection, and the tests `if (fstat(...))` and `if (close(fd) != 0)`.
 *
 * It listens on the Unix socket relay.sock in the current directory, connects to it and
 * accepts the connection, makes the accepted end non-blocking and close-on-exec, and then
 * copies IN block by block: read from IN, send on the client end, recv on the server end,
 * write to OUT. At the end the client shuts down its writing side (the server's recv sees
 * the end of the stream), a send to the closed client fails with EPIPE (after the SIGPIPE
 * handler installed with sigaction has counted the signal) and a second close with EBADF, as
 * the program expects. The hot sequences, in program order:
 *
 *   IN:       open -> fstat
 *   server:   sigaction -> socket -> ... -> accept -> fcntl(F_GETFL),
 *             fcntl(F_SETFL) -> fcntl(F_SETFD) -> close
 *   relay:    read -> send -> recv -> write -> read ...
 *   end:      shutdown -> recv, close -> send -> close -> close
 *
 * -p closes the server end before the relay (a send to a closed peer: EPIPE), -b closes the
 * client end (a send on a closed descriptor: EBADF).
 *
 * Exit status: 0 done, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BLOCK 512
#define SOCK "relay.sock"

static volatile sig_atomic_t pipes;

static void on_pipe(int sig)
{
	pipes++;
	(void)sig;
}

static int fail(const char *what)
{
	perror(what);
	unlink(SOCK);
	return 1;
}

int main(int argc, char *argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = SOCK };
	char a[BLOCK], b[BLOCK];
	struct sigaction sa;
	struct stat st;
	int in, out, lfd, cli, srv, fl, mode = 0;
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_pipe;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;

	if (argc == 4 && (strcmp(argv[1], "-p") == 0 || strcmp(argv[1], "-b") == 0)) {
		mode = argv[1][1];
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s [-p|-b] IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	if (fstat(in, &st)) {
		perror("fstat");
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}

	if (sigaction(SIGPIPE, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0)
		return fail("socket");
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return fail("bind");
	if (listen(lfd, 1) != 0)
		return fail("listen");
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	if (cli < 0)
		return fail("socket");
	if (connect(cli, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return fail("connect");
	srv = accept(lfd, NULL, NULL);
	if (srv < 0)
		return fail("accept");
	fl = fcntl(srv, F_GETFL);
	if (fl < 0)
		return fail("fcntl F_GETFL");
	if (fcntl(srv, F_SETFL, fl | O_NONBLOCK) != 0)
		return fail("fcntl F_SETFL");
	if (fcntl(srv, F_SETFD, FD_CLOEXEC) != 0)
		return fail("fcntl F_SETFD");
	if (close(lfd) != 0)
		return fail("close");
	if (unlink(SOCK) != 0)
		return fail("unlink");

	if (mode == 'p')
		close(srv);
	else if (mode == 'b')
		close(cli);

	/* A send on a Unix stream socket queues the data on the peer before it returns, so
	 * the non-blocking recv finds the whole block. */
	while ((n = read(in, a, BLOCK)) > 0) {
		if (send(cli, a, n, MSG_NOSIGNAL) != n) {
			perror("send");
			return 1;
		}
		if (recv(srv, b, n, 0) != n) {
			perror("recv");
			return 1;
		}
		if (write(out, b, n) != n) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}

	if (shutdown(cli, SHUT_WR) != 0) {
		perror("shutdown");
		return 1;
	}
	n = recv(srv, b, 1, 0);
	if (n != 0) {
		fprintf(stderr, "recv after shutdown: %zd\n", n);
		return 1;
	}
	if (close(cli) != 0) {
		perror("close client");
		return 1;
	}
	if (send(srv, "x", 1, 0) >= 0 || errno != EPIPE || pipes != 1) {
		perror("send to a closed peer");
		return 1;
	}
	if (close(srv) != 0) {
		perror("close server");
		return 1;
	}
	if (close(srv) == 0 || errno != EBADF) {
		perror("close twice");
		return 1;
	}
	if (close(in) != 0 || close(out) != 0) {
		perror("close");
		return 1;
	}
	printf("%lld bytes relayed, %d SIGPIPE\n", (long long)st.st_size, (int)pipes);
	return 0;
}
