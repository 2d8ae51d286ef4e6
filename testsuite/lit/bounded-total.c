// A running total the loop's test bounds by a limit (legality/clamp.rs, `plan::Bounded`):
// `while (total < limit) { n = read(fd, buf, B); ...; total += n; }`, or `if (total >=
// LIMIT) break;` after the write. The read moves at most its constant count B, so from a
// total below the limit the first (limit - total) / B iterations each start below it and the
// test goes on after each but the last: the batch runs at most that many (mc.bound.times),
// and the original code decides after it. The lowering asks `total < limit` itself where the
// batch begins (mc.bound.past): a do-while loop enters without it. A count that is not a
// constant is refused.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stddef.h>
#include <unistd.h>

// REMARK-DAG: remark: {{.*}}bounded-total.c:[[#@LINE+14]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (total of read's results, below %2: the batch runs the iterations %2 - %{{[0-9]+}} has room for at 4096 each)
// CHECK-LABEL: define {{.*}} @copy_limit(
// CHECK: %mc.bound.past = icmp sge i64 %{{[0-9a-z.]+}}, %2
// CHECK-NEXT: %mc.bound.left = sub i64 %2,
// CHECK-NEXT: %mc.bound.below = icmp slt i64 %mc.bound.left, 4096
// CHECK-NEXT: %mc.bound.below1 = or i1 %mc.bound.past, %mc.bound.below
// CHECK-NEXT: %mc.bound.times = udiv i64 %mc.bound.left, 4096
// CHECK: call i64 @multicall_run_batch(
long copy_limit(int in, int out, long limit)
{
	char buf[4096];
	long total = 0;

	while (total < limit) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return total;
}

// REMARK-DAG: remark: {{.*}}bounded-total.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}(total of read's results, below 1000000: the batch runs the iterations 1000000 - %{{[0-9]+}} has room for at 4096 each)
// CHECK-LABEL: define {{.*}} @copy_upto(
// CHECK: %mc.bound.past = icmp sge i64 %mc.adv.start, 1000000
// CHECK: call i64 @multicall_run_batch(
long copy_upto(int in, int out)
{
	char buf[4096];
	long total = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (total >= 1000000)
			break;
	}
	return total;
}

// A do-while on size_t: unsigned, and entered without the test.
// REMARK-DAG: remark: {{.*}}bounded-total.c:[[#@LINE+12]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}below %2: the batch runs the iterations %2 - %{{[0-9]+}} has room for at 512 each)
// CHECK-LABEL: define {{.*}} @copy_do(
// CHECK: %mc.bound.past = icmp uge i64 %mc.adv.start, %2
// CHECK: %mc.bound.below = icmp ult i64 %mc.bound.left, 512
// CHECK: call i64 @multicall_run_batch(
size_t copy_do(int in, int out, size_t limit)
{
	char buf[512];
	size_t total = 0;
	ssize_t n;

	do {
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return (size_t)-1;
		total += n;
	} while (total < limit);
	return total;
}

// REMARK-DAG: remark: {{.*}}bounded-total.c:{{[0-9]+}}:{{[0-9]+}}: not clustered: write -> read (weight {{[0-9]+}}) breaks whole-loop legality: the loop's test '%{{[0-9]+}} = icmp slt i64 %{{[0-9]+}}, %2' does not compare
// CHECK-LABEL: define {{.*}} @copy_varying(
// CHECK-NOT: @multicall_run_batch
// CHECK: ret
long copy_varying(int in, int out, long limit, size_t size)
{
	char buf[65536];
	long total = 0;

	while (total < limit) {
		ssize_t n = read(in, buf, size);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return total;
}
