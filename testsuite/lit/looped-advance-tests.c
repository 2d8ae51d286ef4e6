// A copy at explicit offsets written as `for (;;)` with two tests of the read's result:
// `n < 0` leaves to an error, `n == 0` to the end. Together they fire exactly when
// `result <= 0` does, so that is pread's stop; where the batch stops at pread, the lowering
// evaluates the original tests again on the stopped iteration's values (the result and the
// offset at its start) and leaves by the one that fires (mc.loop.test.N). The latch goes
// round without a test (`br label %header`): the batch ends only at its stops, the bound or
// a signal.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/offsets.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

// REMARK-DAG: remark: {{.*}}looped-advance-tests.c:[[#@LINE+24]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{[0-9a-z.]+}} (argument 3 of pread and argument 3 of pwrite, up by pread's result); its buffers are dead after the loop

// CHECK-LABEL: define {{.*}} @two_tests(
// The flags (LOOP | DEAD_BUFFERS | SUMS | ADVANCE) above the count of 2.
// CHECK: store i64 64424509442, ptr
// CHECK: call i64 @multicall_run_batch(
// A stop at pread: its result as libc gives it, then the first test again on it.
// CHECK: mc.adv.out.0:
// CHECK-NEXT: %mc.adv.x.0 = phi i64
// CHECK: %[[LT:[0-9]+]] = icmp slt i64 %mc.adv.x.0, 0
// CHECK-NEXT: br i1 %[[LT]], label %[[ERR:[0-9]+]], label %mc.loop.test.1
// The second test is the one left: the end, with the offset at the stopped iteration's start.
// CHECK: mc.loop.test.1:
// CHECK-NEXT: br label %[[END:[0-9]+]]
// CHECK: [[ERR]]:
// CHECK: call void @perror
// CHECK: [[END]]:
// CHECK-NEXT: phi i64 {{.*}}[ %mc.adv.arg{{[0-9]*}}, %mc.loop.test.1 ]
long two_tests(int in, int out)
{
	char buf[4096];
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(in, buf, sizeof buf, off);
		if (n < 0) {
			perror("pread");
			return -1;
		}
		if (n == 0)
			break;
		if (pwrite(out, buf, n, off) != n) {
			perror("pwrite");
			return -2;
		}
		off += n;
	}
	return off;
}

// `== -1` then `== 0`: clang makes them one switch whose cases both leave; where the batch
// stops at pread the switch is made again on the result.
// REMARK-DAG: remark: {{.*}}looped-advance-tests.c:[[#@LINE+13]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference)
// CHECK-LABEL: define {{.*}} @switched(
// CHECK: mc.adv.out.0:
// CHECK-NEXT: %mc.adv.x.0 = phi i64
// CHECK: switch i64 %mc.adv.x.0, label %[[END:[0-9]+]] [
// CHECK-NEXT: i64 -1, label %[[ERR:[0-9]+]]
// CHECK-NEXT: i64 0, label %[[END]]
long switched(int in, int out)
{
	char buf[4096];
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(in, buf, sizeof buf, off);
		switch (n) {
		case -1:
			perror("pread");
			return -1;
		case 0:
			return off;
		}
		if (pwrite(out, buf, n, off) != n)
			return -2;
		off += n;
	}
}

// A switch whose cases leave to a block in turns (0 and -2 to one, -1 to another): each
// block left to takes one phi entry per case edge of the switch made again.
// REMARK-DAG: remark: {{.*}}looped-advance-tests.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference)
long switched_shared(int in, int out)
{
	char buf[4096];
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(in, buf, sizeof buf, off);
		switch (n) {
		case 0:
			return off;
		case -1:
			perror("pread");
			return -1;
		case -2:
			return off;
		}
		if (pwrite(out, buf, n, off) != n)
			return -2;
		off += n;
	}
}
