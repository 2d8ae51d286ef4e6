// Whether a whole loop's buffers are dead after it (MC_BATCH_DEAD_BUFFERS: the runtime may
// then run a copy loop as copy_file_range, sendfile or splice, which never fills the buffer).
// A local array that only the loop's calls use is dead: the loop calls multicall_loop_flags
// with the flag (2); so is a static buffer only this function uses (a later call fills it
// before reading it). A static buffer another function uses, or a local one read after the
// loop, keeps the plain multicall_loop, and the remark says why. A write whose count is not
// checked, or checked only for failure (a write stop at result < 0), is the same copy to the
// runtime: its short write goes on to the next block.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK-DAG: remark: {{.*}}looped-dead-buffers.c:48:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)
// REMARK-DAG: remark: {{.*}}looped-dead-buffers.c:58:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)
// REMARK-DAG: remark: {{.*}}looped-dead-buffers.c:81:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: the static buffer @last of 'read' at looped-dead-buffers.c:{{[0-9]+}}:{{[0-9]+}} is also used in 'last_byte': '{{.*}}load i8, ptr @last{{.*}}'
// REMARK-DAG: remark: {{.*}}looped-dead-buffers.c:69:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: the buffer %{{[0-9]+}} of 'read' at looped-dead-buffers.c:{{[0-9]+}}:{{[0-9]+}} is also used by '{{.*}}load{{.*}}'
// REMARK-DAG: remark: {{.*}}looped-dead-buffers.c:97:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)
// REMARK-DAG: remark: {{.*}}looped-dead-buffers.c:107:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)

// CHECK-LABEL: define {{.*}} @copy_local(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)
// CHECK-LABEL: define {{.*}} @copy_global(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)
// CHECK-LABEL: define {{.*}} @copy_peek(
// CHECK-NOT: @multicall_loop_flags
// CHECK: call i64 @multicall_loop(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null)
// CHECK-LABEL: define {{.*}} @copy_kept(
// CHECK-NOT: @multicall_loop_flags
// CHECK: call i64 @multicall_loop(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null)
// CHECK-LABEL: define {{.*}} @copy_unchecked(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries{{[0-9]*}}, i32 2, i64 4611686018427387904, ptr null, i32 2)
// CHECK-LABEL: define {{.*}} @copy_failed_only(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)

#include <unistd.h>

static char shared[4096];

int copy_local(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	return n < 0;
}

int copy_global(int in, int out)
{
	ssize_t n;

	while ((n = read(in, shared, sizeof shared)) > 0)
		if (write(out, shared, n) != n)
			return 1;
	return n < 0;
}

int copy_peek(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return buf[0];
	return n < 0;
}

static char last[4096];

int copy_kept(int in, int out)
{
	ssize_t n;

	while ((n = read(in, last, sizeof last)) > 0)
		if (write(out, last, n) != n)
			return 1;
	return n < 0;
}

char last_byte(void)
{
	return last[0];
}

int copy_unchecked(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		write(out, buf, n);
	return n < 0;
}

int copy_failed_only(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) < 0)
			return 1;
	return n < 0;
}
