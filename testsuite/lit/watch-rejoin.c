// A flag tested between a loop's read and its write whose handler comes back to the write
// (`n = read(..); if (got_usr1) report(); write(..)`, dd's iwrite testing its flags before
// each write): the walk from the read to the write goes on past the join where the
// handler's way comes back, so the flag is one a looped batch reads after the read (a struct
// mc_watch with after = 0, MC_BATCH_WATCHES). Where it is set, the batch stops at the read's
// entry and the original code after the read makes the test, runs the handler and writes.
// Two flags tested together (`if (a || b) handle();`), two with handlers of their own one
// after the other, and a handler that loops while the flag is set are read the same way. Outside a loop no straight batch reads a flag: the pair
// stays apart.
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
static volatile sig_atomic_t got_usr1, got_hup;
static long blocks;

__attribute__((noinline)) static void note_hup(void)
{
	got_hup = 0;
	fprintf(stderr, "hangup after %ld blocks\n", blocks);
}

__attribute__((noinline)) static void report(long total)
{
	got_usr1 = 0;
	fprintf(stderr, "%ld blocks, %ld bytes\n", blocks, total);
}

__attribute__((noinline)) static void handle(void)
{
	got_usr1 = 0;
	got_hup = 0;
	fprintf(stderr, "%ld blocks\n", blocks);
}

// Outside a loop: the pair stays apart, refused as before.
// REMARK-DAG: remark: {{.*}}watch-rejoin.c:{{[0-9]+}}:{{[0-9]+}}: not clustered: read -> write {{.*}} breaks safety: '{{.*}} = load volatile i32, ptr @got_usr1{{.*}}' between 'read' at watch-rejoin.c:[[#@LINE+6]]:{{[0-9]+}} and 'write' at {{.*}} is a volatile or atomic access
// CHECK-LABEL: define internal {{.*}} @once(
// CHECK-NOT: @multicall
// CHECK: ret i32
__attribute__((noinline)) static int once(int in, int out)
{
	ssize_t n = read(in, buf, sizeof buf);
	if (n <= 0)
		return -1;
	if (got_usr1)
		report(n);
	return write(out, buf, n) == n ? 0 : -1;
}

// The report's way comes back to the write: the batch reads @got_usr1 after the read (mode
// 4: stop when not zero; after entry 0), and carries the blocks and the total.
// REMARK-DAG: remark: {{.*}}watch-rejoin.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}carries {{.*}}; the batch reads @got_usr1 (not zero) after 'read' at watch-rejoin.c:[[#@LINE+10]]:{{[0-9]+}} as the loop's tests do
// CHECK-LABEL: define internal {{.*}} @rejoin(
// CHECK: store ptr @got_usr1, ptr [[W0:%[0-9]+]]
// CHECK-NEXT: [[W1:%[0-9]+]] = getelementptr inbounds [2 x i64], ptr %mc.watches, i64 0, i64 1
// CHECK-NEXT: store i64 4, ptr [[W1]]
// CHECK: call i64 @multicall_run_batch(
__attribute__((noinline)) static int rejoin(int in, int out)
{
	long total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (got_usr1)
			report(total);
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		blocks++;
	}
}

// Two flags tested together, their handler coming back to the write: both read after the
// read, in the order the loop tests them.
// REMARK-DAG: remark: {{.*}}watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_usr1 (not zero) after 'read' at watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}}, then @got_hup (not zero) after 'read' at watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}} as the loop's tests do
__attribute__((noinline)) static int either(int in, int out)
{
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (got_usr1 || got_hup)
			handle();
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
	}
}

// A handler that runs while the flag stays set (a loop of its own off the path).
// REMARK-DAG: remark: {{.*}}watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_usr1 (not zero) after 'read' at watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}} as the loop's tests do
__attribute__((noinline)) static int until_clear(int in, int out)
{
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		while (got_usr1)
			report(n);
		if (write(out, buf, n) != n)
			return -1;
	}
}

// Two flags, each with a handler of its own, one after the other: the second join is
// passed although the first handler's way reaches it, through the first join.
// REMARK-DAG: remark: {{.*}}watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @got_usr1 (not zero) after 'read' at watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}}, then @got_hup (not zero) after 'read' at watch-rejoin.c:[[#@LINE+4]]:{{[0-9]+}} as the loop's tests do
__attribute__((noinline)) static int one_after_other(int in, int out)
{
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (got_usr1)
			report(blocks);
		if (got_hup)
			note_hup();
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
	}
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_usr1 = 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	signal(SIGHUP, on_signal);
	signal(SIGUSR1, on_signal);
	switch (argc) {
	case 1: return once(0, 1);
	case 2: return rejoin(0, 1);
	case 3: return either(0, 1);
	case 4: return one_after_other(0, 1);
	default: return until_clear(0, 1);
	}
}
