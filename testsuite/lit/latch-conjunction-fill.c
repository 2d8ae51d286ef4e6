// A loop test that combines an argument's test with a counter (legality/conjunction.rs):
// a read-until-full loop that gives up after `tries` reads, `for (i = 0; i < tries && left >
// 0; i++) { n = read(fd, p, left); ...; p += n; left -= n; }`. The argument's test ends the
// batch after each iteration (`until %left <= 0`, MC_BATCH_ADVANCE), the counter bounds it
// (mc.cnt.bound), and after the batch the lowering asks the whole test again on the values
// the completed iterations leave (mc.adv.test*, combined with `and`). A part that neither
// ends nor bounds the batch (`room > 0`, a second count going down that no call is passed)
// is refused.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-loop.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <unistd.h>

// REMARK-DAG: remark: {{.*}}latch-conjunction-fill.c:[[#@LINE+12]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %{{[0-9]+}} (counter, up by 1 to its bound %3: the batch runs the iterations it has left), %{{[0-9]+}} (total of read's results); advances %{{[0-9]+}} (argument 1 of read, up by read's result), %{{[0-9]+}} (argument 2 of read, down by read's result) until %{{[0-9]+}} <= 0
// CHECK-LABEL: define {{.*}} @fill(
// CHECK: %mc.cnt.bound = select
// CHECK: call i64 @multicall_run_batch(
// CHECK: %[[C:mc.adv.test[0-9]*]] = icmp slt i32 %{{[0-9a-z.]+}}, %3
// CHECK-NEXT: %[[L:mc.adv.test[0-9]*]] = icmp sgt i64 %{{[0-9a-z.]+}}, 0
// CHECK-NEXT: %[[BOTH:mc.adv.test[0-9]*]] = and i1 %[[C]], %[[L]]
long fill(int fd, char *p, long left, int tries)
{
	long got = 0;

	for (int i = 0; i < tries && left > 0; i++) {
		ssize_t n = read(fd, p, left);
		if (n <= 0)
			break;
		p += n;
		left -= n;
		got += n;
	}
	return got;
}

// REMARK-DAG: remark: {{.*}}latch-conjunction-fill.c:[[#@LINE+8]]:{{[0-9]+}}: not clustered: read -> read (weight 299) breaks whole-loop legality: the loop's test '%{{[0-9]+}} = icmp sgt i64 %{{[0-9]+}}, 0' does not compare an advancing 64-bit argument with 0
// CHECK-LABEL: define {{.*}} @fill_both(
// CHECK-NOT: multicall_run_batch
// CHECK: ret i64
long fill_both(int fd, char *p, long left, long room)
{
	long got = 0;

	while (left > 0 && room > 0) {
		ssize_t n = read(fd, p, left);
		if (n <= 0)
			break;
		p += n;
		left -= n;
		room -= n;
		got += n;
	}
	return got;
}
