// A copy helper given a job struct that its caller allocated on the heap (`calloc`), as a
// server does for each connection: `pump(j)` reads `j->in`, `j->out` and keeps its books in
// `j->blocks`, `j->total`. transform/pointees.rs follows the pointer back to the allocation as
// it does to a caller's local variable: its loads move out of the loop, the counters stay in
// registers across it, and the loop becomes one looped multi-call whose buffer (`j->buf`) is
// dead after it. Fresh memory adds three conditions to a local variable's: its size is a
// constant (the allocation's arguments), it is known not null where the helper is called, and
// no call given a pointer to it (`free`, a helper) can run before that call. Each refusal
// names the condition.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Run, with and without the pass, on every backend, in every mode: a file into a file, into
// /dev/full (ENOSPC at the first write) and into a pipe, and a directory (EISDIR at the first
// read); the books each helper leaves behind are printed.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in
// RUN: for mode in heap unchecked shown sized own; do for in in %t.in %S; do for out in %t.copy /dev/full pipe; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy %t.copy.orig; \
// RUN:     if [ $out = pipe ]; then %t.orig $mode $in 2> %t.err.orig | cksum > %t.copy.orig; else %t.orig $mode $in > $out 2> %t.err.orig; fi; \
// RUN:     echo "status $?" >> %t.err.orig; if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     if [ $out = pipe ]; then MULTICALL_BACKEND=$be %t.clustered $mode $in 2> %t.err.clustered | cksum > %t.copy; \
// RUN:     else MULTICALL_BACKEND=$be %t.clustered $mode $in > $out 2> %t.err.clustered; fi; \
// RUN:     echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out != /dev/full ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done
// RUN: %t.orig heap %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=BOOKS
// BOOKS: 300001 bytes in 74 blocks
//
// The flags of a looped batch are its fifth argument: 2 is MC_BATCH_DEAD_BUFFERS.
// CHECK-LABEL: define internal {{.*}} @pump(
// CHECK: call i64 @multicall_loop_sums({{.*}}, ptr %mc.loop.iterations, i32 2, ptr %mc.loop.sums)
// CHECK-LABEL: define internal {{.*}} @pump_unchecked(
// CHECK-NOT: @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump_shown(
// CHECK-NOT: @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump_sized(
// CHECK-NOT: @multicall_loop
// CHECK-LABEL: define internal {{.*}} @copy_own(
// CHECK: call i64 @multicall_loop_sums({{.*}}, ptr %mc.loop.iterations, i32 2, ptr %mc.loop.sums)

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
	int in, out;
	unsigned blocks;
	unsigned long long total;
	char buf[4096];
};

// Its only caller allocates the job, tests the pointer and frees it after the call.
// REMARK-DAG: remark: {{.*}}looped-heap.c:{{[0-9]+}}:{{[0-9]+}}: moved '%{{.*}} = load i32, ptr %{{.*}}' out of the loop of '{{read|write}}' at {{.*}}: it reads a caller's local variable or fresh memory through a pointer the function was given
// REMARK-DAG: remark: {{.*}}looped-heap.c:{{[0-9]+}}:{{[0-9]+}}: kept '*j' (at byte 8; argument 1 of 'pump') in a register across the loop of '{{read|write}}' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-DAG: remark: {{.*}}looped-heap.c:{{[0-9]+}}:{{[0-9]+}}: kept '*j' (at byte 16; argument 1 of 'pump') in a register across the loop of '{{read|write}}' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-DAG: remark: {{.*}}looped-heap.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}its buffers are dead after the loop
__attribute__((noinline)) static int pump(struct job *j)
{
	ssize_t n;
	while ((n = read(j->in, j->buf, sizeof j->buf)) > 0) {
		j->blocks++;
		if (write(j->out, j->buf, (size_t)n) != n)
			return -1;
		j->total += (unsigned long long)n;
	}
	return n < 0 ? -1 : 0;
}

