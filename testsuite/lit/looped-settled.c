// Values that settle after one iteration (legality/resume.rs `settled`, `plan::Step::Settled`):
// the smallest and largest block (`if (n < min) min = n`, clang's `llvm.smin`/`llvm.smax`)
// and the last one (`last = n`) of a copy loop. The read's stop is made `result != argument
// 2` (a short read stops the batch, the original code goes on from it), so in every iteration
// a batch completes the read returned its count: after k >= 1 of them the value is
// `smin(init, 4096)` (`mc.settled`: `init` when none completed). A value that does not settle
// (`acc ^= n`) is refused with the reason.
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

// REMARK-DAG: remark: {{.*}}looped-settled.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %[[MIN:[0-9]+]] (settled: smin(%[[MIN]], 4096) after the first iteration), %[[MAX:[0-9]+]] (settled: smax(%[[MAX]], 4096) after the first iteration)
// CHECK-LABEL: define {{.*}} @copy_minmax(
// CHECK: %mc.settle.keep{{[0-9]*}} = icmp slt i64 %[[INIT:mc.loop.init[0-9]*]], 4096
// CHECK-NEXT: %mc.settle{{[0-9]*}} = select i1 %mc.settle.keep{{[0-9]*}}, i64 %[[INIT]], i64 4096
// CHECK-NEXT: %mc.settle.none{{[0-9]*}} = icmp eq i64 %{{.*}}, 0
// CHECK-NEXT: %mc.settled{{[0-9]*}} = select i1 %mc.settle.none{{[0-9]*}}, i64 %[[INIT]], i64 %mc.settle{{[0-9]*}}
long copy_minmax(int in, int out, char *buf, ssize_t *lo, ssize_t *hi)
{
	ssize_t n, min = 1 << 30, max = 0;
	long blocks = 0;

	while ((n = read(in, buf, 4096)) > 0) {
		if (n < min)
			min = n;
		if (n > max)
			max = n;
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
	}
	*lo = min;
	*hi = max;
	return n < 0 ? -1 : blocks;
}

// REMARK-DAG: remark: {{.*}}looped-settled.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (settled: 4096 after the first iteration)
// CHECK-LABEL: define {{.*}} @copy_last(
// CHECK: %mc.settled{{[0-9]*}} = select i1 %mc.settle.none{{[0-9]*}}, i64 %{{.*}}, i64 4096
ssize_t copy_last(int in, int out, char *buf)
{
	ssize_t n, last = -1;

	while ((n = read(in, buf, 4096)) > 0) {
		if (write(out, buf, n) != n)
			return -2;
		last = n;
	}
	return n < 0 ? -1 : last;
}

// REMARK-DAG: remark: {{.*}}looped-settled.c:{{[0-9]+}}:{{[0-9]+}}: not clustered: write -> read (weight {{[0-9]+}}) breaks whole-loop legality: loop-carried value %{{[0-9]+}}: its next value '%{{[0-9]+}} = xor i64 %{{[0-9]+}}, %{{[0-9]+}}' is not itself plus or minus a step
// CHECK-LABEL: define {{.*}} @copy_xor(
// CHECK-NOT: @multicall_loop
// CHECK: ret
long copy_xor(int in, int out, char *buf)
{
	ssize_t n;
	long acc = 0;

	while ((n = read(in, buf, 4096)) > 0) {
		if (write(out, buf, n) != n)
			return -2;
		acc ^= n;
	}
	return acc;
}
