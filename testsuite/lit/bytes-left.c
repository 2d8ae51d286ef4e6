// The bytes left going down to a limit (legality/clamp.rs, `plan::Bounded` with `down`):
// `left = size; while (left > 0) { n = read(fd, buf, B); ...; left -= n; }`. The read moves
// at most its constant count B, so from `left` above the limit the first (left - limit) / B
// iterations each start above it and the test goes on after each but the last: the batch
// runs at most that many (mc.bound.times), and the original code decides after it. The
// lowering asks the test itself where the batch begins (mc.bound.past). `left != 0` is the
// unsigned `left > 0`; `left >= K` is `left > K - 1`. A count that is not a constant is
// refused.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

// REMARK-DAG: remark: {{.*}}bytes-left.c:[[#@LINE+14]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (going down by read's results, above 0: the batch runs the iterations %{{[0-9]+}} - 0 has room for at 4096 each)
// CHECK-LABEL: define {{.*}} @copy_left(
// CHECK: %mc.bound.past = icmp sge i64 0, %[[LEFT:[0-9a-z.]+]]
// CHECK-NEXT: %mc.bound.left = sub i64 %[[LEFT]], 0
// CHECK-NEXT: %mc.bound.below = icmp slt i64 %mc.bound.left, 4096
// CHECK-NEXT: %mc.bound.below1 = or i1 %mc.bound.past, %mc.bound.below
// CHECK-NEXT: %mc.bound.times = udiv i64 %mc.bound.left, 4096
// CHECK: call i64 @multicall_run_batch(
long copy_left(int in, int out, off_t size)
{
	char buf[4096];
	off_t left = size;

	while (left > 0) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		left -= n;
	}
	return left;
}

// `left != 0` on a size_t: unsigned.
// REMARK-DAG: remark: {{.*}}bytes-left.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}(going down by read's results, above 0: the batch runs the iterations %{{[0-9]+}} - 0 has room for at 512 each)
// CHECK-LABEL: define {{.*}} @copy_unsigned(
// CHECK: %mc.bound.past = icmp uge i64 0,
// CHECK: %mc.bound.below = icmp ult i64 %mc.bound.left, 512
// CHECK: call i64 @multicall_run_batch(
size_t copy_unsigned(int in, int out, size_t left)
{
	char buf[512];

	while (left != 0) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return (size_t)-1;
		left -= n;
	}
	return left;
}

// A do-while, entered without its test, on `left >= 100`.
// REMARK-DAG: remark: {{.*}}bytes-left.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}(going down by read's results, above 99: the batch runs the iterations %{{[0-9]+}} - 99 has room for at 1024 each)
// CHECK-LABEL: define {{.*}} @copy_margin(
// CHECK: %mc.bound.past = icmp sge i64 99, %mc.adv.start
// CHECK-NEXT: %mc.bound.left = sub i64 %mc.adv.start, 99
// CHECK: call i64 @multicall_run_batch(
long copy_margin(int in, int out, long left)
{
	char buf[1024];
	ssize_t n;

	do {
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		left -= n;
	} while (left >= 100);
	return left;
}

// REMARK-DAG: remark: {{.*}}bytes-left.c:{{[0-9]+}}:{{[0-9]+}}: not clustered: write -> read (weight {{[0-9]+}}) breaks whole-loop legality: the loop's test '%{{[0-9]+}} = icmp sgt i64 %{{[0-9]+}}, 0' does not compare
// CHECK-LABEL: define {{.*}} @copy_varying(
// CHECK-NOT: @multicall_run_batch
// CHECK: ret
long copy_varying(int in, int out, long left, size_t size)
{
	char buf[65536];

	while (left > 0) {
		ssize_t n = read(in, buf, size);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		left -= n;
	}
	return left;
}
