// Write-all loops on `int` counts, as older C code writes them: `while ((n = write(fd, buf,
// cnt)) != cnt)`, the count passed sign-extended, the result cut to an `int` and tested
// against -1 (`write_int`) or below 0 (`writen`). clang -O2 peels the first write; the
// loop's start moves to the write (transform/reheader.rs), its end is tested on the count's
// next value after the test of the result (transform/finished.rs), and the write's argument
// 2, `sext` of the count, is made the count that goes down by the result
// (transform/wide_count.rs): exact where the count comes in not negative (then it stays
// between 0 and what it came in with), so the loop is versioned on that (`%count.fits`:
// the count at most INT_MAX as an unsigned number) and an unchanged copy runs otherwise. The
// gep by `(long)(int) n` (`ashr (shl r, 32), 32`) is the result on the way round. Each is one
// looped multi-call.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json;stats>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <unistd.h>

extern void write_error(void) __attribute__((noreturn));

// REMARK-DAG: remark: {{.*}}looped-int-write-all.c:[[#@LINE+5]]:{{[0-9]+}}: counted what 'write' at looped-int-write-all.c:[[#@LINE+5]]:{{[0-9]+}} has left to move in its 64-bit argument %{{[0-9a-z.]+}}, which goes down by its result, in place of the count %{{[0-9]+}} widened, where %{{[0-9]+}} comes into the loop between 0 and 2147483647 (tested before it; it never grows), a copy of the loop otherwise
void write_int(int fd, char *buf, int cnt)
{
	int n;

	while ((n = write(fd, buf, cnt)) != cnt) {
		if (n == -1)
			write_error();
		cnt -= n;
		buf += n;
	}
}

// REMARK-DAG: remark: {{.*}}looped-int-write-all.c:[[#@LINE+5]]:{{[0-9]+}}: counted what 'write' at looped-int-write-all.c:[[#@LINE+5]]:{{[0-9]+}} has left to move in its 64-bit argument %{{[0-9a-z.]+}}, which goes down by its result, in place of the count %{{[0-9]+}} widened, where %{{[0-9]+}} comes into the loop between 0 and 2147483647 (tested before it; it never grows), a copy of the loop otherwise
int writen(int fd, char *buf, int len)
{
	int n, left = len;

	while ((n = write(fd, buf, left)) != left) {
		if (n < 0)
			return -1;
		buf += n;
		left -= n;
	}
	return len;
}

// REMARK-DAG: 2 syscall-cluster - Number of looped multi-calls (whole loops)

// CHECK-LABEL: define {{.*}}void @write_int(
// CHECK: %count.fits = icmp ule i32 %{{[0-9]+}}, 2147483647
// CHECK: call i64 @multicall_run_batch(
// The copy for a negative count keeps its loop as it was.
// CHECK: ashr exact i64
// CHECK-LABEL: define {{.*}}i32 @writen(
// CHECK: %count.fits = icmp ule i32 %{{[0-9]+}}, 2147483647
// CHECK: call i64 @multicall_run_batch(
