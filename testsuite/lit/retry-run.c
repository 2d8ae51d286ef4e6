// Read-until-full and write-all loops around a call retried on EINTR, run: busybox's
// full_read around safe_read, and OpenSSH's atomicio (reading and writing). clang -O2
// inlines the helper and threads its retry straight back to the read, which then heads a loop
// of its own inside full_read's; transform/retry.rs sends the retry round full_read's loop
// instead, which is then one looped multi-call whose stop on a
// negative result goes back into the loop (the errno test, the retry). Built at -O2 with and
// without the pass, the program must print the same on every backend: a file read in pieces
// and to its end, a pipe a child fills slowly while a timer without SA_RESTART interrupts the
// blocked reads (EINTR, retried), a non-blocking pipe that runs dry after some bytes (the
// total with errno EAGAIN, then -1 with nothing read), and a closed descriptor (EBADF).
// atomicio switches on the result (`case -1: if (errno == EINTR) continue; return 0;`), a
// switch whose case goes back into the loop (legality/advance.rs, `reentering_switch`), and
// clang keeps its count `n - pos` as a phi of its own, computed from the total instead
// (transform/counts.rs); it reads a file to its end (EPIPE at the end, as OpenSSH's does) and
// writes a file, a closed descriptor, a full non-blocking pipe, a pipe with no reader, and a
// pipe read slowly while the timer interrupts the blocked writes.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/retry.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig %t.tmp > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered %t.tmp > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered %t.tmp > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered %t.tmp > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// At -O1 (the way out of full_read's retry tests `n < 0` again, which JumpThreading folds,
// transform/thread.rs) and -Os, against the -O2 original:
// RUN: %clang-cluster -O1 -g %s -o %t.clustered1 %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/retry.json -Rpass=syscall-cluster 2> %t.remarks1
// RUN: FileCheck %s --check-prefix=REMARK1 < %t.remarks1
// RUN: %clang-cluster -Os -g %s -o %t.clustereds %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/retry.json
// RUN: env MULTICALL_BACKEND=direct %t.clustered1 %t.tmp > %t.direct1.out 2>&1; echo "exit $?" >> %t.direct1.out
// RUN: env MULTICALL_BACKEND=direct %t.clustereds %t.tmp > %t.directs.out 2>&1; echo "exit $?" >> %t.directs.out
// RUN: diff %t.orig.out %t.direct1.out
// RUN: diff %t.orig.out %t.directs.out
// RUN: FileCheck %s < %t.orig.out

// REMARK-COUNT-3: remark: sent the retries of the loop at block %{{[0-9]+}} round the loop at block %{{[0-9]+}}, which it joins
// REMARK-DAG: remark: computed %{{[0-9]+}} as 16384 - %{{[0-9]+}} at the top of the loop: it is that on every way in
// REMARK-DAG: remark: computed %{{[0-9]+}} as %{{[0-9]+}} - %{{[0-9]+}} at the top of the loop: it is that on every way in
// REMARK-COUNT-2: remark: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries {{.*}} (total of read's results); advances {{.*}} until {{.*}} == 0; a stop goes back into the loop at {{.*}}, the original code
// REMARK-DAG: remark: clustered the whole loop into one looped multi-call: write (stop: result <= 0; 0 result references); carries {{.*}} (total of write's results); advances {{.*}} until {{.*}} == 0; a stop goes back into the loop at {{.*}}, the original code
// REMARK1-DAG: remark: threaded the jumps of the function of 'read' at retry-run.c:{{[0-9]+}}:{{[0-9]+}}: block %{{[0-9]+}} of its loop chooses where to go by a condition a block before it already branched on
// REMARK1-COUNT-3: remark: clustered the whole loop into one looped multi-call
// CHECK: file: 16384, errno 0
// CHECK-NEXT: file: 13616, errno 0
// CHECK-NEXT: file: 0, errno 0
// CHECK-NEXT: pipe: 16384, sum 2032249, errno 0 or EINTR
// CHECK-NEXT: pipe: 3616, sum 457871, errno 0 or EINTR
// CHECK-NEXT: dry: 1000, errno 11
// CHECK-NEXT: dry: -1, errno 11
// CHECK-NEXT: closed: -1, errno 9
// CHECK-NEXT: atomicio read: 16384, errno 0
// CHECK-NEXT: atomicio read: 13616, errno 32
// CHECK-NEXT: atomicio read: 0, errno 32
// CHECK-NEXT: atomicio write file: 30000, errno 0 or EINTR
// CHECK-NEXT: atomicio write closed: 0, errno Bad file descriptor
// CHECK-NEXT: atomicio write non-blocking: 0, errno Resource temporarily unavailable
// CHECK-NEXT: atomicio write no reader: 0, errno Broken pipe
// CHECK-NEXT: atomicio write slow: 65536, errno 0 or EINTR
// CHECK-NEXT: slow: reader got 65536 bytes, sum 8189175
// CHECK-NEXT: exit 0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char data[1 << 16];
static char in[1 << 16];

static ssize_t safe_read(int fd, void *buf, size_t count)
{
	ssize_t n;

	do {
		n = read(fd, buf, count);
	} while (n < 0 && errno == EINTR);
	return n;
}

