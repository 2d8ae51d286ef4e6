// A load between two calls of a straight multi-call runs after the later calls (3a), and
// code motion (2c) would move it above the earlier one: either way it reads memory after a
// call it came after in the original. A signal handler that runs while that call blocks (a
// SIGHUP handler that reopens the log whose descriptor the write takes) may have written it
// meanwhile: such a load neither leaves the gap nor stays in a multi-call when a function
// that may run at any time uses its memory, a global variable it uses or a local variable
// whose address escapes. Loads of memory no such function touches still move.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static int logfd = -1, quiet_fd = -1;
static int *logp;
static char buf[4096];

static void reopen(int sig)
{
	int fd = open("log.1", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	(void)sig;
	if (fd >= 0) {
		close(logfd);
		logfd = fd;
		if (logp)
			*logp = fd;
	}
}

// REMARK-DAG: remark: {{.*}}gap-loads-handler.c:[[#@LINE+8]]:{{[0-9]+}}: could not move '{{.*}} = load i32, ptr @logfd{{.*}}' out of the gap between 'read' at {{.*}} and 'write' at {{.*}}: 'reopen', which may run at any time (a signal handler, a thread, or a function they call), may write the memory it reads while 'read' at {{.*}} runs
// REMARK-DAG: remark: {{.*}}gap-loads-handler.c:[[#@LINE+7]]:{{[0-9]+}}: not clustered: read -> write (weight {{[0-9]+}}) breaks safety: '{{.*}} = load i32, ptr @logfd{{.*}}' reads memory that 'reopen', which may run at any time (a signal handler, a thread, or a function they call), may write; in a multi-call it would run after 'write' at {{.*}} returns and see what such a function wrote meanwhile
__attribute__((noinline)) static int to_log(int in)
{
	ssize_t n = read(in, buf, sizeof buf);

	if (n <= 0)
		return 1;
	return write(logfd, buf, n) != n;
}

// A global no handler uses: its load moves above the read, and the two calls are one.
// REMARK-DAG: remark: {{.*}}gap-loads-handler.c:[[#@LINE+8]]:{{[0-9]+}}: moved '{{.*}} = load i32, ptr @quiet_fd{{.*}}' above 'read'
// REMARK-DAG: remark: {{.*}}gap-loads-handler.c:[[#@LINE+3]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write
__attribute__((noinline)) static int to_quiet(int in)
{
	ssize_t n = read(in, buf, sizeof buf);

	if (n <= 0)
		return 1;
	return write(quiet_fd, buf, n) != n;
}

// A local whose address the handler can reach through a global pointer.
// REMARK-DAG: remark: {{.*}}gap-loads-handler.c:[[#@LINE+10]]:{{[0-9]+}}: not clustered: read -> write (weight {{[0-9]+}}) breaks safety: '{{.*}} = load i32, ptr %{{.*}}' reads memory that 'reopen', which may run at any time
__attribute__((noinline)) static int through_local(int in, int fd)
{
	int local = fd;
	ssize_t n;

	logp = &local;
	n = read(in, buf, sizeof buf);
	if (n <= 0)
		return 1;
	n = write(local, buf, n) != n;
	logp = 0;
	return n;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = reopen };

	sigaction(SIGHUP, &sa, 0);
	logfd = open("log.0", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	quiet_fd = dup(1);
	return to_log(0) | to_quiet(0) | through_local(0, 1);
}
