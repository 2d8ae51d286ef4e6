// gzip 1.12's write_buf (util.c), with its write_buffer helper as gzip has it (a clamp of
// the count to INT_MAX), the same loop without the clamp, and one whose count may grow.
// clang -O2 peels the first write out of each loop and tests each write's result against -1
// at the top of the next iteration, on a phi that carries it; the loop goes round while the
// 32-bit result differs from the 32-bit count. The loop's start moves to its write
// (transform/reheader.rs), its end is tested on the count's next value after the test of -1
// (transform/finished.rs: `cnt - n == 0`), and the write's argument 2, which the loop makes
// of the 32-bit count (widened, or clamped and widened), is made the count that goes down
// by the result (transform/wide_count.rs). With the clamp the loop is first versioned on the
// count it comes in with (`count.fits`: at most INT_MAX), the rewritten loop running there
// and an unchanged copy otherwise. Both become one looped multi-call. A loop whose count
// grows keeps its refusal.
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

void write_all(int fd, voidp buf, unsigned cnt)
{
	unsigned n;

	while ((n = write(fd, buf, cnt)) != cnt) {
		if (n == (unsigned)(-1))
			write_error();
		cnt -= n;
		buf = (voidp)((char *)buf + n);
	}
}

void write_grow(int fd, voidp buf, unsigned cnt, unsigned more)
{
	unsigned n;

	while ((n = write(fd, buf, cnt)) != cnt) {
		if (n == (unsigned)(-1))
			write_error();
		cnt = cnt - n + more;
		buf = (voidp)((char *)buf + n);
	}
}

// The shape clang leaves: a header phi carrying the truncated result, tested against -1
// before the loop's write, and the way round on the 32-bit `!= cnt`.
// IR-LABEL: define {{.*}}void @write_buf(
// IR: [[RES:%[0-9]+]] = phi i32 [ [[NEXT:%[0-9]+]], %{{[0-9]+}} ]
// IR: icmp eq i32 [[RES]], -1
// IR: call void @write_error()
// IR: call i64 @write(
// IR-NEXT: [[NEXT]] = trunc i64
// IR: icmp eq i32 %{{[0-9]+}}, [[NEXT]]

// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:33:9: moved the start of the loop to 'write' at looped-gzip-write.c:33:9
// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:33:9: counted what 'write' at looped-gzip-write.c:33:9 has left to move in its 64-bit argument %{{[0-9]+}}, which goes down by its result, in place of the count %{{[0-9]+}} widened, where %{{[0-9]+}} comes into the loop at most 2147483647 (tested before it; it never grows), a copy of the loop otherwise
// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:33:9: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %{{[0-9]+}} (total of write's results); advances %{{[0-9]+}} (argument 2 of write, down by write's result), %{{[0-9]+}} (argument 1 of write, up by write's result) until %{{[0-9]+}} == 0
// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:52:14: counted what 'write' at looped-gzip-write.c:52:14 has left to move in its 64-bit argument %{{[0-9]+}}, which goes down by its result, in place of the count %{{[0-9]+}} widened{{$}}
// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:52:14: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references)
// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:64:14: did not count what 'write' at looped-gzip-write.c:64:14 has left to move in its 64-bit argument, which its loop makes of a narrower count: '%{{[0-9]+}} = sub i32 %{{[0-9]+}}, %{{[0-9]+}}' is not the count %{{[0-9]+}} comes round with
// REMARK-DAG: remark: {{.*}}looped-gzip-write.c:68:29: not clustered: write -> write (weight 299) breaks whole-loop legality: '%{{[0-9]+}} = and i64 %{{[0-9]+}}, 4294967295' runs on the way round the loop after the last call
// REMARK-DAG: 2 syscall-cluster - Number of looped multi-calls (whole loops)

// The clamped loop: versioned on its count, the batch in the loop where it fits, the copy
// for a larger count left as it was (its write, its clamp of the count round).
// OUT-LABEL: define {{.*}}void @write_buf(
// OUT: %count.fits = icmp ule i32 %{{[0-9]+}}, 2147483647
// OUT-NEXT: br i1 %count.fits, label %[[FITS:[0-9a-z.]+]], label %[[COPY:[0-9a-z.]+]]
// OUT: call i64 @multicall_run_batch(
// OUT: [[COPY]]:
// OUT: call i64 @write(
// OUT: call i32 @llvm.umin.i32(i32 %{{[0-9]+}}, i32 2147483647)
// OUT-LABEL: define {{.*}}void @write_all(
// OUT-NOT: count.fits
// OUT: call i64 @multicall_run_batch(
// OUT-LABEL: define {{.*}}void @write_grow(
// OUT-NOT: @multicall_run_batch
// OUT: ret void
