// Loops whose offset or pointer is kept as a running sum at the end of the iteration. clang
// rotates them: after the pass rotates them back (the pread first), `off + n` is a sum of two
// phis of the new header, the offset and the result before; transform/sums.rs folds it into
// one phi that advances by the iteration's result, and the loop becomes one looped
// multi-call. One offset passed to both calls advances in both (struct mc_advance of each
// entry: argument 3 by entry 0's result, 1 << 24), and the buffer is dead after the loop, so
// the runtime may copy at the offsets in the kernel (MC_BATCH_DEAD_BUFFERS).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/offsets.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+18]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %sum{{[0-9]*}} (argument 3 of pread and argument 3 of pwrite, up by pread's result); its buffers are dead after the loop: the runtime may run it as an in-kernel copy

// CHECK-LABEL: define {{.*}} @same_offsets(
// CHECK: store i64 16777216, ptr %[[#]]
// CHECK-NEXT: getelementptr
// CHECK-NEXT: store i64 0, ptr
// CHECK: store i64 16777216, ptr
// The batch's flags (LOOP | DEAD_BUFFERS | SUMS | ADVANCE) above its count of 2.
// CHECK: store i64 64424509442, ptr
// CHECK: call i64 @multicall_run_batch(
// CHECK: %sum{{[0-9]*}} = phi i64
// CHECK-LABEL: define {{.*}} @by_written(
int same_offsets(int in, int out)
{
	char buf[4096];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(in, buf, sizeof buf, off)) > 0) {
		if (pwrite(out, buf, n, off) != n)
			return 1;
		off += n;
	}
	return n < 0;
}

// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %sum{{[0-9]*}} (argument 3 of pread and argument 3 of pwrite, up by pread's result)
int by_written(int in, int out, off_t start)
{
	char buf[4096];
	off_t off = start;
	ssize_t n, w;

	while ((n = pread(in, buf, sizeof buf, off)) > 0) {
		w = pwrite(out, buf, n, off);
		if (w != n)
			return 1;
		off += w;
	}
	return n < 0;
}

// Two offsets, each passed to one call.
// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %sum{{[0-9]*}} (argument 3 of {{pread|pwrite}}, up by pread's result), %sum{{[0-9]*}} (argument 3 of {{pread|pwrite}}, up by pread's result)
int two_offsets(int in, int out, off_t to)
{
	char buf[4096];
	off_t from = 0;
	ssize_t n;

	while ((n = pread(in, buf, sizeof buf, from)) > 0) {
		if (pwrite(out, buf, n, to) != n)
			return 1;
		from += n;
		to += n;
	}
	return n < 0;
}

// A pointer kept as a sum: records gathered into a caller's buffer until the end of input.
// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); advances %sum (argument 1 of read, up by read's result)
long gather(int in, char *buf)
{
	char *p = buf;
	ssize_t n;

	while ((n = read(in, p, 512)) > 0)
		p += n;
	return p - buf;
}

// The offsets advanced by an `int` count: clang widens the count as `ashr exact (shl %r, 32),
// 32` (or, once it knows it is positive, `and i64 %r, 2147483647`), which is the transfer's
// result itself in every iteration a batch completes (below 2^31, and not negative since the
// read stops on an error): the batch advances the offset by the raw result.
// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{[0-9a-z.]+}} (argument 3 of pread and argument 3 of pwrite, up by pread's result)
// CHECK-LABEL: define {{.*}} @int_count(
// CHECK: call i64 @multicall_run_batch(
int int_count(int in, int out)
{
	char buf[4096];
	off_t off = 0;
	int n;

	while ((n = pread(in, buf, sizeof buf, off)) > 0) {
		ssize_t w = pwrite(out, buf, n, off);
		if (w != (ssize_t)n)
			return 1;
		off += n;
	}
	return n < 0;
}

// The same with a `switch` on the count (0: the end, -1: an error): clang cannot tell the
// count is positive past it, and widens it by `ashr`.
// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{[0-9a-z.]+}} (argument 3 of pread and argument 3 of pwrite, up by pread's result)
// CHECK-LABEL: define {{.*}} @switched_count(
// CHECK: call i64 @multicall_run_batch(
int switched_count(int in, int out)
{
	char buf[4096];
	off_t off = 0;
	int n;

	for (;;) {
		n = pread(in, buf, sizeof buf, off);
		switch (n) {
		case 0:
			return 0;
		case -1:
			return 1;
		}
		long w = pwrite(out, buf, n, off);
		if (w != (long)n)
			return 2;
		off += n;
	}
}

// The write's count kept in an `int` too: `int w = pwrite(..); if (w != n)` compares the low
// 32 bits of pwrite's result with the count, whose sign extension is pwrite's length. When
// the result equals the length their low 32 bits are equal, so the stop `result != argument
// 2` lets the batch go on only where the original goes on.
// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{[0-9a-z.]+}} (argument 3 of pread and argument 3 of pwrite, up by pread's result)
// CHECK-LABEL: define {{.*}} @int_written(
// CHECK: call i64 @multicall_run_batch(
int int_written(int in, int out)
{
	char buf[4096];
	off_t off = 0;
	int n;

	for (;;) {
		n = pread(in, buf, sizeof buf, off);
		switch (n) {
		case 0:
			return 0;
		case -1:
			return 1;
		}
		int w = pwrite(out, buf, n, off);
		if (w != n)
			return 2;
		off += n;
	}
}

// A read retried by `continue` when a signal interrupted it, its block written at an offset
// that advances: the read's stop goes back into the loop (the errno test and the retry), so
// the blocks it reaches before the header are original code a stop enters with the offset
// of the iteration that stopped, and the batch runs only the way round (legality/advance.rs,
// `gap_reentry_blocks`). The same for pread and pwrite at one offset.
// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{[0-9a-z.]+}} (argument 3 of pwrite, up by read's result)
// CHECK-LABEL: define {{.*}} @retried_read(
// CHECK: call i64 @multicall_run_batch(
long retried_read(int in, int out)
{
	char buf[4096];
	off_t off = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (pwrite(out, buf, n, off) != n)
			return -1;
		off += n;
	}
	return off;
}

// REMARK-DAG: remark: {{.*}}looped-offsets.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{[0-9a-z.]+}} (argument 3 of pread and argument 3 of pwrite, up by pread's result)
// CHECK-LABEL: define {{.*}} @retried_pread(
// CHECK: call i64 @multicall_run_batch(
long retried_pread(int in, int out)
{
	char buf[4096];
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(in, buf, sizeof buf, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (pwrite(out, buf, n, off) != n)
			return -1;
		off += n;
	}
	return off;
}
