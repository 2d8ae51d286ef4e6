// A copy helper given its buffer by its callers (a `static` function that is not inlined):
// the buffer is dead after the loop when every call passes a local array or a fresh
// allocation of the caller's own in that argument alone, and no caller reads the bytes the
// loop writes once the call has returned (legality/dead_buffers.rs `callers_leave`): a
// caller that reads only a struct's counters around the buffer, or frees the memory, leaves
// it dead, and the runtime may copy in the kernel. A caller that reads the buffer after the
// call, a helper other modules may call, or a caller that passes a static buffer keep the
// plain looped multi-call, and the remark says why.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
// Without a remark asked for, the same module (ir::texts_wanted: no value printed).
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -S %t.ll -o %t.quiet.ll
// RUN: cmp %t.out.ll %t.quiet.ll
//
// Both builds copy the same and report the same, into a file, a pipe and /dev/full, on every
// host backend (the in-kernel copy runs into the file and the pipe).
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty
// RUN: for mode in local heap job peek public global; do for in in %t.in %t.empty; do for out in %t.copy /dev/full pipe; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy %t.copy.orig; \
// RUN:     if [ $out = pipe ]; then %t.orig $mode < $in 2> %t.err.orig | cksum > %t.copy.orig; else %t.orig $mode < $in > $out 2> %t.err.orig; fi; \
// RUN:     echo "status $?" >> %t.err.orig; if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     if [ $out = pipe ]; then MULTICALL_BACKEND=$be %t.clustered $mode < $in 2> %t.err.clustered | cksum > %t.copy; \
// RUN:     else MULTICALL_BACKEND=$be %t.clustered $mode < $in > $out 2> %t.err.clustered; fi; \
// RUN:     echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out != /dev/full ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done

// The module keeps the public helper first and the internal ones after main. The flags of a
// looped batch are its fifth argument: 2 is MC_BATCH_DEAD_BUFFERS.
// CHECK-LABEL: define {{.*}} @copy_public(
// CHECK: call i64 @multicall_loop_sums({{.*}}, ptr null, i32 0, ptr %mc.loop.sums)
// CHECK-LABEL: define internal {{.*}} @copy(
// CHECK: call i64 @multicall_loop_sums({{.*}}, ptr null, i32 2, ptr %mc.loop.sums)
// CHECK-LABEL: define internal {{.*}} @pump(
// CHECK: call i64 @multicall_loop_sums({{.*}}, ptr null, i32 2, ptr %mc.loop.sums)
// CHECK-LABEL: define internal {{.*}} @copy_peeked(
// CHECK: call i64 @multicall_loop_sums({{.*}}, ptr null, i32 0, ptr %mc.loop.sums)
// CHECK-LABEL: define internal {{.*}} @copy_static(
// CHECK: call i64 @multicall_loop_sums({{.*}}, ptr null, i32 0, ptr %mc.loop.sums)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
	int in, out;
	char buf[4096];
	unsigned long long total;
};

static char shared[4096];

// The helper: its buffer is its callers'.
// REMARK-DAG: remark: {{.*}}looped-dead-argument.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}its buffers are dead after the loop
__attribute__((noinline)) static long copy(int in, int out, char *buf, size_t size)
{
	long total = 0;
	ssize_t n;
	while ((n = read(in, buf, size)) > 0) {
		if (write(out, buf, (size_t)n) != n)
			return -1;
		total += n;
	}
	return n < 0 ? -1 : total;
}

// A struct's buffer through a pointer to the struct: main reads the total after it.
// REMARK-DAG: remark: {{.*}}looped-dead-argument.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}its buffers are dead after the loop
__attribute__((noinline)) static int pump(struct job *j)
{
	ssize_t n;
	while ((n = read(j->in, j->buf, sizeof j->buf)) > 0) {
		if (write(j->out, j->buf, (size_t)n) != n)
			return -1;
		j->total += (unsigned long long)n;
	}
	return n < 0 ? -1 : 0;
}

// Its caller looks at the buffer's first byte after the call.
// REMARK-DAG: remark: {{.*}}looped-dead-argument.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}no in-kernel copy: the buffer {{.*}} of 'read' {{.*}} is given to the function by its callers, and 'main' reads it after the call: '{{.*}} = load i8, ptr
__attribute__((noinline)) static long copy_peeked(int in, int out, char *buf, size_t size)
{
	long total = 0;
	ssize_t n;
	while ((n = read(in, buf, size)) > 0) {
		if (write(out, buf, (size_t)n) != n)
			return -1;
		total += n;
	}
	return n < 0 ? -1 : total;
}

// Visible to other modules, whose calls the pass cannot see.
// REMARK-DAG: remark: {{.*}}looped-dead-argument.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}no in-kernel copy: {{.*}} is given to the function by its callers, and 'copy_public' is visible outside this module, so callers it cannot see may pass any buffer (declare it static, or build with --lto)
__attribute__((noinline)) long copy_public(int in, int out, char *buf, size_t size)
{
	long total = 0;
	ssize_t n;
	while ((n = read(in, buf, size)) > 0) {
		if (write(out, buf, (size_t)n) != n)
			return -1;
		total += n;
	}
	return n < 0 ? -1 : total;
}

// Given a static buffer or a local array, chosen at run time: no one memory of the caller's
// (a static buffer passed alone is looped-static-buffer.c's).
// REMARK-DAG: remark: {{.*}}looped-dead-argument.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}no in-kernel copy: {{.*}} is given to the function by its callers, and 'main' passes {{.*}}, which is not a local array, a fresh allocation of its own or a static buffer
__attribute__((noinline)) static long copy_static(int in, int out, char *buf, size_t size)
{
	long total = 0;
	ssize_t n;
	while ((n = read(in, buf, size)) > 0) {
		if (write(out, buf, (size_t)n) != n)
			return -1;
		total += n;
	}
	return n < 0 ? -1 : total;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "local";
	long r;
	int peek = -1;
	if (strcmp(mode, "heap") == 0) {
		char *buf = malloc(4096);
		if (!buf)
			return 2;
		r = copy(0, 1, buf, 4096);
		free(buf);
	} else if (strcmp(mode, "job") == 0) {
		struct job j;
		j.in = 0;
		j.out = 1;
		j.total = 0;
		r = pump(&j) < 0 ? -1 : (long)j.total;
	} else if (strcmp(mode, "peek") == 0) {
		char buf[4096];
		buf[0] = 0;
		r = copy_peeked(0, 1, buf, sizeof buf);
		peek = buf[0] & 0xff;
	} else if (strcmp(mode, "public") == 0) {
		char buf[4096];
		r = copy_public(0, 1, buf, sizeof buf);
	} else if (strcmp(mode, "global") == 0) {
		char buf[4096];
		r = copy_static(0, 1, argc > 2 ? buf : shared, sizeof shared);
		peek = shared[0] & 0xff;
	} else {
		char buf[4096];
		r = copy(0, 1, buf, sizeof buf);
	}
	fprintf(stderr, "%ld %d\n", r, peek);
	return r < 0;
}
