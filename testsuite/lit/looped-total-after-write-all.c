// A copy loop with a write-all loop inside that retries an interrupted write, and a total of
// the read's counts kept in a narrower type than the count (`unsigned total += n` of a
// `long n`, or `int` both). clang adds the total at the top of the next iteration, before
// the read, from a phi of the count before: after the write-all loop is peeled, the sum
// `total + trunc(n before)` is folded into a phi that goes up by the iteration's count
// (transform/sums.rs: the step's cast made again on the back edge, any integer width), and
// the loop is one looped multi-call carrying the total.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <errno.h>
#include <unistd.h>

static char buf[512], other[512];

// IR-LABEL: define {{.*}}@unsigned_total(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-total-after-write-all.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results)
unsigned unsigned_total(int in, int out)
{
	unsigned total = 0;
	long n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		long done = 0;
		while (done < n) {
			ssize_t w = write(out, buf + done, n - done);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return 0;
			}
			done += w;
		}
		total += n;
	}
	return n < 0 ? 0 : total;
}

// IR-LABEL: define {{.*}}@int_total(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-total-after-write-all.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results)
int int_total(int in, int out)
{
	int total = 0;
	int n;

	while ((n = read(in, other, sizeof other)) > 0) {
		int done = 0;
		while (done < n) {
			int w = write(out, other + done, n - done);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			done += w;
		}
		total += n;
	}
	return n < 0 ? -1 : total;
}
