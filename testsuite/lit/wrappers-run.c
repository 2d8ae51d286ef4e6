// The wrappers that lower through a system call with fixed extra arguments or a constant
// fcntl command, run: built with and without the pass, the program prints the same and
// exits the same on every backend the runtime offers here. wait and waitpid (wait4), fcntl
// with a struct, an int and no argument, and on a closed descriptor, epoll_pwait (its
// signal set's size) on an empty and a ready pipe and on a bad descriptor, send and recv on
// a socket pair up to the end of the stream and EPIPE; `close(fd) != 0` stops a batch.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/wrappers-run.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: rm -f %t.lock && %t.orig %t.lock > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: rm -f %t.lock && %t.clustered %t.lock > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: rm -f %t.lock && env MULTICALL_BACKEND=direct %t.clustered %t.lock > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: rm -f %t.lock && env MULTICALL_BACKEND=io_uring %t.clustered %t.lock > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: FileCheck %s < %t.orig.out

// REMARK-DAG: remark: clustered 2 system calls into one multi-call: wait -> waitpid (stop: result < 0, never; 0 result references)
// REMARK-DAG: remark: clustered 5 system calls into one multi-call: open -> fcntl -> fcntl -> fcntl -> fcntl (stop: result < 0, result < 0, result < 0, result < 0, never; 4 result references)
// REMARK-DAG: remark: clustered 2 system calls into one multi-call: close -> close (stop: result < 0, never; 0 result references)
// REMARK-DAG: remark: clustered 2 system calls into one multi-call: epoll_ctl -> epoll_pwait (stop: result < 0, never; 0 result references)
// REMARK-DAG: remark: clustered 3 system calls into one multi-call: write -> epoll_pwait -> epoll_pwait (stop: result != argument 2, never, never; 0 result references)
// REMARK-DAG: remark: clustered 5 system calls into one multi-call: send -> recv -> close -> recv -> send (stop: result != argument 2, result != argument 2, result < 0, never, never; 0 result references)

// CHECK: wait: the child, status 7; waitpid: -1 errno 10
// CHECK-NEXT: F_GETLK: type unlocked, F_DUPFD_CLOEXEC: {{1[0-9]}}, F_GETFD: 1, F_GETFL of a closed fd: -1 errno 9
// CHECK-NEXT: epoll_pwait: 0 then 1 (data 5), on a bad fd -1 errno 9
// CHECK-NEXT: recv: 'y', then 0; send to a closed peer: -1 errno 32
// CHECK-NEXT: exit 0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define noinline __attribute__((noinline))

// wait is wait4(-1, &st, 0, NULL), waitpid(-1, &st, WNOHANG) wait4(-1, &st, WNOHANG, NULL).
static noinline int children(void)
{
	int st = 0, st2 = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	if (pid < 0)
		return -1;
	pid_t w = wait(&st);
	if (w < 0) {
		perror("wait");
		return -1;
	}
	pid_t w2 = waitpid(-1, &st2, WNOHANG);
	printf("wait: %s, status %d; waitpid: %d errno %d\n", w == pid ? "the child" : "other",
	       WEXITSTATUS(st), (int)w2, w2 < 0 ? errno : 0);
	return 0;
}

// fcntl with a struct (F_SETLK, F_GETLK), an int (F_DUPFD_CLOEXEC) and no argument (F_GETFD).
static noinline int locks(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		perror("F_SETLK");
		return -1;
	}
	if (fcntl(fd, F_GETLK, &q) != 0) {
		perror("F_GETLK");
		return -1;
	}
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (d < 0) {
		perror("F_DUPFD_CLOEXEC");
		return -1;
	}
	int fdflags = fcntl(d, F_GETFD);
	int bad = fcntl(d + 1, F_GETFL);
	printf("F_GETLK: type %s, F_DUPFD_CLOEXEC: %d, F_GETFD: %d, F_GETFL of a closed fd: %d errno %d\n",
	       q.l_type == F_UNLCK ? "unlocked" : "locked", d, fdflags, bad, bad < 0 ? errno : 0);
	if (close(d) != 0 || close(fd) != 0) {
		perror("close");
		return -1;
	}
	return 0;
}

// epoll_pwait is epoll_pwait(..., &mask, 8); the second wait sees the pipe readable.
static noinline int events(void)
{
	static int p[2];
	static struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 5 }, out[2];
	static sigset_t none;

	if (pipe(p) != 0) {
		perror("pipe");
		return -1;
	}
	int ep = epoll_create1(0);
	if (ep < 0) {
		perror("epoll_create1");
		return -1;
	}
	if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) {
		perror("epoll_ctl");
		return -1;
	}
	int n0 = epoll_pwait(ep, out, 2, 0, &none);
	if (n0 < 0) {
		perror("epoll_pwait");
		return -1;
	}
	if (write(p[1], "x", 1) != 1) {
		perror("write");
		return -1;
	}
	int n1 = epoll_pwait(ep, out, 2, 0, &none);
	int bad = epoll_pwait(-1, out, 2, 0, &none);
	printf("epoll_pwait: %d then %d (data %u), on a bad fd %d errno %d\n", n0, n1,
	       out[0].data.u32, bad, bad < 0 ? errno : 0);
	return 0;
}

// send and recv on a socket pair; after the peer closes, recv sees the end and send EPIPE.
static noinline int sockets(void)
{
	int sv[2];
	char c = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("socketpair");
		return -1;
	}
	int a = sv[0], b = sv[1];
	if (send(b, "y", 1, 0) != 1) {
		perror("send");
		return -1;
	}
	if (recv(a, &c, 1, MSG_DONTWAIT) != 1) {
		perror("recv");
		return -1;
	}
	if (close(b) != 0) {
		perror("close");
		return -1;
	}
	ssize_t end = recv(a, &c, 1, MSG_DONTWAIT);
	ssize_t pipe_err = send(a, "z", 1, MSG_NOSIGNAL);
	printf("recv: '%c', then %zd; send to a closed peer: %zd errno %d\n", c, end, pipe_err,
	       pipe_err < 0 ? errno : 0);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc != 2)
		return 2;
	if (children() || locks(argv[1]) || events() || sockets())
		return 1;
	return 0;
}
