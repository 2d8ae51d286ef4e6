// A count clamped to a block size whose count left is the distance of a total to a limit
// (legality/clamp.rs): `while (got < size) { n = read(fd, buf, min(size - got, B)); ...; got
// += n; }`. `size - got` goes down by each read's result as `left` would; the loop's test
// `got < size` held where the batch begins, so the batch passes B for the iterations `size -
// got` has room for (at least B left at the start, compared signed for a signed test or an
// `smin`, unsigned for `size_t`), and the original code runs the last, shorter block. A test
// that is not `got < size` (`got != size`: got may run past it) is refused.
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

// REMARK-DAG: remark: {{.*}}clamped-remaining.c:[[#@LINE+15]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (total of read's results, whose count is min(%{{[0-9]+}} - %{{[0-9]+}}, 4096): the batch passes 4096 for the iterations %{{[0-9]+}} - %{{[0-9]+}} has room for)
// CHECK-LABEL: define {{.*}} @copy_n(
// The loop's test asked where the batch begins, then the count left.
// CHECK: %mc.clamp.past = icmp sge i64 %{{[0-9a-z.]+}}, %2
// CHECK-NEXT: %mc.clamp.left = sub i64 %2,
// CHECK-NEXT: %mc.clamp.below = icmp slt i64 %mc.clamp.left, 4096
// CHECK-NEXT: %mc.clamp.below1 = or i1 %mc.clamp.past, %mc.clamp.below
// CHECK-NEXT: %mc.clamp.times = udiv i64 %mc.clamp.left, 4096
// CHECK: call i64 @multicall_run_batch(
long copy_n(int in, int out, long size)
{
	char buf[4096];
	long got = 0;

	while (got < size) {
		ssize_t n = read(in, buf, size - got < (long)sizeof buf ? size - got : (long)sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : got;
		if (write(out, buf, n) != n)
			return -1;
		got += n;
	}
	return got;
}

// size_t: an unsigned test and `umin`, so the count left is compared unsigned.
// REMARK-DAG: remark: {{.*}}clamped-remaining.c:[[#@LINE+13]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}} whose count is min(%{{[0-9]+}} - %{{[0-9]+}}, 8192)
// CHECK-LABEL: define {{.*}} @copy_size(
// CHECK: %mc.clamp.past = icmp uge i64 %{{[0-9a-z.]+}}, %2
// CHECK-NEXT: %mc.clamp.left = sub i64 %2,
// CHECK-NEXT: %mc.clamp.below = icmp ult i64 %mc.clamp.left, 8192
// CHECK: call i64 @multicall_run_batch(
size_t copy_size(int in, int out, size_t size)
{
	char buf[8192];
	size_t got = 0;

	while (got < size) {
		size_t want = size - got < sizeof buf ? size - got : sizeof buf;
		ssize_t n = read(in, buf, want);
		if (n < 0)
			return (size_t)-1;
		if (n == 0)
			break;
		if (write(out, buf, n) != n)
			return (size_t)-1;
		got += n;
	}
	return got;
}

// REMARK-DAG: remark: {{.*}}clamped-remaining.c:{{[0-9]+}}:{{[0-9]+}}: not clustered: write -> read (weight {{[0-9]+}}) breaks whole-loop legality: the loop's test '%{{[0-9]+}} = icmp eq i64 %{{[0-9]+}}, %2' does not compare
// CHECK-LABEL: define {{.*}} @copy_until_equal(
// CHECK-NOT: @multicall_run_batch
// CHECK: ret
long copy_until_equal(int in, int out, long size)
{
	char buf[4096];
	long got = 0;

	while (got != size) {
		ssize_t n = read(in, buf, size - got < (long)sizeof buf ? size - got : (long)sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : got;
		if (write(out, buf, n) != n)
			return -1;
		got += n;
	}
	return got;
}