static __attribute__((noinline)) ssize_t full_read(int fd, void *buf, size_t len)
{
	ssize_t cc;
	ssize_t total = 0;

	while (len) {
		cc = safe_read(fd, buf, len);
		if (cc < 0) {
			if (total)
				return total;
			return cc;
		}
		if (cc == 0)
			break;
		buf = ((char *)buf) + cc;
		total += cc;
		len -= cc;
	}
	return total;
}

/* OpenSSH's atomicio: a switch on the result whose -1 case retries on EINTR (a `continue`
 * clang threads back to the call), the count `n - pos` kept as a phi of its own. */
static size_t atomicio(ssize_t (*f)(int, void *, size_t), int fd, void *_s, size_t n)
{
	char *s = _s;
	size_t pos = 0;
	ssize_t res;

	while (n > pos) {
		res = (f)(fd, s + pos, n - pos);
		switch (res) {
		case -1:
			if (errno == EINTR)
				continue;
			return 0;
		case 0:
			errno = EPIPE;
			return pos;
		default:
			pos += (size_t)res;
		}
	}
	return pos;
}

#define vwrite (ssize_t (*)(int, void *, size_t))write

static __attribute__((noinline)) size_t ssh_write(int fd, const void *p, size_t n)
{
	return atomicio(vwrite, fd, (void *)p, n);
}

static __attribute__((noinline)) size_t ssh_read(int fd, void *p, size_t n)
{
	return atomicio(read, fd, p, n);
}

static void writing(const char *what, int fd, size_t size)
{
	size_t r;

	errno = 0;
	r = ssh_write(fd, data, size);
	printf("atomicio write %s: %zu, errno %s\n", what, r,
	       errno == 0 || errno == EINTR ? "0 or EINTR" : strerror(errno));
}

static unsigned long reading(const char *what, int fd, size_t size, int sum)
{
	unsigned long s = 0;
	ssize_t r;

	errno = 0;
	r = full_read(fd, in, size);
	for (ssize_t i = 0; i < r; i++)
		s += (unsigned char)in[i];
	/* Whether a read was interrupted (and retried, leaving errno EINTR) is the timer's. */
	if (sum)
		printf("%s: %zd, sum %lu, errno %s\n", what, r, s,
		       errno == 0 || errno == EINTR ? "0 or EINTR" : strerror(errno));
	else
		printf("%s: %zd, errno %d\n", what, r, errno);
	return s;
}

static void tick(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct itimerval every = {{0, 500}, {0, 500}}, off = {{0, 0}, {0, 0}};
	int fd, p[2], status;
	pid_t child;

	if (argc != 2)
		return 2;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i % 251);

	/* A file of 30000 bytes in buffers of 16384, to its end. */
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, 30000) != 30000 || lseek(fd, 0, SEEK_SET) != 0)
		return 3;
	reading("file", fd, 16384, 0);
	reading("file", fd, 16384, 0);
	reading("file", fd, 16384, 0);
	close(fd);

	/* A pipe a child fills with 20 pieces of 1000 bytes, slowly, while a timer without
	 * SA_RESTART interrupts the reads that wait for it. */
	if (pipe(p) < 0)
		return 3;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		close(p[0]);
		for (int i = 0; i < 20; i++) {
			usleep(2000);
			if (write(p[1], data, 1000) != 1000)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tick;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	reading("pipe", p[0], 16384, 1);
	reading("pipe", p[0], 16384, 1);
	setitimer(ITIMER_REAL, &off, NULL);
	close(p[0]);
	waitpid(child, &status, 0);

	/* A non-blocking pipe holding 1000 bytes: those, then EAGAIN with nothing read. */
	if (pipe(p) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0 || write(p[1], data, 1000) != 1000)
		return 3;
	reading("dry", p[0], 16384, 0);
	reading("dry", p[0], 16384, 0);
	close(p[1]);
	close(p[0]);
	reading("closed", p[0], 100, 0);

	/* atomicio: reads of a file to its end (EPIPE on end of file, as OpenSSH's). */
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return 3;
	for (int i = 0; i < 3; i++) {
		size_t r;

		errno = 0;
		r = ssh_read(fd, in, 16384);
		printf("atomicio read: %zu, errno %d\n", r, errno);
	}
	close(fd);
	/* Writes: a file, a closed descriptor, a full non-blocking pipe (EAGAIN: 0), a pipe
	 * whose reader is gone (EPIPE: 0), and a pipe read slowly while a timer without
	 * SA_RESTART interrupts the blocked writes (EINTR, retried). */
	fd = open(argv[1], O_WRONLY | O_TRUNC);
	if (fd < 0)
		return 3;
	writing("file", fd, 30000);
	close(fd);
	writing("closed", fd, 30000);
	if (pipe(p) < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0 || write(p[1], data, 1000) != 1000)
		return 3;
	writing("non-blocking", p[1], sizeof data);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	writing("no reader", p[1], 100);
	close(p[1]);
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
			usleep(200);
		}
		printf("slow: reader got %lu bytes, sum %lu\n", got, s);
		fflush(stdout);
		_exit(0);
	}
	close(p[0]);
	setitimer(ITIMER_REAL, &every, NULL);
	writing("slow", p[1], sizeof data);
	setitimer(ITIMER_REAL, &off, NULL);
	fflush(stdout);
	close(p[1]);
	waitpid(child, &status, 0);
	return 0;
}
