// Counters side by side that clang -O2 updates as one vector: `tally.blocks++; tally.total
// += w;` on two neighbouring `int`s becomes a load, an add and a store of `<2 x i32>` (the
// SLP vectorizer), and so do two `long`s of a struct reached through a pointer. Neither
// field is a variable a load and a store update on its own, so neither could be kept in a
// register across the loop. transform/vectors.rs writes each such store lane by lane, with
// the lanes' alignment and the operation's flags; then both fields are kept in registers
// and the loop is one looped multi-call. An update whose vector value is used elsewhere
// too stays as it is (vector-counters-refused.ll).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: FileCheck %s --check-prefix=BEFORE < %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Both builds copy the same, count the same and fail the same: a file, an empty input, an
// output that fills up (/dev/full), a read that fails (a directory), on every host backend.
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty && rm -rf %t.dir && mkdir %t.dir
// RUN: for mode in tally job; do for in in %t.in %t.empty %t.dir; do for out in %t.copy /dev/full; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy; %t.orig $mode < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:     if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     MULTICALL_BACKEND=$be %t.clustered $mode < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done
// RUN: %t.clustered tally < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: 300001 bytes in {{[0-9]+}} blocks

#include <stdio.h>
#include <string.h>
#include <unistd.h>

// Two `long` counters of a caller's struct, through a pointer.
struct job {
	int in, out;
	long reads, bytes;
	char data[8192];
};

// BEFORE-LABEL: define {{.*}}@through_pointer(
// BEFORE: add nsw <2 x i64>
// CHECK-LABEL: define {{.*}}@through_pointer(
// CHECK-NOT: <2 x i64>
// CHECK: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-vector-counters.c:[[#@LINE+8]]:{{[0-9]+}}: wrote 'store <2 x i64> %{{[0-9]+}}, ptr %{{[0-9]+}}, align 8' as 2 stores of its lanes: each is a variable the loop updates on its own
// REMARK-DAG: remark: {{.*}}looped-vector-counters.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results), %{{[0-9a-z.]+}} (counter)
static __attribute__((noinline)) int through_pointer(struct job *j)
{
	for (;;) {
		ssize_t n = read(j->in, j->data, sizeof j->data);
		if (n <= 0)
			return (int)n;
		j->reads++;
		j->bytes += n;
		if (write(j->out, j->data, (size_t)n) != n)
			return -2;
	}
}

// The counters beside the buffer in one static struct.
static struct {
	int total, blocks;
	char buf[4096];
} tally;

// BEFORE-LABEL: define {{.*}}@file_scope(
// BEFORE: load <2 x i32>, ptr @tally
// BEFORE: add nsw <2 x i32>
// BEFORE: store <2 x i32>
// CHECK-LABEL: define {{.*}}@file_scope(
// CHECK-NOT: <2 x i32>
// CHECK: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-vector-counters.c:[[#@LINE+11]]:{{[0-9]+}}: wrote 'store <2 x i32> %{{[0-9]+}}, ptr @tally, align 8' as 2 stores of its lanes: each is a variable the loop updates on its own
// REMARK-DAG: remark: {{.*}}looped-vector-counters.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (total of write's results)
static __attribute__((noinline)) int file_scope(int in, int out)
{
	int n;

	while ((n = (int)read(in, tally.buf, sizeof tally.buf)) > 0) {
		int w = (int)write(out, tally.buf, n);
		if (w < 0)
			return -1;
		tally.blocks++;
		tally.total += w;
		if (w < n)
			return -2;
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "job") == 0) {
		struct job j = { 0, 1, 0, 0, { 0 } };
		int r = through_pointer(&j);
		fprintf(stderr, "%ld bytes in %ld reads: %d\n", j.bytes, j.reads, r);
		return r < 0;
	}
	int r = file_scope(0, 1);
	fprintf(stderr, "%d bytes in %d blocks: %d\n", tally.total, tally.blocks, r);
	return r < 0;
}
