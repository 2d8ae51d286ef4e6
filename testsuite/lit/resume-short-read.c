// A loop that leaves after writing a short block: `if (n < sizeof buf) break;` after the
// write tests the read's result on the way round. The read's own gap stops it on errors
// only (`n < 0`), which leaves that test unknown; the read may stop on every result but its
// length instead (`result != argument 2`, a stronger stop), since a stop resumes the
// original loop right after the read: a short read ends the batch there, and the original
// code writes the block and leaves. With a length that is not a constant no such stop is
// known, and the loop is refused with the branch the walk could not follow.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK-DAG: remark: {{.*}}resume-short-read.c:[[#@LINE+25]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter)
// REMARK-DAG: remark: {{.*}}resume-short-read.c:[[#@LINE+38]]:{{[0-9]+}}: not clustered: write -> read (weight {{[0-9]+}}) breaks whole-loop legality: where 'br i1 %{{[0-9a-z.]+}}, label %{{[0-9a-z.]+}}, label %{{[0-9a-z.]+}}' goes is not known from the results when 'write' at resume-short-read.c:[[#@LINE+46]]:{{[0-9]+}} does not stop the batch

// CHECK-LABEL: define {{.*}} @copy_full_blocks(
// The read's stop: MC_STOP_NE_ARG (3) on argument 2.
// CHECK: %[[STOP:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
// CHECK-NEXT: store i8 3, ptr %[[STOP]]
// CHECK-NEXT: %[[ARG:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 2
// CHECK-NEXT: store i8 2, ptr %[[ARG]]
// CHECK: %mc.loop.ret = call i64 @multicall_loop
// The other loop keeps a straight multi-call per iteration (read -> write).
// CHECK-LABEL: define {{.*}} @copy_blocks_of(
// CHECK-NOT: call i64 @multicall_loop
// CHECK: call i64 @multicall(
// CHECK-NOT: call i64 @multicall_loop
// CHECK: declare i64 @multicall_loop(

#include <unistd.h>

long copy_full_blocks(int in, int out)
{
	char buf[1024];
	long blocks = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);

		if (n < 0)
			return -1;
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
		if (n < (ssize_t)sizeof buf)
			break;
	}
	return blocks;
}

long copy_blocks_of(int in, int out, char *buf, size_t size)
{
	long blocks = 0;

	for (;;) {
		ssize_t n = read(in, buf, size);

		if (n < 0)
			return -1;
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
		if ((size_t)n < size)
			break;
	}
	return blocks;
}
