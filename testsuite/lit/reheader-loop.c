// Loops clang has already rotated: `while ((n = read(...)) > 0)` becomes a guarded do-while
// whose iteration is `write; read`, the write taking the n of the read before it. The pass
// moves the loop's start to the read (transform/reheader.rs): the part of the loop before it
// is copied onto the way in, so that read -> write is one iteration again. A loop whose calls
// then form a whole loop becomes one looped multi-call (counter and total carried); so does
// one whose write is unchecked (the write stops the batch only on an error, to set errno,
// and the batch goes round again); so does the EINTR idiom, whose rotated top branches (the
// retry joins the read at the latch) and is copied whole; a loop whose way round
// holds a call of the program's own code before the write is left alone, with a remark that
// names it, and so is one with a loop between the read and the write (a filter's work over
// the block), whose write -> read across the back edge the rotation made one multi-call.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[4096];
void progress(long n);

// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+9]]:{{[0-9]+}}: moved the start of the loop to 'read' at reheader-loop.c:[[#@LINE+9]]:{{[0-9]+}}: the part of the loop before it, with 'write' at reheader-loop.c:[[#@LINE+10]]:{{[0-9]+}}, runs once before the loop and at the end of each iteration, so that read -> write is one iteration
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); carries {{.*}} (counter), {{.*}} (total of write's results)
// CHECK-LABEL: define {{.*}}@counted(
// CHECK: call i64 @multicall_loop
long counted(int in, int out, long *blocks)
{
	long n, total = 0;
	int count = 0;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		long w = write(out, buf, n);
		if (w < 0)
			exit(1);
		total += w;
		count++;
	}
	*blocks = count;
	return n < 0 ? -1 : total;
}

// CHECK-LABEL: define {{.*}}@unchecked(
// CHECK: [[RET:%mc.loop.ret[0-9]*]] = call i64 @multicall_loop(
// CHECK: switch i64 [[RET]], label %{{.*}} [
// CHECK-NEXT: i64 2, label %[[AGAIN:.*]]
// The unchecked write's exit sets errno and runs the batch again.
// CHECK: mc.loop.err.1:
// CHECK: mc.loop.out.1:
// CHECK-NEXT: phi
// CHECK-NEXT: br label %[[AGAIN]]
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+5]]:{{[0-9]+}}: moved the start of the loop to 'read' at reheader-loop.c:[[#@LINE+5]]:{{[0-9]+}}
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference)
long unchecked(int in, int out)
{
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		write(out, buf, n);
	return n;
}

// An unchecked write in a loop that counts its blocks and the bytes it read: the iteration a
// failed write stopped counts as done, as in the original.
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); carries {{.*}} (counter), {{.*}} (total of read's results)
// CHECK-LABEL: define {{.*}}@unchecked_counted(
// CHECK: mc.loop.out.1:
// CHECK: %mc.loop.sum.round = add i64
// CHECK: br label %mc.loop.call
long unchecked_counted(int in, int out, long *blocks)
{
	long n, total = 0, count = 0;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		write(out, buf, n);
		total += n;
		count++;
	}
	*blocks = count;
	return total;
}

// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+7]]:{{[0-9]+}}: did not move the start of the loop to 'read' at reheader-loop.c:[[#@LINE+7]]:{{[0-9]+}} so that read -> write is one iteration: '{{.*}}call void @progress({{.*}}' between 'read' at reheader-loop.c:[[#@LINE+7]]:{{[0-9]+}} and 'write' at reheader-loop.c:[[#@LINE+9]]:{{[0-9]+}} around the back edge is not something a multi-call can skip
// CHECK-LABEL: define {{.*}}@reported(
// CHECK-NOT: @multicall_loop
// CHECK: ret i64
long reported(int in, int out)
{
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		progress(n);
		write(out, buf, n);
	}
	return n;
}

// The EINTR idiom: clang rotates the loop so that the read ends it, and the retry joins it
// there; the header tests the phi of the read's result (n < 0) before the write. The top of
// the loop branches (the retry, the write) and joins at the read: it is copied whole onto the
// way in (`duplicate_region`), and the loop whose start is the read is one looped multi-call
// whose stops resume it, carrying the counter.
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+10]]:{{[0-9]+}}: moved the start of the loop to 'read' at reheader-loop.c:[[#@LINE+10]]:{{[0-9]+}}: the part of the loop before it, with 'write' at reheader-loop.c:[[#@LINE+18]]:{{[0-9]+}}, runs once before the loop
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter); no in-kernel copy: the static buffer @buf of {{.*}} is also used in '{{.*}}': '{{.*}}'
// CHECK-LABEL: define {{.*}}@eintr_rotated(
// CHECK: call i64 @write(
// CHECK: call i64 @multicall_loop(
// CHECK: mc.loop.resume.0:
long eintr_rotated(int in, int out)
{
	long blocks = 0;
	for (;;) {
		long n = read(in, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
	}
	return blocks;
}

// A filter: work over the block (a loop) between the read and the write. No multi-call takes
// read -> write around that loop, so the start stays where the rotation left it, after the
// read, and write -> next read is one multi-call per iteration.
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+9]]:{{[0-9]+}}: did not move the start of the loop to 'read' at reheader-loop.c:[[#@LINE+9]]:{{[0-9]+}} so that read -> write is one iteration: the loop at block %{{[0-9a-z.]+}} lies between 'read' at reheader-loop.c:[[#@LINE+9]]:{{[0-9]+}} and 'write' at reheader-loop.c:[[#@LINE+12]]:{{[0-9]+}}: no multi-call skips it
// REMARK-DAG: remark: {{.*}}reheader-loop.c:[[#@LINE+11]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> read (stop: result != argument 2, never; 0 result references)
// CHECK-LABEL: define {{.*}}@filtered(
// CHECK-NOT: @multicall_loop
// CHECK: call i64 @multicall(
// CHECK: ret i64
long filtered(int in, int out)
{
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (long i = 0; i < n; i++)
			buf[i] ^= 0x5a;
		if (write(out, buf, n) != n)
			return -1;
	}
	return n;
}
