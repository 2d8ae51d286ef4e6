// gzip 1.12's write_buf (util.c), with its write_buffer helper as gzip has it (a clamp of
// the count to INT_MAX; without the clamp clang leaves the same loop without the llvm.umin).
// clang -O2 peels the first write out of the loop and tests each write's result against -1
// at the top of the next iteration, on a phi that carries it; the loop goes round while the
// 32-bit result differs from the 32-bit count. The loop's start moves to its write
// (transform/reheader.rs), so that the test of the result follows the call; the looped
// multi-call is still refused: the loop leaves when the truncated result equals the 32-bit
// count, which is not the count the write is passed (that one is clamped and widened), so
// the test is no stop predicate and no advancing count's end (transform/finished.rs takes
// only `result == argument 2`). Nothing is lowered.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: FileCheck %s --check-prefix=IR < %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json;stats>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=OUT < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <limits.h>
#include <unistd.h>

typedef void *voidp;
extern void write_error(void) __attribute__((noreturn));

static unsigned write_buffer(int fd, voidp buf, unsigned cnt)
{
	if (INT_MAX < cnt)
		cnt = INT_MAX;
	return write(fd, buf, cnt);
}

void write_buf(int fd, voidp buf, unsigned cnt)
{
	unsigned n;

	while ((n = write_buffer(fd, buf, cnt)) != cnt) {
		if (n == (unsigned)(-1))
			write_error();
		cnt -= n;
		buf = (voidp)((char *)buf + n);
	}
}

// The shape the remark speaks of: a header phi carrying the truncated result, tested
// against -1 before the loop's write, and the way round on the 32-bit `!= cnt`.
// IR-LABEL: define {{.*}}void @write_buf(
// IR: [[RES:%[0-9]+]] = phi i32 [ [[NEXT:%[0-9]+]], %{{[0-9]+}} ]
// IR: icmp eq i32 [[RES]], -1
// IR: call void @write_error()
// IR: call i64 @write(
// IR-NEXT: [[NEXT]] = trunc i64
// IR: icmp eq i32 %{{[0-9]+}}, [[NEXT]]

// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:31:9: moved the start of the loop to 'write' at looped-gzip-write.c:31:9: the loop's test of the result of 'write' at looped-gzip-write.c:31:9, at its top, now follows that call in the same iteration
// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:38:2: not clustered: write -> write (weight 299) breaks linearity: branch '%{{[0-9]+}} = icmp eq i32 %{{[0-9]+}}, %{{[0-9]+}}' between 'write' at looped-gzip-write.c:31:9 and 'write' at looped-gzip-write.c:31:9 is not a stop predicate on the result of 'write'
// REMARK-DAG: 0 syscall-cluster - Number of looped multi-calls (whole loops)
// REMARK-NOT: tested whether

// OUT-NOT: @multicall_run_batch
