// Read-until-full and write-all loops that keep what is done as an offset into the buffer,
// the most common way C code writes them, run:
//
//   while (got < size) { n = read(fd, p + got, size - got); if (n < 0) return -1;
//                        if (n == 0) break; got += n; }
//   while (done < size) { n = write(fd, p + done, size - done); if (n < 0) return -1;
//                         done += n; }
//
// and the same over recv (flags 0) and send. Tested at the top, their arguments computed from
// the total in the body, each is one looped multi-call whose count reaches 0 when the total
// reaches the size (legality/advance.rs, `top_total_test`). clang -O2 folds read_full's two
// tests into a switch on selects (transform/dispatch.rs) and its step into `smax(n, 0)`
// (transform/nonneg.rs); -O1 writes write_full's step as `select (n > -1), n, 0`. Built at
// -O2 and at -O1, with and without the pass, the program must print the same on every
// backend: a file read in pieces and to its end, a pipe a child fills slowly (reads come
// back short, the loop goes round), a closed descriptor (EBADF), a file-size limit (a short
// write, then EFBIG), a non-blocking pipe with no reader (a short write, then EAGAIN), a pipe
// read slowly under a timer (short writes, round again), and a socket pair (a child sends
// while the parent receives: short receives).
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/offset-totals.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %clang -O1 -g %s -o %t.orig1
// RUN: %clang-cluster -O1 -g %s -o %t.clustered1 %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/offset-totals.json -Rpass=syscall-cluster 2> %t.remarks1
// RUN: FileCheck %s --check-prefix=REMARK1 < %t.remarks1
// RUN: %t.orig %t.tmp > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered %t.tmp > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered %t.tmp > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered %t.tmp > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: %t.orig1 %t.tmp > %t.orig1.out 2>&1; echo "exit $?" >> %t.orig1.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered1 %t.tmp > %t.direct1.out 2>&1; echo "exit $?" >> %t.direct1.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: diff %t.orig.out %t.orig1.out
// RUN: diff %t.orig.out %t.direct1.out
// RUN: FileCheck %s < %t.orig.out

// REMARK-DAG: remark: made the switch on 2 selects
// REMARK-DAG: remark: used %{{[0-9]+}} for '%{{[0-9]+}} = tail call i64 @llvm.smax.i64(i64 %{{[0-9]+}}, i64 0)': its uses are reached only where it is not negative
// REMARK-DAG: remark: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries {{.*}} (total of read's results); advances {{.*}} until {{.*}} == 0
// REMARK-DAG: remark: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries {{.*}} (total of write's results); advances {{.*}} until {{.*}} == 0
// REMARK-DAG: remark: clustered the whole loop into one looped multi-call: recv (stop: result <= 0; 0 result references); carries {{.*}} (total of recv's results); advances {{.*}} until {{.*}} == 0
// REMARK-DAG: remark: clustered the whole loop into one looped multi-call: send (stop: result < 0; 0 result references); carries {{.*}} (total of send's results); advances {{.*}} until {{.*}} == 0
// REMARK1-DAG: remark: used %{{[0-9]+}} for '%{{[0-9]+}} = select i1 %{{[0-9]+}}, i64 %{{[0-9]+}}, i64 0': its uses are reached only where it is not negative
// REMARK1-DAG: remark: clustered the whole loop into one looped multi-call: read (stop: result <= 0;
// REMARK1-DAG: remark: clustered the whole loop into one looped multi-call: write (stop: result < 0;
// CHECK: file: 16384, errno 0
// CHECK-NEXT: file: 13616, errno 0
// CHECK-NEXT: file: 0, errno 0
// CHECK-NEXT: pipe: 16384, errno 0
// CHECK-NEXT: pipe: 3616, errno 0
// CHECK-NEXT: closed: -1, errno 9
// CHECK-NEXT: write file: 30000, errno 0
// CHECK-NEXT: write closed: -1, errno 9
// CHECK-NEXT: write limit: -1, errno 27
// CHECK-NEXT: limit: file of 10000 bytes
// CHECK-NEXT: write non-blocking: -1, errno 11
// CHECK-NEXT: write slow: 1048576, errno 0
// CHECK-NEXT: slow: reader got 1048576 bytes, sum 131064401
// CHECK-NEXT: socket: received 65536, errno 0
// CHECK-NEXT: socket: received 65536, errno 0
// CHECK-NEXT: socket: received 65536, errno 0
// CHECK-NEXT: socket: received 3392, errno 0
// CHECK-NEXT: socket: sum 24995206
// CHECK-NEXT: socket: sender exit 0
// CHECK-NEXT: exit 0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char data[1 << 20];
static char in[1 << 16];