// Its caller does not test the pointer `malloc` returned: a load of the counter before the
// loop would fault where the original, whose first read fails, does not touch it.
// REMARK-DAG: remark: {{.*}}looped-heap.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*j' (at byte 8; argument {{[0-9]+}} of 'pump_unchecked') in a register across the loop of '{{read|write}}' at {{.*}}: it points into the memory {{.*}} = {{.*}}call {{.*}}@malloc({{.*}} returns, whose size is not a constant or which may be null at {{.*}}@pump_unchecked(
__attribute__((noinline)) static int pump_unchecked(int in, int out, struct job *j)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		j->blocks++;
		if (write(out, buf, (size_t)n) != n)
			return -1;
	}
	return n < 0 ? -1 : 0;
}

// Its caller hands the job to another function first, which could have freed it.
// REMARK-DAG: remark: {{.*}}looped-heap.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*j' (at byte 8; argument 1 of 'pump_shown') in a register across the loop of '{{read|write}}' at {{.*}}: it lies in fresh memory, and {{.*}}@show({{.*}} is given a pointer to it before {{.*}}@pump_shown({{.*}}: it may free it
__attribute__((noinline)) static int pump_shown(struct job *j)
{
	ssize_t n;
	while ((n = read(j->in, j->buf, sizeof j->buf)) > 0) {
		j->blocks++;
		if (write(j->out, j->buf, (size_t)n) != n)
			return -1;
	}
	return n < 0 ? -1 : 0;
}

__attribute__((noinline)) static void show(const struct job *j)
{
	fprintf(stderr, "job %d -> %d\n", j->in, j->out);
}

// The job's size is not a constant.
// REMARK-DAG: remark: {{.*}}looped-heap.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*j' (at byte 8; argument 1 of 'pump_sized') in a register across the loop of '{{read|write}}' at {{.*}}: it points into the memory {{.*}}@malloc({{.*}} returns, whose size is not a constant or which may be null at {{.*}}@pump_sized(
__attribute__((noinline)) static int pump_sized(struct job *j)
{
	ssize_t n;
	while ((n = read(j->in, j->buf, sizeof j->buf)) > 0) {
		j->blocks++;
		if (write(j->out, j->buf, (size_t)n) != n)
			return -1;
	}
	return n < 0 ? -1 : 0;
}

// The loop's own function allocates the job.
// REMARK-DAG: remark: {{.*}}looped-heap.c:{{[0-9]+}}:{{[0-9]+}}: kept {{.*}}memory 'calloc' returns in 'copy_own'{{.*}}at byte 8{{.*}} in a register across the loop of '{{read|write}}' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-DAG: remark: {{.*}}looped-heap.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}its buffers are dead after the loop
__attribute__((noinline)) static int copy_own(int in, int out)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	j->in = in;
	j->out = out;
	ssize_t n;
	while ((n = read(j->in, j->buf, sizeof j->buf)) > 0) {
		j->blocks++;
		if (write(j->out, j->buf, (size_t)n) != n)
			break;
		j->total += (unsigned long long)n;
	}
	fprintf(stderr, "%llu bytes in %u blocks\n", j->total, j->blocks);
	free(j);
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *mode = argv[1];
	int in = open(argv[2], O_RDONLY);
	if (in < 0)
		return 2;
	int r;
	if (strcmp(mode, "heap") == 0) {
		struct job *j = calloc(1, sizeof *j);
		if (!j)
			return 2;
		j->in = in;
		j->out = 1;
		r = pump(j);
		fprintf(stderr, "%llu bytes in %u blocks\n", j->total, j->blocks);
		free(j);
	} else if (strcmp(mode, "unchecked") == 0) {
		struct job *j = malloc(sizeof *j);
		r = pump_unchecked(in, 1, j);
		free(j);
	} else if (strcmp(mode, "shown") == 0) {
		struct job *j = calloc(1, sizeof *j);
		if (!j)
			return 2;
		j->in = in;
		j->out = 1;
		show(j);
		r = pump_shown(j);
		fprintf(stderr, "%u blocks\n", j->blocks);
		free(j);
	} else if (strcmp(mode, "sized") == 0) {
		struct job *j = malloc(sizeof *j + (size_t)argc);
		if (!j)
			return 2;
		j->in = in;
		j->out = 1;
		j->blocks = 0;
		r = pump_sized(j);
		fprintf(stderr, "%u blocks\n", j->blocks);
		free(j);
	} else {
		r = copy_own(in, 1);
	}
	fprintf(stderr, "status %d\n", r);
	return r < 0;
}
