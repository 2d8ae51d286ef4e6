// A copy loop that switches on the read's result (`if (r == -1) { if (errno == EINTR)
// continue; ... } if (r == 0) break;`, which clang -O2 makes a switch with cases -1 and 0)
// and writes each block with a write-all loop that retries EINTR too. The switch's default
// goes on to a test of `r > 0` whose other way goes round the loop as the EINTR case does,
// so the write post-dominates neither; the default still alone reaches the write without
// running the read again (legality/facts.rs, `switch_continuation`), and the loop is one
// looped multi-call. Built at -O2 with and without the pass, the program must print the same
// on every backend under a timer without SA_RESTART: a file, a pipe a child fills slowly
// (reads interrupted: EINTR, retried), a pipe read slowly (writes interrupted or short), a
// closed output (EBADF), and an input that is a directory (EISDIR). The same cases run with
// copy_retried, which retries each call in a do-while of its own and then switches on the
// read's result: a failed read that is not retried joins the way on at the switch, which
// tests the result itself, so read -> write is one multi-call (legality/facts.rs, `merge`).
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/copy-by-name.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig %t.tmp > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered %t.tmp > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered %t.tmp > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered %t.tmp > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: FileCheck %s --check-prefix=OUT < %t.orig.out
//
// OUT: copy:
// OUT: file: 300000 bytes, sum {{[0-9]+}}
// OUT: slow input: 300000 bytes, sum {{[0-9]+}}
// OUT: slow output: 300000 bytes, sum {{[0-9]+}}
// OUT: closed output: copy: Bad file descriptor
// OUT: directory: copy: Is a directory
// OUT: copy_retried:
// OUT: file: 75 reads
// OUT: file: 300000 bytes, sum {{[0-9]+}}
// OUT: slow input: 300000 bytes, sum {{[0-9]+}}
// OUT: slow output: 75 reads
// OUT: slow output: 300000 bytes, sum {{[0-9]+}}
// OUT: closed output: 1 reads
// OUT: closed output: copy: Bad file descriptor
// OUT: directory: 1 reads
// OUT: directory: copy: Is a directory
// OUT: exit 0

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE 300000

static char data[SIZE];
static unsigned long reads;

/* The copy: 0 when all of in went to out, else -1 with errno as the failed call left it. */
// REMARK-DAG: {{.*}}switch-continues-run.c:[[#@LINE+6]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
static __attribute__((noinline)) int copy(int in, int out)
{
	char buf[4096];

	for (;;) {
		ssize_t r = read(in, buf, sizeof buf);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		char *p = buf;
		while (r > 0) {
			ssize_t w = write(out, p, r);
			if (w == -1) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			p += w;
			r -= w;
		}
	}
	return 0;
}

/* The same copy with each call retried in a do-while of its own, the read's result then
 * switched on: a failed read that is not retried joins the way on at the switch, which
 * tests the read's result itself (`facts::merge`). */
// REMARK-DAG: {{.*}}switch-continues-run.c:[[#@LINE+8]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter)
static __attribute__((noinline)) int copy_retried(int in, int out)
{
	char buf[4096];
	ssize_t n, w;

	for (;;) {
		do {
			n = read(in, buf, sizeof buf);
		} while (n < 0 && errno == EINTR);
		reads++;
		switch (n) {
		case -1:
			return -1;
		case 0:
			return 0;
		default:
			do {
				w = write(out, buf, n);
			} while (w < 0 && errno == EINTR);
			if (w < 0)
				return -1;
			if (w != n) {
				errno = EIO;
				return -1;
			}
		}
	}
}

static void tick(int sig)
{
	(void)sig;
}

/* waitpid, which the timer interrupts too. */
static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static unsigned long sum(const char *p, size_t n)
{
	unsigned long s = 0;

	for (size_t i = 0; i < n; i++)
		s = s * 31 + (unsigned char)p[i];
	return s;
}

/* Says how the copy ended: the error, or what the output file holds; and copy_retried's
 * count of reads (but where a pipe's pieces make it depend on timing). */
static void report(const char *what, int rc, const char *path)
{
	if (strcmp(what, "slow input"))
		printf("%s: %lu reads\n", what, reads);
	reads = 0;
	if (rc < 0) {
		printf("%s: copy: %s\n", what, strerror(errno));
		return;
	}
	int fd = open(path, O_RDONLY);
	static char back[SIZE + 1];
	ssize_t n = fd < 0 ? -1 : read(fd, back, sizeof back);
	printf("%s: %zd bytes, sum %lu\n", what, n, n < 0 ? 0 : sum(back, (size_t)n));
	if (fd >= 0)
		close(fd);
}

/* Each case runs with each copy. */
#define COPY(in, out) (k ? copy_retried(in, out) : copy(in, out))

int main(int argc, char **argv)
{
	char in_path[4096], out_path[4096];
	struct sigaction sa;
	struct itimerval it = { { 0, 300 }, { 0, 300 } };
	int p[2], in, out, rc;
	pid_t pid;

	if (argc != 2)
		return 2;
	snprintf(in_path, sizeof in_path, "%s.in", argv[1]);
	snprintf(out_path, sizeof out_path, "%s.out", argv[1]);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (char)(i * 7 + i / 4096);
	in = open(in_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || write(in, data, SIZE) != SIZE || close(in))
		return 3;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tick;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);

	for (int k = 0; k < 2; k++) {
		printf("%s:\n", k ? "copy_retried" : "copy");
		in = open(in_path, O_RDONLY);
		out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		rc = COPY(in, out);
		close(in);
		close(out);
		report("file", rc, out_path);

		/* A child fills the pipe in pieces with pauses: the parent's reads block and are
		 * interrupted by the timer. */
		if (pipe(p))
			return 3;
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			for (size_t off = 0; off < SIZE; off += 10000) {
				usleep(2000);
				if (write(p[1], data + off, SIZE - off < 10000 ? SIZE - off : 10000) < 0)
					_exit(1);
			}
			_exit(0);
		}
		close(p[1]);
		out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		rc = COPY(p[0], out);
		close(p[0]);
		close(out);
		reap(pid);
		report("slow input", rc, out_path);

		/* A child drains the pipe slowly into the file: the parent's writes block and are
		 * interrupted (nothing written: EINTR, retried) or cut short (the rest written next). */
		if (pipe(p))
			return 3;
		pid = fork();
		if (pid == 0) {
			char buf[1000];
			ssize_t n;
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			close(p[1]);
			while ((n = read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
				if (n > 0 && write(fd, buf, n) != n)
					_exit(1);
				usleep(100);
			}
			_exit(0);
		}
		close(p[0]);
		in = open(in_path, O_RDONLY);
		rc = COPY(in, p[1]);
		close(in);
		close(p[1]);
		reap(pid);
		report("slow output", rc, out_path);

		in = open(in_path, O_RDONLY);
		rc = COPY(in, 99);
		close(in);
		report("closed output", rc, out_path);

		in = open("/", O_RDONLY);
		rc = COPY(in, 1);
		close(in);
		report("directory", rc, out_path);
	}

	it.it_value.tv_usec = 0;
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	return 0;
}
