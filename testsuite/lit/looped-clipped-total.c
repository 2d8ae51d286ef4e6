// A total that adds a result only when it is positive, `if (w > 0) wbytes += w;` (clang's
// `llvm.smax(w, 0)`, legality/looped.rs `clipped_at_zero`, `plan::Cast::Clip`): in every
// iteration a batch completes the write passed its stop `result != argument 2`, so its
// result is the read's count, not negative, and the total is the sum of the write's
// results. Where the write stops the batch (a short or failed write), the report after the
// loop adds the stopped result clipped at 0 as the original does (`mc.clip`: -1 adds
// nothing). A step clipped so is refused where its call's result may be negative in an
// iteration the batch completes (looped.rs `step_kind`).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stdio.h>
#include <unistd.h>

// REMARK-DAG: remark: {{.*}}looped-clipped-total.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}}(total of write's results)
// CHECK-LABEL: define {{.*}} @copy_counted(
// CHECK: call i64 @multicall_loop_sums(
// CHECK: %mc.clip = icmp sgt i64 %{{.*}}, 0
// CHECK-NEXT: %mc.clip{{[0-9]*}} = select i1 %mc.clip, i64 %{{.*}}, i64 0
long copy_counted(int in, int out, char *buf, size_t size)
{
	ssize_t n;
	long wbytes = 0, rbytes = 0;

	while ((n = read(in, buf, size)) > 0) {
		rbytes += n;
		ssize_t w = write(out, buf, n);
		if (w > 0)
			wbytes += w;
		if (w != n) {
			fprintf(stderr, "wrote %ld of %ld\n", wbytes, rbytes);
			return -1;
		}
	}
	return n < 0 ? -1 : wbytes;
}

// An unchecked write: the batch stops on its error (to set errno) and the original goes round
// after it, the total its next value with the failed result clipped at 0.
// REMARK-DAG: remark: {{.*}}looped-clipped-total.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); carries %{{[0-9]+}} (total of write's results)
// CHECK-LABEL: define {{.*}} @copy_unchecked(
// CHECK: call i64 @multicall_loop_sums(
// CHECK: %mc.clip = icmp sgt i64 %{{.*}}, 0
long copy_unchecked(int in, int out, char *buf, size_t size)
{
	ssize_t n;
	long wbytes = 0;

	while ((n = read(in, buf, size)) > 0) {
		ssize_t w = write(out, buf, n);
		if (w > 0)
			wbytes += w;
	}
	return wbytes;
}
