// Copy loops on `int` counts, as much C code writes them: the read's count truncated to an
// `int`, tested by a `switch` (`!= 0`, then `== -1`), and used after the write (tested
// against the write's count, passed to a report). A stop at the write resumes the original
// loop right after it, so the truncation is computed again there from the read's result
// (legality/resume.rs `needs`, `Looped::remade`); after a stop at the read the `switch` on
// the count leaves the loop on both of its cases, so the buffer is dead there too and the
// runtime may copy in the kernel. (Refused, a value the lowering does not compute again:
// resume-loop.ll.)
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[8192], other[8192];
static unsigned total;

// IR-LABEL: define {{.*}}@int_counts(
// IR: call i64 @multicall_loop
// IR: mc.loop.out.1:
// IR: trunc i64 %mc.loop.raw.1.0 to i32
// IR: br label %mc.loop.resume.1
// REMARK-DAG: remark: {{.*}}looped-int-counts.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results); its buffers are dead after the loop: the runtime may run it as an in-kernel copy
int int_counts(int in, int out)
{
	int n, w;

	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n == -1) {
			perror("read");
			return 1;
		}
		w = write(out, buf, n);
		if (w == -1) {
			perror("write");
			return 1;
		}
		if (w != n) {
			fprintf(stderr, "short write: %d of %d\n", w, n);
			return 1;
		}
		total += w;
	}
	return 0;
}

// The count divided for a report after a short write: clang computes the division there,
// from the truncation in the read's block, which the lowering splits after the read (where
// a stop at the read resumes): the copy at the write's stop is made from the read's result.
// IR-LABEL: define {{.*}}@divided(
// IR: call i64 @multicall_loop
// IR: mc.loop.out.1:
// IR: trunc i64 %mc.loop.raw.1.0 to i32
// IR: br label %mc.loop.resume.1
// REMARK-DAG: remark: {{.*}}looped-int-counts.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
int divided(int in, int out, unsigned k)
{
	int n, w;

	while ((n = read(in, other, sizeof other)) > 0) {
		unsigned third = (unsigned)n / 3;

		if (k)
			third += k;
		w = write(out, other, n);
		if (w != n) {
			fprintf(stderr, "short write: %u\n", third);
			return 1;
		}
	}
	return n < 0;
}

// The write's count in a `long` compared with the read's `int`: clang widens the count it
// knows is positive as `and i64 %r, 2147483647`, both for the write's length and for the
// comparison, and a mask that keeps every value the read's result may have is that result.
// IR-LABEL: define {{.*}}@long_write(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-int-counts.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
int long_write(int in, int out)
{
	static char third[4096];
	int n;

	while ((n = read(in, third, sizeof third)) > 0) {
		long w = write(out, third, n);

		if (w < 0) {
			perror("write");
			return 3;
		}
		if (w != n) {
			fprintf(stderr, "short %ld\n", w);
			return 4;
		}
	}
	return n < 0;
}

// The write's count compared as `(ssize_t)n` in a loop that retries an interrupted read by
// `continue`: clang widens the `int` count it cannot prove positive (the `switch` on it
// tests only 0 and -1) as `ashr exact (shl %r, 32), 32`, for the length and for the test.
// That is the read's result whenever it fits in 32 bits signed, which a transfer's result
// always does: the test is decided when the write does not stop, and a stop resumes the
// original loop.
// IR-LABEL: define {{.*}}@resigned_count(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-int-counts.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results)
int resigned_count(int in, int out)
{
	static char fourth[4096];
	unsigned sum = 0;
	int n;

	do {
		n = read(in, fourth, sizeof fourth);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("read");
			return 1;
		}
		if (n == 0)
			break;
		ssize_t w = write(out, fourth, n);
		if (w != (ssize_t)n) {
			fprintf(stderr, "short %zd of %d\n", w, n);
			return 4;
		}
		sum += n;
	} while (1);
	printf("%u bytes\n", sum);
	return 0;
}

// A write-all loop whose count is an `int` (`int w = write(..); if (w < 0) ...; done +=
// w;`): clang tests the sign of the count's low 32 bits as `and i64 %w, 2147483648` == 0.
// When the write does not stop it wrote the whole rest, the read's result, below 2^31: the
// test is decided, and the copy loop is one looped multi-call.
// IR-LABEL: define {{.*}}@int_write_all(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-int-counts.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results)
long int_write_all(int in, int out)
{
	static char fifth[4096];
	long sum = 0;

	for (;;) {
		ssize_t n = read(in, fifth, sizeof fifth);
		switch (n) {
		case 0:
			return sum;
		case -1:
			return -1;
		}
		ssize_t done = 0;
		while (done < n) {
			int w = write(out, fifth + done, n - done);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			done += w;
		}
		sum += n;
	}
}

// An `int` count of a read whose length is no `int` (a `size_t` block size from an option):
// the tests of the truncated count (`switch` on 0 and -1) are tests of the result, since the
// kernel cuts every transfer to MAX_RW_COUNT, below 2^31, whatever its length.
// IR-LABEL: define {{.*}}@wide_length(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-int-counts.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
int wide_length(int in, int out, char *block, size_t bs)
{
	int n, w;
	unsigned sum = 0;

	while ((n = read(in, block, bs)) != 0) {
		if (n == -1) {
			fprintf(stderr, "read: %s after %u\n", strerror(errno), sum);
			return 1;
		}
		w = write(out, block, n);
		if (w == -1) {
			fprintf(stderr, "write: %s after %u\n", strerror(errno), sum);
			return 1;
		}
		if (w != n) {
			fprintf(stderr, "short write: %d of %d\n", w, n);
			return 1;
		}
		sum += w;
	}
	return 0;
}

int last(void)
{
	return 0;
}

// A copy of at most `max` bytes on int counts (`if (n < 0) ...; if (n == 0) break;`): clang
// passes the write `and %r, 2^31 - 1` (the count it knows not negative, widened) and
// compares the write's int count with the read's. `result != argument 2` stops the batch
// wherever the original stops: the argument is the read's count below 2^31, which a write's
// result can equal only when the read returned a count.
// IR-LABEL: define {{.*}}@limited(
// IR: call i64 @multicall_run_batch
// REMARK-DAG: remark: {{.*}}looped-int-counts.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results, whose count is min(
long limited(int in, int out, long max)
{
	long done = 0;

	while (done < max) {
		size_t want = max - done < (long)sizeof other ? (size_t)(max - done) : sizeof other;
		int n = read(in, other, want);
		if (n < 0) {
			perror("read");
			return -1;
		}
		if (n == 0)
			break;
		int w = write(out, other, n);
		if (w != n) {
			fprintf(stderr, "write %d of %d: %s\n", w, n, strerror(errno));
			return -1;
		}
		done += n;
	}
	return done;
}
