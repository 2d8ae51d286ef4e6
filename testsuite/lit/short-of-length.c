// A transfer tested for an error and then against its length, `if (w < 0) fail(); if (w < n)
// short();`: once the first test has stopped every error, the second lets the path on exactly
// when the call moved its whole length (the result is at most the length), which is the stop
// predicate `result != argument 2` (legality/conditions.rs `short_of_length`). clang writes
// `w < n` as `w <u n` once `w >= 0` is known; a cast to `size_t` gives the same. Before, only
// `w != n` read as that predicate: a straight pair of writes was refused (a second conditional
// branch) and a loop whose offsets advance (`pread`/`pwrite`, which takes no stronger stop
// that resumes the loop) stayed a multi-call per iteration.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/short-of-length.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <sys/types.h>
#include <unistd.h>

void fail(const char *what) __attribute__((noreturn));

// REMARK-DAG: remark: {{.*}}short-of-length.c:[[#@LINE+13]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{[0-9a-z.]+}} (argument 3 of pread and argument 3 of pwrite, up by pwrite's result)
// CHECK-LABEL: define {{.*}} @positioned(
// The batch's flags (LOOP | DEAD_BUFFERS | SUMS | ADVANCE) above its count of 2.
// CHECK: store i64 64424509442, ptr
// CHECK: call i64 @multicall_run_batch(
// CHECK-LABEL: define {{.*}} @header_then_body(
long positioned(int in, int out)
{
	char buf[16384];
	off_t off = 0;
	ssize_t n;

	do {
		n = pread(in, buf, sizeof buf, off);
		if (n < 0)
			return -1;
		if (n > 0) {
			ssize_t w = pwrite(out, buf, n, off);
			if (w < 0)
				return -2;
			if (w < n)
				return -3;
			off += w;
		}
	} while (n > 0);
	return off;
}

// REMARK-DAG: remark: {{.*}}short-of-length.c:[[#@LINE+5]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, never; 0 result references)
// CHECK: call i64 @multicall(
// CHECK-LABEL: define {{.*}} @signed_short(
void header_then_body(int out, const char *hdr, size_t hlen, const char *body, size_t blen)
{
	ssize_t w = write(out, hdr, hlen);
	if (w < 0)
		fail("header");
	if ((size_t)w < hlen)
		fail("short header");
	w = write(out, body, blen);
	if (w < 0)
		fail("body");
}

// REMARK-DAG: remark: {{.*}}short-of-length.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of write's results)
long signed_short(int in, int out, char *buf)
{
	long sum = 0;
	ssize_t n;

	while ((n = read(in, buf, 4096)) > 0) {
		ssize_t w = write(out, buf, n);
		if (w < 0)
			return -2;
		if (w < n)
			return -3;
		sum += w;
	}
	return n < 0 ? -1 : sum;
}
