// The copy loop as most C programs write it, with an `int` count: `int n; while ((n =
// read(...)) > 0) write(..., n)`. The write's length is the read's result cut to 32 bits and
// widened again (`and i64 %r, 2147483647` once clang knows it is positive), which is the
// result itself because a read's result is below 2^31 (the kernel's MAX_RW_COUNT) and the
// batch goes on only past a non-negative one; and `n` tested after the loop is a `trunc` of
// the result computed in the loop, which the original code computes where a stop resumes the
// loop (the way round follows from the stops: the comparison of the write's result with the
// masked count is that of the two results, pass.md 3d). The loop is one looped multi-call. An `int` cut from a call the kernel does not bound (lseek's
// offset) is not its result: that argument keeps its refusal.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/int-counts.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <unistd.h>

static char buf[4096];

// REMARK-DAG: remark: {{.*}}looped-int-result.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
// CHECK-LABEL: define {{.*}} @copy_int(
// CHECK: call i64 @multicall_loop
int copy_int(int in, int out)
{
	int n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return -2;
	return n;
}

// A long total of the int counts: its step is `and i64 %r, 2147483647`, the result itself in
// every completed iteration (read stops the batch on an error).
// REMARK-DAG: remark: {{.*}}looped-int-result.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; carries %{{[0-9a-z.]+}} (total of read's results)
long total_of_int(int in, int out)
{
	long total = 0;
	int n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -2;
		total += n;
	}
	return n < 0 ? -1 : total;
}

// REMARK-DAG: remark: {{.*}}looped-int-result.c:[[#@LINE+4]]:{{[0-9]+}}: not clustered: lseek -> write (weight 10) breaks argument safety: argument 2 of 'write' at looped-int-result.c:[[#@LINE+4]]:{{[0-9]+}} ('{{.*}}ashr exact i64 {{.*}}, 32') is computed after 'lseek' at
int write_up_to_end(int fd)
{
	int end = lseek(fd, 0, SEEK_END);
	return write(fd, buf, end) < 0;
}
