// A read-until-full helper that clang merges into the copy loop around it
// (transform/duplicate.rs round paths with a count reset, pass.md 2h): one header for both
// loops, the read, with the count read so far, 0 again after each block's write. The write's
// way back round that header to the read is copied (the count 0 there, its arithmetic
// folded), the read's way on to the write is the likeliest among the ways that reach it (a
// whole block, not the end of the input), the EINTR retry's join that the copy decides is
// threaded, and the loop's start moves to the copied read. The read's three tests (r < 0,
// r == 0, r < 4096 after the count) together stop on anything but a whole block: `result !=
// argument 2`. A short read resumes the original loop, which fills the block. The batch of
// the counting copy (`copy_counted`) reports its iterations, from which the count goes on.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK-DAG: remark: {{.*}}merged-read-full.c:{{[0-9]+}}:{{[0-9]+}}: copied 6 blocks on the way from 'write' at merged-read-full.c:{{[0-9]+}}:{{[0-9]+}} round the loop's header to 'read' at merged-read-full.c:{{[0-9]+}}:{{[0-9]+}} so that the hot edge write -> read (weight 556) is one iteration
// REMARK-DAG: remark: {{.*}}merged-read-full.c:{{[0-9]+}}:{{[0-9]+}}: moved the start of the loop to 'read'
// REMARK-DAG: remark: {{.*}}merged-read-full.c:{{[0-9]+}}:{{[0-9]+}}: moved the start of the loop to 'read'
// REMARK-DAG: remark: {{.*}}merged-read-full.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); no in-kernel copy: after a stop at 'read'
// REMARK-DAG: remark: {{.*}}merged-read-full.c:{{[0-9]+}}:{{[0-9]+}}: copied 6 blocks on the way from 'write' at merged-read-full.c:{{[0-9]+}}:{{[0-9]+}} round the loop's header to 'read'
// REMARK-DAG: remark: {{.*}}merged-read-full.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter); no in-kernel copy

// CHECK-LABEL: define {{.*}} @copy_blocks(
// CHECK: call i64 @multicall_loop(ptr %mc.entries{{[0-9]*}}, i32 2, i64 4611686018427387904, ptr null)
// CHECK-LABEL: define {{.*}} @copy_counted(
// CHECK: call i64 @multicall_loop(ptr %mc.entries{{[0-9]*}}, i32 2, i64 4611686018427387904, ptr %mc.loop.iterations)

#include <errno.h>
#include <unistd.h>

static ssize_t read_full(int fd, char *b, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, b + got, len - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

int copy_blocks(int in, int out)
{
	static char buf[4096];
	ssize_t n;

	while ((n = read_full(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return 1;
		if (n < (ssize_t)sizeof buf)
			break;
	}
	return n < 0;
}

// The same copy counting its blocks: clang keeps the helper's loop apart (the copy loop's
// header holds the count, the helper's the read and nothing read). The write's way back goes
// through both headers to the read, which is copied the same way; the batch carries the
// count.
long copy_counted(int in, int out)
{
	static char buf[4096];
	long blocks = 0;
	ssize_t n;

	while ((n = read_full(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
		if (n < (ssize_t)sizeof buf)
			break;
	}
	return n < 0 ? -1 : blocks;
}
