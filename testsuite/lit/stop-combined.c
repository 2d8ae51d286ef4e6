// A transfer's result tested by one branch on a combination of comparisons, `if (w < 0 ||
// (size_t)w != n) fail();` (an `and` of `w > -1` and `w == n` in clang's IR) or `if (w == -1
// || w < n)` (an `or`): legality/conditions.rs reads the combination's leaves (comparisons
// with constants and with the call's length argument, `and`/`or`/`select i1`) and asks it
// where the result stands against the length, an error, the whole length or a count short
// of it: the path goes on exactly at the whole length, the stop `result != argument 2`.
// `w <= 0 || w != n` takes the same stop where the length is positive: with a length of 0,
// a result of 0 is the whole length and the test would leave where the stop lets the batch
// on, so the batch checks the length first (`%mc.negarg`) and ends after the first write
// when it is not.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/stop-combined.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <sys/types.h>
#include <unistd.h>

void fail(const char *what) __attribute__((noreturn));

// REMARK-DAG: remark: {{.*}}stop-combined.c:[[#@LINE+6]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, never; 0 result references)
// CHECK-LABEL: define {{.*}} @either_test(
// CHECK: call i64 @multicall(
// CHECK-LABEL: define {{.*}} @error_or_short(
void either_test(int out, const char *hdr, size_t hlen, const char *body, size_t blen)
{
	ssize_t w = write(out, hdr, hlen);
	if (w < 0 || (size_t)w != hlen)
		fail("header");
	if (write(out, body, blen) < 0)
		fail("body");
}

// REMARK-DAG: remark: {{.*}}stop-combined.c:[[#@LINE+5]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, never; 0 result references)
// CHECK: call i64 @multicall(
// CHECK-LABEL: define {{.*}} @nothing_or_short(
void error_or_short(int out, const char *hdr, size_t hlen, const char *body, size_t blen)
{
	ssize_t w = write(out, hdr, hlen);
	if (w == -1 || w < (ssize_t)hlen)
		fail("header");
	if (write(out, body, blen) < 0)
		fail("body");
}

// Errors and zero stop, then a count short of a length that may be 0: `result != hlen`
// holds where the length is positive, which the batch checks first (a length of 0 ends it
// after the first write, where the original's `w <= 0` leaves).
// REMARK-DAG: remark: {{.*}}stop-combined.c:[[#@LINE+7]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, when it is positive, never; 0 result references) (weight 60)
// CHECK: %mc.negarg = icmp slt i64 %2, 1
// CHECK-NEXT: %mc.count = select i1 %mc.negarg, i32 1, i32 2
// CHECK: call i64 @multicall(
// CHECK: ret void
void nothing_or_short(int out, const char *hdr, size_t hlen, const char *body, size_t blen)
{
	ssize_t w = write(out, hdr, hlen);
	if (w <= 0 || (size_t)w != hlen)
		fail("header");
	if (write(out, body, blen) < 0)
		fail("body");
}
