// Tests of a counter's remainder on the way round (legality/period.rs): a copy loop that
// reports every so many blocks, `if (++blocks % 64 == 0) fprintf(..)`. The batch runs at most
// the iterations up to the next report (its bound, from the counter's value where it
// begins); mc.loop.period makes the test again on the counter after the iterations it ran
// (never when none completed) and, when it says report, the original resumes after the
// write with that iteration's values. A power of 2 is a mask, exact for any value; `urem`
// and `srem` run one iteration at a time where the counter is near its type's limits. A
// remainder of a value that is no counter, or a test whose quiet way is the multiple, is
// refused.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stdio.h>
#include <unistd.h>

static char buf[4096];

// REMARK-DAG: remark: {{.*}}looped-period.c:[[#@LINE+25]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries [[C64:%[0-9]+]] (counter), {{%[0-9]+}} (total of read's results); each batch runs at most the iterations until [[C64]] + 1 is a multiple of 64 again, where the original makes the test '{{.*}} = icmp eq i64 {{.*}}, 0' and goes on
// CHECK-LABEL: define {{.*}} @every_64(
// The bound: 64 less the counter's remainder now (a mask: exact for any value).
// CHECK: mc.loop.call:
// CHECK: %mc.loop.carried = add i64 %mc.loop.init, {{%[0-9]+}}
// CHECK-NEXT: [[REM:%[0-9]+]] = and i64 %mc.loop.carried, 63
// CHECK-NEXT: %mc.loop.period.left = sub i64 64, [[REM]]
// CHECK-NEXT: call i64 @multicall_loop_sums(ptr %mc.entries{{[0-9]*}}, i32 2, i64 %mc.loop.period.left,
// A batch that ran to its bound makes the test again on the counter after it, and resumes
// the original after the write where it says report; never before an iteration completed.
// CHECK: i64 2, label %mc.loop.period
// CHECK: mc.loop.period:
// CHECK-NEXT: %mc.loop.period.done = phi i64 [ %mc.loop.done.next, %mc.loop.call ]
// CHECK: [[NOW:%mc.loop.carried[0-9]+]] = add i64 %mc.loop.init, {{%[0-9]+}}
// CHECK-NEXT: [[R:%[0-9]+]] = and i64 [[NOW]], 63
// CHECK-NEXT: [[T:%[0-9]+]] = icmp eq i64 [[R]], 0
// CHECK-NEXT: %mc.loop.any = icmp ne i64 %mc.loop.period.done, 0
// CHECK-NEXT: %mc.loop.leaves = and i1 [[T]], %mc.loop.any
// CHECK-NEXT: br i1 %mc.loop.leaves, label %mc.loop.period.out, label %mc.loop.call
// CHECK: mc.loop.period.out:
// CHECK: br label %mc.loop.resume.1
long every_64(int in, int out)
{
	long blocks = 0, total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (++blocks % 64 == 0)
			fprintf(stderr, "%ld blocks\n", blocks);
	}
	return total;
}

// REMARK-DAG: remark: {{.*}}looped-period.c:[[#@LINE+18]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; each batch runs at most the iterations until {{%[0-9]+}} is a multiple of 100 again, where
// CHECK-LABEL: define {{.*}} @every_100_before(
// The counter before its step (`blocks++`): the remainder of the value one before; a
// remainder near the type's limits runs one iteration.
// CHECK: mc.loop.call:
// CHECK: %mc.loop.period.before = sub i64 %mc.loop.carried, 1
// CHECK-NEXT: [[REM:%[0-9]+]] = urem i64 %mc.loop.period.before, 100
// CHECK-NEXT: %mc.loop.period.left = sub i64 100, [[REM]]
// CHECK-NEXT: %mc.loop.period.safe = icmp ule i64 %mc.loop.period.before, 9223372036854775707
// CHECK-NEXT: [[B:%[0-9]+]] = select i1 %mc.loop.period.safe, i64 %mc.loop.period.left, i64 1
// CHECK-NEXT: call i64 @multicall_loop_sums(ptr %mc.entries{{[0-9]*}}, i32 2, i64 [[B]],
// CHECK: mc.loop.period:
// CHECK: [[LAST:%[0-9]+]] = sub i64 %mc.loop.period.done, 1
// CHECK: urem i64 {{.*}}, 100
long every_100_before(int in, int out)
{
	long blocks = 0, total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (blocks++ % 100 == 0)
			fprintf(stderr, "%ld bytes\n", total);
	}
	return total;
}

// An `unsigned` counter: the bound in 32 bits, widened.
// REMARK-DAG: remark: {{.*}}looped-period.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; each batch runs at most the iterations until {{%[0-9]+}} + 1 is a multiple of 1000 again, where the original makes the test '{{.*}} = icmp eq i32 {{.*}}, 0'
// CHECK-LABEL: define {{.*}} @unsigned_count(
// CHECK: %mc.loop.period.safe = icmp ule i32 %mc.loop.carried, 2147482647
// CHECK-NEXT: [[B:%[0-9]+]] = select i1 %mc.loop.period.safe, i32 %mc.loop.period.left, i32 1
// CHECK-NEXT: [[W:%[0-9]+]] = zext i32 [[B]] to i64
// CHECK-NEXT: call i64 @multicall_loop_sums(ptr %mc.entries{{[0-9]*}}, i32 2, i64 [[W]],
long unsigned_count(int in, int out)
{
	unsigned blocks = 0;
	long total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (++blocks % 1000 == 0)
			fprintf(stderr, "%u blocks\n", blocks);
	}
	return total;
}

// REMARK-DAG: remark: {{.*}}looped-period.c:[[#@LINE+11]]:{{[0-9]+}}: not clustered: write -> read (weight 556) breaks whole-loop legality: 'br i1 {{.*}}' tests the remainder of {{%[0-9]+}}, which is not a counter of the loop stepping up by 1
long of_total(int in, int out)
{
	long total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (total % 65536 == 0)
			fprintf(stderr, "%ld bytes\n", total);
	}
	return total;
}

// The quiet way is the multiple's: no bound gives it.
// REMARK-DAG: remark: {{.*}}looped-period.c:[[#@LINE+8]]:{{[0-9]+}}: not clustered: write -> read
// CHECK-LABEL: define {{.*}} @quiet_multiple(
// CHECK-NOT: multicall_loop
// CHECK: ret i64
long quiet_multiple(int in, int out)
{
	long blocks = 0, total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (++blocks % 64 != 0)
			fprintf(stderr, ".");
	}
	return total;
}
