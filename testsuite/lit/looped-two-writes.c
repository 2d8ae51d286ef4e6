// A tee: each block read goes to two outputs, and both writes are tested together after the
// second (`if (w1 != n || w2 != n)`). The first write's result is tested only there, so in
// the batch it has no stop of its own; a loop whose stops resume it may stop it on every
// result but its length instead (`result != argument 2`, legality/resume.rs
// `stronger_stop`): the original code then writes the second output itself and tests both,
// as it would have. With both writes pinned to the read's count the test is decided, and the
// loop is one looped multi-call of read -> write -> write.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/tee.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

static char buf[4096];

// IR-LABEL: define {{.*}}@tee(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-two-writes.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write -> write (stop: result <= 0, result != argument 2, result != argument 2; 2 result references); carries %{{[0-9a-z.]+}} (total of read's results)
long tee(int in, int out, int copy)
{
	long total = 0;
	int n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		int w1 = write(out, buf, n);
		int w2 = write(copy, buf, n);
		if (w1 != n || w2 != n) {
			fprintf(stderr, "w1=%d w2=%d n=%d %s\n", w1, w2, n, strerror(errno));
			return -1;
		}
		total += n;
	}
	return n < 0 ? -1 : total;
}
