// Loops whose arguments advance and whose result is tested twice on the way out, run: a
// read-until-full loop (`if (n < 0) return -1; if (n == 0) break;` after its only call, then
// the latch's `left == 0`), a copy at explicit offsets in `for (;;)` (the two tests after
// pread, before pwrite), and Stevens' readn and writen, whose EINTR retry sets the step to 0
// and goes round (a stop that goes back into the loop, the step a phi of the latch; readn
// tests the end of the input after the error), and the copy with its two tests as one
// `switch` (`case -1`, `case 0`), and a write-all loop that retries an interrupted write by
// `continue` (its pointer and count joined in the latch with their unchanged values). A stop leaves by the test that fires on the stopped iteration's
// values: the end of the input returns the bytes so far, an error -1 with the call's errno.
// The reads are from a pipe holding three writes of 100 bytes and then its end (the loop goes
// round), from a pipe holding more than asked (the latch's test ends it), from an empty pipe
// and from a closed descriptor; the copy goes between two temporary files (its end at the
// input's end) and from a pipe (ESPIPE at once); readn reads the same pipes, and writen
// writes into a file, into a pipe whose reader is gone (EPIPE, SIGPIPE ignored) and into a
// closed descriptor. Built with and without the pass, the program must print the same, on
// every backend the runtime offers here.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/advance-tests.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: FileCheck %s < %t.orig.out
// At -O1 clang joins each loop's exits in one block that switches on which way it came;
// the pass threads those jumps first, and every loop is one looped multi-call again.
// RUN: %clang-cluster -O1 -g %s -o %t.o1 %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/advance-tests.json -Rpass=syscall-cluster 2> %t.o1.remarks
// RUN: FileCheck %s --check-prefix=O1 < %t.o1.remarks
// RUN: %t.o1 > %t.o1.out 2>&1; echo "exit $?" >> %t.o1.out
// RUN: diff %t.orig.out %t.o1.out

// REMARK-DAG: {{.*}}looped-advance-tests-run.c:[[#@LINE+44]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %{{[0-9]+}} (total of read's results); advances
// REMARK-DAG: {{.*}}looped-advance-tests-run.c:[[#@LINE+61]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference)
// REMARK-DAG: {{.*}}looped-advance-tests-run.c:[[#@LINE+79]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); advances {{.*}}; a stop goes back into the loop at
// REMARK-DAG: {{.*}}looped-advance-tests-run.c:[[#@LINE+98]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: write (stop: result <= 0; 0 result references); advances {{.*}}; a stop goes back into the loop at
// REMARK-DAG: {{.*}}looped-advance-tests-run.c:[[#@LINE+133]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference)
// REMARK-DAG: {{.*}}looped-advance-tests-run.c:[[#@LINE+114]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); advances {{.*}}; a stop goes back into the loop at

// O1-DAG: remark: threaded the jumps of the function of 'read' at looped-advance-tests-run.c:[[#@LINE+37]]:{{[0-9]+}}: block %{{[0-9a-z.]+}} of its loop chooses where to go by a phi of constants
// O1-DAG: remark: threaded the jumps of the function of 'pread' at looped-advance-tests-run.c:[[#@LINE+54]]:{{[0-9]+}}
// O1-COUNT-5: remark: clustered the whole loop into one looped multi-call

// CHECK: pieces: 300 bytes, errno 0
// CHECK-NEXT: more than asked: 4096 bytes, errno 0
// CHECK-NEXT: empty: 0 bytes, errno 0
// CHECK-NEXT: closed: -1 bytes, errno 9
// CHECK-NEXT: copy: 10000 bytes, errno 0, same 1
// CHECK-NEXT: copy from a pipe: -1 bytes, errno 29
// CHECK-NEXT: copy by a switch: 10000 bytes, errno 0
// CHECK-NEXT: copy by a switch from a pipe: -1 bytes, errno 29
// CHECK-NEXT: readn pieces: 300 bytes, errno 0
// CHECK-NEXT: readn more than asked: 4096 bytes, errno 0
// CHECK-NEXT: readn empty: 0 bytes, errno 0
// CHECK-NEXT: readn closed: -1 bytes, errno 9
// CHECK-NEXT: writen file: 4096 bytes, errno 0
// CHECK-NEXT: writen no reader: -1 bytes, errno 32
// CHECK-NEXT: writen closed: -1 bytes, errno 9
// CHECK-NEXT: write_retry file: 4096 bytes, errno 0
// CHECK-NEXT: write_retry no reader: -1 bytes, errno 32
// CHECK-NEXT: write_retry closed: -1 bytes, errno 9
// CHECK-NEXT: exit 0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];

static __attribute__((noinline)) ssize_t readn(int fd, void *vp, size_t left)
{
	char *p = vp;
	size_t got = 0;

	while (left > 0) {
		ssize_t n = read(fd, p, left);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		p += n;
		left -= n;
		got += n;
	}
	return got;
}

static __attribute__((noinline)) long pcopy(int in, int out)
{
	char block[1000];
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(in, block, sizeof block, off);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (pwrite(out, block, n, off) != n)
			return -2;
		off += n;
	}
	return off;
}

