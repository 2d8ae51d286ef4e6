// A loop that begins with a test of a flag a signal handler sets, whose one way runs code of
// its own and comes back (`if (got_signal) report();`), is no loop clang rotates: its header
// does not leave the loop. transform/reheader.rs moves its start to the read past the test,
// which then ends each iteration, where a looped batch reads the flag (MC_BATCH_WATCH); the
// same for tests of several flags (MC_BATCH_WATCHES).
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
static volatile sig_atomic_t got_usr1, got_usr2;

__attribute__((noinline)) static void report(long total)
{
	got_usr1 = 0;
	got_usr2 = 0;
	fprintf(stderr, "%ld bytes\n", total);
}

// Two flags tested together (`a || b`): both tests move, and the batch reads both after
// each iteration (MC_BATCH_WATCHES).
// REMARK-DAG: remark: {{.*}}reheader-flag.c:[[#@LINE+11]]:{{[0-9]+}}: moved the start of the loop to 'read' at {{.*}}: the tests of 2 flags at the loop's top, and the code it guards, run once before the loop and at the end of each iteration, after 'write' at {{.*}}, where a looped batch reads them
// REMARK-DAG: remark: {{.*}}reheader-flag.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_usr1 (not zero), then @got_usr2 (not zero) after each iteration as the loop's tests do
// CHECK-LABEL: define internal {{.*}} @either(
// CHECK: call i64 @multicall_run_batch(
// CHECK: ret i32
__attribute__((noinline)) static int either(int in, int out)
{
	long total = 0;
	for (;;) {
		if (got_usr1 || got_usr2)
			report(total);
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
}

// REMARK-DAG: remark: {{.*}}reheader-flag.c:[[#@LINE+14]]:{{[0-9]+}}: moved the start of the loop to 'read' at {{.*}}: the test of a flag at the loop's top, and the code it guards, run once before the loop and at the end of each iteration, after 'write' at {{.*}}, where a looped batch reads the flag
// REMARK-DAG: remark: {{.*}}reheader-flag.c:[[#@LINE+13]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_usr1 after each iteration as the loop's test does, and ends when it is not zero

// The top's copy before the loop, then the batch (the functions are checked in the order
// clang emits them: the last first).
// CHECK-LABEL: define internal {{.*}} @guarded(
// CHECK: load volatile i32, ptr @got_usr1
// CHECK: call i64 @multicall_run_batch(
__attribute__((noinline)) static int guarded(int in, int out)
{
	long total = 0;
	for (;;) {
		if (got_usr1)
			report(total);
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
}

// A `_Bool` flag: clang branches on `trunc nuw` of its byte, which is the byte's test with 0.
// REMARK-DAG: remark: {{.*}}reheader-flag.c:[[#@LINE+10]]:{{[0-9]+}}: moved the start of the loop to 'read' at {{.*}}: the test of a flag at the loop's top
// REMARK-DAG: remark: {{.*}}reheader-flag.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_bool after each iteration as the loop's test does, and ends when it is not zero
static volatile _Bool got_bool;

__attribute__((noinline)) static int boolean(int in, int out)
{
	long total = 0;
	for (;;) {
		if (got_bool)
			report(total);
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
}

static void on_usr(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else
		got_bool = 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	signal(SIGUSR1, on_usr);
	signal(SIGUSR2, on_usr);
	signal(SIGHUP, on_usr);
	if (argc > 2)
		return boolean(0, 1);
	return argc > 1 ? either(0, 1) : guarded(0, 1);
}
