// A flag tested between a loop's read and its write (`if (got_term) break;`, a volatile
// sig_atomic_t a handler sets): the loop's start moves to the read past it, and the loop is
// one looped batch that reads the flag after the read in every iteration (a struct mc_watch
// with after = 0, MC_BATCH_WATCHES); where it says to stop, the batch stops at the read's
// entry, whose stop resumes the original code after the read, which makes the test. A flag
// the way round tests is read after each iteration (after = 1). No straight batch reads a
// flag: between two calls outside a loop the flag's load keeps them apart.
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
static volatile sig_atomic_t got_term, got_usr1;

__attribute__((noinline)) static void report(long total)
{
	got_usr1 = 0;
	fprintf(stderr, "%ld bytes\n", total);
}

// Outside a loop: the pair stays apart, refused as before.
// REMARK-DAG: remark: {{.*}}watch-between.c:{{[0-9]+}}:{{[0-9]+}}: not clustered: read -> write {{.*}} breaks safety: '{{.*}} = load volatile i32, ptr @got_term{{.*}}' between 'read' at watch-between.c:[[#@LINE+6]]:{{[0-9]+}} and 'write' at {{.*}} is a volatile or atomic access
// CHECK-LABEL: define internal {{.*}} @once(
// CHECK-NOT: @multicall
// CHECK: ret i32
__attribute__((noinline)) static int once(int in, int out)
{
	ssize_t n = read(in, buf, sizeof buf);
	if (n <= 0)
		return -1;
	if (got_term)
		return 3;
	return write(out, buf, n) == n ? 0 : -1;
}

// REMARK-DAG: remark: {{.*}}watch-between.c:[[#@LINE+18]]:{{[0-9]+}}: moved the start of the loop to 'read' at {{.*}}
// REMARK-DAG: remark: {{.*}}watch-between.c:[[#@LINE+17]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_term (not zero) after 'read' at watch-between.c:[[#@LINE+17]]:{{[0-9]+}}, then @got_usr1 (not zero) after each iteration as the loop's tests do, in that order, and ends when one says to go the other way

// The list: @got_term after entry 0 (mode 4), then @got_usr1 after entry 1, the write
// ((1 << 32) | 4); the batch's count word has MC_BATCH_LOOP | MC_BATCH_SUMS |
// MC_BATCH_WATCHES (0x45) and 2 entries.
// CHECK-LABEL: define internal {{.*}} @between(
// CHECK: store ptr @got_term, ptr [[W0:%[0-9]+]]
// CHECK-NEXT: [[W1:%[0-9]+]] = getelementptr inbounds [4 x i64], ptr %mc.watches{{[0-9]*}}, i64 0, i64 1
// CHECK-NEXT: store i64 4, ptr [[W1]]
// CHECK: store ptr @got_usr1,
// CHECK: store i64 4294967300,
// CHECK: store i64 296352743426,
// CHECK: call i64 @multicall_run_batch(
__attribute__((noinline)) static int between(int in, int out)
{
	long total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (got_term)
			return 3;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		if (got_usr1)
			report(total);
	}
}

static void on_signal(int sig)
{
	if (sig == SIGTERM)
		got_term = 1;
	else
		got_usr1 = 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	return argc > 1 ? once(0, 1) : between(0, 1);
}