static __attribute__((noinline)) ssize_t stevens_readn(int fd, void *vptr, size_t n)
{
	size_t nleft = n;
	ssize_t nread;
	char *ptr = vptr;

	while (nleft > 0) {
		if ((nread = read(fd, ptr, nleft)) < 0) {
			if (errno == EINTR)
				nread = 0;
			else
				return -1;
		} else if (nread == 0)
			break;
		nleft -= nread;
		ptr += nread;
	}
	return n - nleft;
}

static __attribute__((noinline)) ssize_t stevens_writen(int fd, const void *vptr, size_t n)
{
	size_t nleft = n;
	ssize_t nwritten;
	const char *ptr = vptr;

	while (nleft > 0) {
		if ((nwritten = write(fd, ptr, nleft)) <= 0) {
			if (nwritten < 0 && errno == EINTR)
				nwritten = 0;
			else
				return -1;
		}
		nleft -= nwritten;
		ptr += nwritten;
	}
	return n;
}

static __attribute__((noinline)) ssize_t write_retry(int fd, const void *vptr, size_t n)
{
	const char *p = vptr;
	size_t left = n;

	do {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		left -= w;
	} while (left > 0);
	return n;
}

static __attribute__((noinline)) long pcopy_switch(int in, int out)
{
	char block[1000];
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(in, block, sizeof block, off);
		switch (n) {
		case -1:
			return -1;
		case 0:
			return off;
		}
		if (pwrite(out, block, n, off) != n)
			return -2;
		off += n;
	}
}

static void report(const char *what, long got)
{
	printf("%s: %ld bytes, errno %d\n", what, got, errno);
	errno = 0;
}

/* A pipe holding `pieces` writes of `size` bytes, closed for writing when `end`. */
static int filled(int p[2], int pieces, size_t size, int end)
{
	static const char piece[8192];

	if (pipe(p) < 0)
		return -1;
	for (int i = 0; i < pieces; i++)
		if (write(p[1], piece, size) != (ssize_t)size)
			return -1;
	if (end)
		close(p[1]);
	return 0;
}

/* The reader `f` on a pipe holding three writes of 100 bytes and its end, one holding more
 * than asked, an empty one, and a closed descriptor; each report named `who` and the case. */
static int reads(const char *who, ssize_t (*f)(int, void *, size_t))
{
	static const struct {
		const char *name;
		int pieces;
		size_t size;
		int end;
	} cases[] = {
		{ "pieces", 3, 100, 1 },
		{ "more than asked", 1, 5000, 0 },
		{ "empty", 0, 0, 1 },
	};
	char name[64];
	int p[2];

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		if (filled(p, cases[k].pieces, cases[k].size, cases[k].end) < 0)
			return -1;
		snprintf(name, sizeof name, "%s%s", who, cases[k].name);
		report(name, f(p[0], buf, sizeof buf));
		close(p[0]);
		if (!cases[k].end)
			close(p[1]);
	}
	snprintf(name, sizeof name, "%sclosed", who);
	report(name, f(p[0], buf, sizeof buf));
	return 0;
}

/* The writer `f` into the file `file`, into a pipe whose reader is gone and into a closed
 * descriptor; each report named `who` and the case. */
static int writes(const char *who, ssize_t (*f)(int, const void *, size_t), int file)
{
	char name[64];
	int p[2];

	snprintf(name, sizeof name, "%s file", who);
	report(name, f(file, buf, sizeof buf));
	if (pipe(p) < 0)
		return -1;
	close(p[0]);
	snprintf(name, sizeof name, "%s no reader", who);
	report(name, f(p[1], buf, sizeof buf));
	close(p[1]);
	snprintf(name, sizeof name, "%s closed", who);
	report(name, f(p[1], buf, sizeof buf));
	return 0;
}

int main(void)
{
	int p[2];
	FILE *in = tmpfile(), *out = tmpfile();
	static char data[10000], back[10000];

	if (!in || !out || reads("", readn) < 0)
		return 1;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7);
	if (write(fileno(in), data, sizeof data) != sizeof data)
		return 1;
	long copied = pcopy(fileno(in), fileno(out));
	int e = errno;
	int same = pread(fileno(out), back, sizeof back, 0) == sizeof back &&
		   memcmp(data, back, sizeof data) == 0;
	errno = e;
	printf("copy: %ld bytes, errno %d, same %d\n", copied, errno, same);
	errno = 0;
	if (filled(p, 1, 100, 1) < 0)
		return 1;
	report("copy from a pipe", pcopy(p[0], fileno(out)));
	report("copy by a switch", pcopy_switch(fileno(in), fileno(out)));
	report("copy by a switch from a pipe", pcopy_switch(p[0], fileno(out)));
	close(p[0]);
	if (reads("readn ", stevens_readn) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	if (writes("writen", stevens_writen, fileno(out)) < 0 ||
	    writes("write_retry", write_retry, fileno(out)) < 0)
		return 1;
	return 0;
}
