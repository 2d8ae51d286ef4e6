// A write-all loop in the form `while ((n = write(fd, p, left)) != left) { if (n < 0) ...;
// p += n; left -= n; }`, run. clang -O2 writes once before the loop and tests each result
// against -1 at the top of the next iteration; the loop's start moves to the write
// (transform/reheader.rs), its test `n == left` then follows the write's stop predicate
// `n < 0` as `left - n == 0` (transform/finished.rs), and the loop is one looped
// multi-call whose pointer and count advance by the write's result until the count is 0.
// Cases: a file (one write), an empty buffer, a closed descriptor (EBADF at the first
// write), a non-blocking pipe with no reader yet (a short write of what the pipe holds, then
// EAGAIN in the loop), a file-size limit with SIGXFSZ ignored (a short write, then EFBIG),
// and a pipe read slowly by a child while SIGALRM (SA_RESTART) interrupts the writes every
// millisecond, so that they come back short and the loop goes round until all is written.
// Built with and without the pass, the program must print the same, on every backend the
// runtime offers here.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/advance.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig %t.tmp > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered %t.tmp > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered %t.tmp > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered %t.tmp > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: FileCheck %s < %t.orig.out

// REMARK-DAG: looped-write-neq-run.c:[[#@LINE+30]]:{{[0-9]+}}: remark: moved the start of the loop to 'write' at looped-write-neq-run.c:[[#@LINE+30]]:{{[0-9]+}}: the loop's test of the result of 'write'
// REMARK-DAG: looped-write-neq-run.c:[[#@LINE+29]]:{{[0-9]+}}: remark: tested whether 'write' at looped-write-neq-run.c:[[#@LINE+29]]:{{[0-9]+}} moved all it was asked for after its test '%{{[0-9]+}} = icmp slt i64 %{{[0-9]+}}, 0'
// REMARK-DAG: looped-write-neq-run.c:[[#@LINE+28]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); advances {{.*}} until {{.*}} == 0
// CHECK: file: 0, left 0, errno 0
// CHECK-NEXT: empty: 0, left 0, errno 0
// CHECK-NEXT: closed: -1, left 5000, errno 9
// CHECK-NEXT: non-blocking: -1, left 34464, errno 11
// CHECK-NEXT: limit: -1, left 20000, errno 27
// CHECK-NEXT: limit: file of 10000 bytes
// CHECK-NEXT: slow: 0, left 0, errno 0
// CHECK-NEXT: slow: reader got 1048576 bytes, sum 131064401
// CHECK-NEXT: exit 0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char data[1 << 20];

/* Writes p[0..len) whole: 0, or -1 with errno and *unwritten what was left. */
static __attribute__((noinline)) int write_all(int fd, const char *p, size_t len, size_t *unwritten)
{
	ssize_t n;

	while ((n = write(fd, p, len)) != (ssize_t)len) {
		if (n < 0) {
			*unwritten = len;
			return -1;
		}
		p += n;
		len -= n;
	}
	*unwritten = 0;
	return 0;
}

static void report(const char *what, int fd, size_t len)
{
	size_t left = 12345;
	int r;

	errno = 0;
	r = write_all(fd, data, len, &left);
	printf("%s: %d, left %zu, errno %d\n", what, r, left, errno);
}

static void tick(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct itimerval every = {{0, 1000}, {0, 1000}}, off = {{0, 0}, {0, 0}};
	struct rlimit lim;
	struct stat st;
	int fd, p[2], status;
	pid_t child;

	if (argc != 2)
		return 2;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i % 251);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 3;
	report("file", fd, 30000);
	report("empty", fd, 0);
	close(fd);
	report("closed", fd, 5000);

	/* A pipe of 64 KiB that nobody reads yet: 65536 of 100000 bytes, then EAGAIN. */
	if (pipe(p) < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
		return 3;
	report("non-blocking", p[1], 100000);
	close(p[0]);
	close(p[1]);

	/* A file-size limit of 10000 bytes: a short write, then EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &lim);
	lim.rlim_cur = 10000;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || setrlimit(RLIMIT_FSIZE, &lim) < 0)
		return 3;
	report("limit", fd, 30000);
	lim.rlim_cur = lim.rlim_max;
	setrlimit(RLIMIT_FSIZE, &lim);
	close(fd);
	if (stat(argv[1], &st) < 0)
		return 3;
	printf("limit: file of %lld bytes\n", (long long)st.st_size);

	/* A pipe read slowly while a timer interrupts the writes: short writes, round again. */
	if (pipe(p) < 0)
		return 3;
	fflush(stdout);
	child = fork();
	if (child < 0)
		return 3;
	if (child == 0) {
		static char in[4096];
		unsigned long got = 0, sum = 0;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], in, sizeof in)) > 0) {
			for (ssize_t i = 0; i < n; i++)
				sum += (unsigned char)in[i];
			got += n;
			usleep(50);
		}
		printf("slow: reader got %lu bytes, sum %lu\n", got, sum);
		fflush(stdout);
		_exit(0);
	}
	close(p[0]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	report("slow", p[1], sizeof data);
	setitimer(ITIMER_REAL, &off, NULL);
	fflush(stdout);
	close(p[1]);
	waitpid(child, &status, 0);
	return 0;
}
