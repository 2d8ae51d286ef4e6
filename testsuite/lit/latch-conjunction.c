// A loop test made of several tests that must all go on (legality/conjunction.rs): a counter
// and a running total together, `for (i = 0; i < max && total < limit; i++)` (clang's
// `select i1 (i' < max), (total' < limit), false` in the latch) and `if (++blocks >= max ||
// total >= limit) break;` (an `or` leaving). Each test bounds the batch on its own (the
// counter by the iterations it has left, the total by the distance to the limit at 4096 a
// block): the batch runs at most the fewer (mc.bound.fewer on mc.cnt.bound), and after it the
// lowering asks the whole test again, its parts combined as the original combines them
// (mc.adv.test*). A part that bounds nothing (a test of the read's result) is refused.
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

// REMARK-DAG: remark: {{.*}}latch-conjunction.c:[[#@LINE+17]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter, up by 1 to its bound %3: the batch runs the iterations it has left), %{{[0-9]+}} (total of read's results, below %2: the batch runs the iterations %2 - %{{[0-9]+}} has room for at 4096 each)
// CHECK-LABEL: define {{.*}} @copy_sample(
// CHECK: %mc.cnt.bound = select
// CHECK: %mc.bound.past = icmp sge i64 %{{[0-9a-z.]+}}, %2
// CHECK: %mc.bound.fewer = icmp ult i64 %mc.bound.times, %mc.cnt.bound
// CHECK: call i64 @multicall_run_batch(
// CHECK: %[[C:mc.adv.test[0-9]*]] = icmp slt i32 %{{[0-9a-z.]+}}, %3
// CHECK-NEXT: %[[T:mc.adv.test[0-9]*]] = icmp slt i64 %{{[0-9a-z.]+}}, %2
// CHECK-NEXT: %[[BOTH:mc.adv.test[0-9]*]] = and i1 %[[C]], %[[T]]
// CHECK-NEXT: br i1 %[[BOTH]], label %mc.loop, label %mc.adv.until
long copy_sample(int in, int out, long limit, int max)
{
	char buf[4096];
	long total = 0;
	int i;

	for (i = 0; i < max && total < limit; i++) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return total;
}

// REMARK-DAG: remark: {{.*}}latch-conjunction.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}(total of read's results, below %2: the batch runs the iterations %2 - %{{[0-9]+}} has room for at 4096 each), %{{[0-9]+}} (counter, up by 1 to its bound %3: the batch runs the iterations it has left)
// CHECK-LABEL: define {{.*}} @copy_either(
// CHECK: call i64 @multicall_run_batch(
// CHECK: and i1 %mc.adv.test
long copy_either(int in, int out, long limit, unsigned max)
{
	char buf[4096];
	long total = 0;
	unsigned blocks = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (++blocks >= max || total >= limit)
			break;
	}
	return total;
}

// REMARK-DAG: remark: {{.*}}latch-conjunction.c:[[#@LINE+10]]:{{[0-9]+}}: not clustered: write -> read (weight 556) breaks whole-loop legality: the loop's test '%{{[0-9]+}} = icmp eq i64 %{{[0-9]+}}, 4096' does not compare an advancing 64-bit argument with 0, nor a counter with a bound
// CHECK-LABEL: define {{.*}} @copy_whole_blocks(
// CHECK-NOT: multicall_run_batch
// CHECK: ret i64
long copy_whole_blocks(int in, int out, int max)
{
	char buf[4096];
	long total = 0;
	ssize_t n = sizeof buf;

	for (int i = 0; i < max && n == sizeof buf; i++) {
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return total;
}

// Constant limits: InstCombine writes `i + 1 < 240` as `i <u 239`, a test on the value the
// iteration began with; transform/next_tests.rs writes it back on the next value (`add nuw`,
// 239 + 1 does not wrap), the form the batch ends by.
// REMARK-DAG: remark: {{.*}}latch-conjunction.c:[[#@LINE+11]]:{{[0-9]+}}: wrote the loop's test '%{{[0-9]+}} = icmp ult i32 %{{[0-9]+}}, 239' on %{{[0-9]+}}'s next value %{{[0-9]+}}: the same test, in the form a looped batch ends by
// REMARK-DAG: remark: {{.*}}latch-conjunction.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}(counter, up by 1 to its bound 240: the batch runs the iterations it has left), %{{[0-9]+}} (total of read's results, below 1000000
// CHECK-LABEL: define {{.*}} @copy_constant_sample(
// CHECK: call i64 @multicall_run_batch(
// CHECK: icmp ult i32 %{{[0-9a-z.]+}}, 240
long copy_constant_sample(int in, int out)
{
	char buf[4096];
	long total = 0;
	int i;

	for (i = 0; i < 240 && total < 1000000; i++) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return total;
}

// Going down: `i - 1 > 0` becomes `i >u 1` (the counter is known positive), written back as
// `i.next >u 0`: the counter starts at 7 and goes round only above 1, so it never reaches 0,
// below which `add -1` wraps.
// REMARK-DAG: remark: {{.*}}latch-conjunction.c:[[#@LINE+10]]:{{[0-9]+}}: wrote the loop's test '%{{[0-9]+}} = icmp ugt i32 %{{[0-9]+}}, 1' on %{{[0-9]+}}'s next value %{{[0-9]+}}: the same test, in the form a looped batch ends by
// REMARK-DAG: remark: {{.*}}latch-conjunction.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}(counter, down by 1 to its bound 0: the batch runs the iterations it has left)
// CHECK-LABEL: define {{.*}} @copy_countdown(
// CHECK: call i64 @multicall_run_batch(
// CHECK: icmp ugt i32 %{{[0-9a-z.]+}}, 0
long copy_countdown(int in, int out, long limit)
{
	char buf[4096];
	long total = 0;

	for (int i = 7; i > 0 && total < limit; i--) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return total;
}
