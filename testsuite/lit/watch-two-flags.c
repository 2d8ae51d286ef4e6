// A loop whose way round tests two flags a signal handler sets (`if (got_usr1 || got_term)`,
// each test's other way running code of its own) is one looped batch that reads both after
// each iteration, in the loop's order (MC_BATCH_WATCHES, a struct mc_watch per flag after
// the last entry), and ends when one says to go the other way; the original then resumes
// after the write, makes the tests again and reports. Up to MC_MAX_WATCHES (8) flags.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static char buf[4096];
static volatile sig_atomic_t got_usr1, got_term;
static volatile sig_atomic_t f[9];

__attribute__((noinline)) static void report(long total)
{
	got_usr1 = 0;
	fprintf(stderr, "%ld bytes\n", total);
}

// Nine flags: the batch reads at most eight, so the walk stops at the ninth and the loop is
// no looped batch.
// REMARK-DAG: remark: {{.*}}watch-two-flags.c:[[#@LINE+8]]:{{[0-9]+}}: not clustered: write -> read {{.*}} breaks whole-loop legality
// CHECK-LABEL: define internal {{.*}} @nine(
// CHECK-NOT: @multicall_run_batch
// CHECK: ret i32
__attribute__((noinline)) static int nine(int in, int out)
{
	long total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (f[0] || f[1] || f[2] || f[3] || f[4] || f[5] || f[6] || f[7] || f[8])
			report(total);
	}
}

// REMARK-DAG: remark: {{.*}}watch-two-flags.c:[[#@LINE+27]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_usr1 (not zero), then @got_term (not zero) after each iteration as the loop's tests do, in that order, and ends when one says to go the other way

// The list: the two flags' addresses, each with mode 4 (a 4-byte word that ends the batch
// when not zero) and after = 1 (the write, the last entry): (1 << 32) | 4. The batch has
// MC_BATCH_LOOP | MC_BATCH_SUMS | MC_BATCH_WATCHES (0x45) and 2 entries; its list's pointer
// and count (2) are its last two words. After a batch that ran to its end, the flags are
// tested again in order, each in its own block.
// CHECK-LABEL: define internal {{.*}} @two(
// CHECK: store ptr @got_usr1, ptr [[W0:%[0-9]+]]
// CHECK-NEXT: [[W1:%[0-9]+]] = getelementptr inbounds [4 x i64], ptr %mc.watches{{[0-9]*}}, i64 0, i64 1
// CHECK-NEXT: store i64 4294967300, ptr [[W1]]
// CHECK: store ptr @got_term,
// CHECK: store i64 4294967300,
// CHECK: store i64 296352743426,
// CHECK: [[L:%[0-9]+]] = getelementptr inbounds [11 x i64], ptr %mc.batch{{[0-9]*}}, i64 0, i64 9
// CHECK-NEXT: store ptr %mc.watches{{[0-9]*}}, ptr [[L]]
// CHECK-NEXT: [[N:%[0-9]+]] = getelementptr inbounds [11 x i64], ptr %mc.batch{{[0-9]*}}, i64 0, i64 10
// CHECK-NEXT: store i64 2, ptr [[N]]
// CHECK: call i64 @multicall_run_batch(
// CHECK: mc.loop.watch:
// CHECK: load volatile i32, ptr @got_usr1
// CHECK: mc.loop.watch.next:
// CHECK: load volatile i32, ptr @got_term
__attribute__((noinline)) static int two(int in, int out)
{
	long total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (got_usr1 || got_term) {
			report(total);
			if (got_term)
				return 3;
		}
	}
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGTERM)
		got_term = 1;
	else
		f[sig % 9] = 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	signal(SIGUSR1, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	return argc > 1 ? nine(0, 1) : two(0, 1);
}
