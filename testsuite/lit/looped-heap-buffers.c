// Buffers of memory of the function's own beyond local arrays, and buffers a stop may read.
// A fresh allocation (malloc: a noalias result) that only the loop's calls and free use is
// dead after the loop (flags 2, MC_BATCH_DEAD_BUFFERS); one whose address escapes, heap or
// local, even before the loop, is live. coreutils cat's shape (safe_read, then full_write,
// which finishes a short write from the buffer: the loop's stops resume it) reads the buffer
// only after a stop at the write: flags 18, MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP,
// the runtime refilling the buffer at such a stop. The same loop reading the buffer after
// end of input keeps the plain multicall_loop. An llvm.assume of the buffer's alignment
// reads nothing. A static buffer is the same, unless the function reads it before the loop:
// a later call then reads what the batch left at the end of its input.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:188:14: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)
// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:63:14: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)
// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:78:14: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: the address of the buffer %{{[0-9]+}} of 'read' at looped-heap-buffers.c:78:14 escapes in 'store ptr %{{[0-9]+}}, ptr @keep, align 8'
// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:90:14: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: the address of the buffer %{{[0-9]+}} of 'read' at looped-heap-buffers.c:90:14 escapes in 'store ptr %{{[0-9]+}}, ptr @keep, align 8'
// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:100:15: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer %{{[0-9]+}} of 'read' at looped-heap-buffers.c:100:15 is also used by '{{.*}}call i64 @write({{.*}}'): the runtime may run it as an in-kernel copy that refills the buffer from a regular input at such a stop
// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:100:15: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: after a stop at 'read' at looped-heap-buffers.c:100:15, the original code may reach %{{[0-9]+}} = load i8, ptr %{{[0-9]+}}, align 1, which reads the buffer

// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:100:15: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer @sbuf of 'read' at looped-heap-buffers.c:100:15 is also used by {{.*}}
// REMARK-DAG: remark: {{.*}}looped-heap-buffers.c:100:15: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: after a stop at 'read' at looped-heap-buffers.c:100:15, the original code may reach %{{[0-9]+}} = load i8, ptr @tbuf, align 16, which reads the buffer

// CHECK-LABEL: define {{.*}} @copy_heap(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)
// CHECK-LABEL: define {{.*}} @copy_heap_kept(
// CHECK-NOT: @multicall_loop_flags
// CHECK: call i64 @multicall_loop(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null)
// CHECK-LABEL: define {{.*}} @copy_local_escapes(
// CHECK-NOT: @multicall_loop_flags
// CHECK: call i64 @multicall_loop(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null)
// CHECK-LABEL: define {{.*}} @cat_heap(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 18)
// CHECK-LABEL: define {{.*}} @cat_heap_peek(
// CHECK-NOT: @multicall_loop_flags
// CHECK: call i64 @multicall_loop(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null)
// CHECK-LABEL: define {{.*}} @copy_aligned(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)
// CHECK-LABEL: define {{.*}} @cat_static(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 18)
// CHECK-LABEL: define {{.*}} @cat_static_again(
// CHECK-NOT: @multicall_loop_flags
// CHECK: call i64 @multicall_loop(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null)

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

char *keep;

int copy_heap(int in, int out)
{
	char *buf = malloc(65536);
	ssize_t n;

	if (!buf)
		return 2;
	while ((n = read(in, buf, 65536)) > 0)
		if (write(out, buf, n) != n)
			break;
	free(buf);
	return n != 0;
}

int copy_heap_kept(int in, int out)
{
	char *buf = malloc(65536);
	ssize_t n;

	if (!buf)
		return 2;
	keep = buf;
	while ((n = read(in, buf, 65536)) > 0)
		if (write(out, buf, n) != n)
			break;
	return n != 0;
}

int copy_local_escapes(int in, int out)
{
	char buf[4096];
	ssize_t n;

	keep = buf;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			break;
	keep = 0;
	return n != 0;
}

static size_t safe_read(int fd, void *buf, size_t count)
{
	for (;;) {
		ssize_t n = read(fd, buf, count);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return (size_t)-1;
	}
}

static size_t full_write(int fd, const char *p, size_t count)
{
	size_t done = 0;

	while (count > 0) {
		ssize_t n = write(fd, p, count);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0) {
			errno = ENOSPC;
			break;
		}
		done += n;
		p += n;
		count -= n;
	}
	return done;
}

int cat_heap(int in, int out)
{
	char *buf = malloc(131072);
	int status = 0;

	if (!buf)
		return 2;
	for (;;) {
		size_t n = safe_read(in, buf, 131072);
		if (n == (size_t)-1) {
			status = 1;
			break;
		}
		if (n == 0)
			break;
		if (full_write(out, buf, n) != n) {
			status = 1;
			break;
		}
	}
	free(buf);
	return status;
}

int cat_heap_peek(int in, int out)
{
	char *buf = malloc(131072);
	int status = 0;

	if (!buf)
		return 2;
	for (;;) {
		size_t n = safe_read(in, buf, 131072);
		if (n == (size_t)-1) {
			status = 1;
			break;
		}
		if (n == 0)
			break;
		if (full_write(out, buf, n) != n) {
			status = 1;
			break;
		}
	}
	status += buf[0];
	free(buf);
	return status;
}

/* An alignment the pass is told of (an llvm.assume of the address) reads nothing. */
int copy_aligned(int in, int out)
{
	char *buf = __builtin_assume_aligned(aligned_alloc(4096, 65536), 4096);
	ssize_t n;

	if (!buf)
		return 2;
	while ((n = read(in, buf, 65536)) > 0)
		if (write(out, buf, n) != n)
			break;
	free(buf);
	return n != 0;
}

/* cat's shape over a static buffer only this function uses: live only after a stop at the
 * write, as the heap buffer above. */
static char sbuf[65536];

int cat_static(int in, int out)
{
	for (;;) {
		size_t n = safe_read(in, sbuf, sizeof sbuf);
		if (n == (size_t)-1)
			return 1;
		if (n == 0)
			return 0;
		if (full_write(out, sbuf, n) != n)
			return 1;
	}
}

/* The same over a static buffer the function reads when it starts: after a call that ended at
 * the end of its input, the next one reads what the batch left there. */
static char tbuf[65536];

int cat_static_again(int in, int out)
{
	int status = tbuf[0] == 'x';

	for (;;) {
		size_t n = safe_read(in, tbuf, sizeof tbuf);
		if (n == (size_t)-1)
			return 1;
		if (n == 0)
			return status;
		if (full_write(out, tbuf, n) != n)
			return 1;
	}
}