static __attribute__((noinline)) ssize_t read_full(int fd, char *p, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, p + got, size - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static __attribute__((noinline)) ssize_t write_full(int fd, const char *p, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = write(fd, p + done, size - done);
		if (n < 0)
			return -1;
		done += n;
	}
	return done;
}

static __attribute__((noinline)) ssize_t recv_full(int s, char *p, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = recv(s, p + got, size - got, 0);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static __attribute__((noinline)) ssize_t send_full(int s, const char *p, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = send(s, p + done, size - done, 0);
		if (n < 0)
			return -1;
		done += n;
	}
	return done;
}

static void reading(const char *what, int fd, size_t size)
{
	ssize_t r;

	errno = 0;
	r = read_full(fd, in, size);
	printf("%s: %zd, errno %d\n", what, r, errno);
}

static void writing(const char *what, int fd, size_t size)
{
	ssize_t r;

	errno = 0;
	r = write_full(fd, data, size);
	printf("write %s: %zd, errno %d\n", what, r, errno);
}

/* A child that writes `pieces` pieces of `size` bytes into `fd` slowly, then exits. */
static pid_t slow_writer(int fd, int pieces, size_t size)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < pieces; i++) {
			usleep(300);
			if (write(fd, data, size) != (ssize_t)size)
				_exit(1);
		}
		_exit(0);
	}
	return pid;
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
	unsigned long sum = 0;
	int fd, p[2], sv[2], status;
	pid_t child;

	if (argc != 2)
		return 2;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i % 251);

	/* Reads: a file of 30000 bytes in buffers of 16384, to its end. */
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, 30000) != 30000 || lseek(fd, 0, SEEK_SET) != 0)
		return 3;
	reading("file", fd, 16384);
	reading("file", fd, 16384);
	reading("file", fd, 16384);
	close(fd);
	/* A pipe a child fills with 20 pieces of 1000 bytes: short reads, round again. */
	if (pipe(p) < 0)
		return 3;
	child = slow_writer(p[1], 20, 1000);
	close(p[1]);
	reading("pipe", p[0], 16384);
	reading("pipe", p[0], 16384);
	close(p[0]);
	waitpid(child, &status, 0);
	reading("closed", p[0], 100);

	/* Writes: a file, a closed descriptor, a file-size limit, a full non-blocking pipe. */
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 3;
	writing("file", fd, 30000);
	close(fd);
	writing("closed", fd, 30000);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &lim);
	lim.rlim_cur = 10000;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || setrlimit(RLIMIT_FSIZE, &lim) < 0)
		return 3;
	writing("limit", fd, 30000);
	lim.rlim_cur = lim.rlim_max;
	setrlimit(RLIMIT_FSIZE, &lim);
	close(fd);
	if (stat(argv[1], &st) < 0)
		return 3;
	printf("limit: file of %lld bytes\n", (long long)st.st_size);
	if (pipe(p) < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
		return 3;
	writing("non-blocking", p[1], 100000);
	close(p[0]);
	close(p[1]);

	/* A pipe read slowly while a timer interrupts the writes: short writes. */
	if (pipe(p) < 0)
		return 3;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		unsigned long got = 0, s = 0;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], in, 4096)) > 0) {
			for (ssize_t i = 0; i < n; i++)
				s += (unsigned char)in[i];
			got += n;
			usleep(50);
		}
		printf("slow: reader got %lu bytes, sum %lu\n", got, s);
		fflush(stdout);
		_exit(0);
	}
	close(p[0]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	writing("slow", p[1], sizeof data);
	setitimer(ITIMER_REAL, &off, NULL);
	fflush(stdout);
	close(p[1]);
	waitpid(child, &status, 0);

	/* A socket pair: a child sends 200000 bytes; the parent receives in buffers of 64 KiB. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 3;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		close(sv[0]);
		_exit(send_full(sv[1], data, 200000) == 200000 ? 0 : 1);
	}
	close(sv[1]);
	for (;;) {
		ssize_t r;

		errno = 0;
		r = recv_full(sv[0], in, sizeof in);
		printf("socket: received %zd, errno %d\n", r, errno);
		if (r <= 0 || r < (ssize_t)sizeof in) {
			for (ssize_t i = 0; i < r; i++)
				sum += (unsigned char)in[i];
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			sum += (unsigned char)in[i];
	}
	printf("socket: sum %lu\n", sum);
	close(sv[0]);
	waitpid(child, &status, 0);
	printf("socket: sender exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
