// A copy loop that reports every so many bytes: `if (bytes >= next_report) { fprintf(..);
// next_report += STEP; }` on the way round. No call's result decides the test, and its other
// way reports, which a batch cannot; but the total grows by at most the read's length in
// each iteration, so from the total and the limit where a batch begins, the iterations
// before it may reach the limit are known: each batch runs at most those, the test is made
// again after it, and where it goes the other way the original resumes and reports
// (legality/period.rs, `PeriodTest::Reaches`). Refused: a limit the way round moves too, and
// a total that does not grow by a transfer's result.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stdio.h>
#include <unistd.h>

// IR-LABEL: define {{.*}}@by_bytes(
// IR: mc.loop.reach.bound
// IR: call i64 @multicall_loop
// IR: mc.loop.period:
// IR: icmp slt i64
// REMARK-DAG: remark: {{.*}}looped-reaches.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}each batch runs at most the iterations until the total %{{[0-9]+}} after the iteration may reach %{{[0-9]+}} (it grows by at most i64 4096 in each), where the original makes the test '%{{[0-9]+}} = icmp slt i64 %{{[0-9]+}}, %{{[0-9]+}}' and goes on
__attribute__((noinline)) int by_bytes(int in, int out)
{
	static char buf[4096];
	long long bytes = 0, next_report = 1 << 20;
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return 1;
		bytes += n;
		if (bytes >= next_report) {
			fprintf(stderr, "%lld bytes\n", bytes);
			next_report += 1 << 20;
		}
	}
	return n < 0;
}

// The limit moves on the way round too: no count of the iterations before the total
// reaches it.
// REMARK-DAG: remark: {{.*}}looped-reaches.c:[[#@LINE+12]]:{{[0-9]+}}: not clustered: {{.*}}compares two values on the way round, which is no running total of a transfer's results or counter against a limit the way round leaves alone: the limit changes on the way round
__attribute__((noinline)) int chasing(int in, int out)
{
	static char buf[4096];
	long long bytes = 0, limit = 1 << 20;
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return 1;
		bytes += n;
		limit += 100;
		if (bytes >= limit)
			fprintf(stderr, "%lld bytes\n", bytes);
	}
	return n < 0;
}

// The total less where it was last reported, `if (total - last >= STEP) { ...; last = total;
// }` (pv, dd status=progress): the way round leaves `last` alone, so the distance grows as
// the total does (`mc.loop.reach.since`, made again for the test after the batch).
// IR-LABEL: define {{.*}}@since_report(
// IR: %mc.loop.reach.since = sub i64
// IR: mc.loop.reach.bound
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-reaches.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}each batch runs at most the iterations until the total %{{[0-9]+}} less %{{[0-9]+}} after the iteration may reach i64 1048575 (it grows by at most i64 4096 in each), where the original makes the test '%{{[0-9]+}} = icmp ugt i64 %{{[0-9]+}}, 1048575' and goes on
__attribute__((noinline)) int since_report(int in, int out)
{
	static char buf[4096];
	unsigned long long total = 0, last = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return 1;
		total += n;
		if (total - last >= 1 << 20) {
			fprintf(stderr, "%llu MiB\n", total >> 20);
			last = total;
		}
	}
	return n < 0;
}
