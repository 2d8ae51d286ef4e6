// A count of blocks in the loop's condition before the read (`while (count-- > 0 && (n =
// read(..)) > 0)`, dd's count=): clang's rotated latch tests the count's value at the
// iteration's start (`icmp ugt %count, 1`), not its next value, and computes the next value
// before the read. legality/counted.rs takes such a test (`Counted::tests_start`): after j
// iterations it asks the test on the value j - 1 steps on, which is the next-value count from
// one step back (`mc.cnt.back`), and the next value before the first call is the counter's
// own (legality/advance.rs `counter_steps`).
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

// REMARK-DAG: remark: {{.*}}looped-countdown.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter, down by 1 to its bound 1: the batch runs the iterations it has left), %{{[0-9]+}} (total of read's results)
// CHECK-LABEL: define {{.*}} @copy_count(
// CHECK: %mc.cnt.back = add i64 %{{.*}}, 1
// CHECK: call i64 @multicall_run_batch(
long copy_count(int in, int out, long count)
{
	static char buf[4096];
	long total = 0;
	ssize_t n;

	while (count-- > 0 && (n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return total;
}
