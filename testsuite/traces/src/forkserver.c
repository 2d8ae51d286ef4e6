/*
 * forkserver: a tiny forking TCP server on 127.0.0.1 and its client. The server accepts three
 * connections and serves each in a forked child (read the request, write a reply, close); the client
 * is a forked process too. A trace of it has several processes, SIGCHLD, wait4 and exits.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int client(struct sockaddr_in *addr)
{
	for (int i = 0; i < 3; i++) {
		char reply[64];
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)addr, sizeof *addr) < 0)
			return 1;
		if (write(s, "GET /\r\n", 7) != 7)
			return 1;
		ssize_t n = read(s, reply, sizeof reply);
		close(s);
		if (n <= 0)
			return 1;
	}
	return 0;
}

int main(void)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	int one = 1, status, ls = socket(AF_INET, SOCK_STREAM, 0);

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 8) < 0 ||
	    getsockname(ls, (struct sockaddr *)&addr, &len) < 0) {
		perror("server");
		return 1;
	}
	pid_t c = fork();
	if (c == 0) {
		close(ls);
		_exit(client(&addr));
	}
	for (int i = 0; i < 3; i++) {
		int s = accept(ls, NULL, NULL);
		if (s < 0)
			return 1;
		if (fork() == 0) {
			char req[64];
			ssize_t n = read(s, req, sizeof req);
			if (n > 0)
				write(s, "HTTP/1.0 200 OK\r\n\r\nhello\n", 25);
			close(s);
			_exit(0);
		}
		close(s);
	}
	while (wait(&status) > 0)
		;
	puts("served 3");
	return 0;
}
