// A helper called at the top of a copy loop that returns at once unless a signal's flag is
// set (GNU dd's process_signals): clang keeps it out of line (here it is recursive, through
// the clean-up it runs on an interrupt), so the loop calls user code in every iteration.
// transform/guards.rs makes the helper's first test before the call, which then goes to a
// copy of the helper past that test; the loop's start then moves past the test and the loop
// is one looped multi-call that watches the flag.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[4096];
static volatile sig_atomic_t interrupted, info_requested;
static long long copied;
static int out_fd = 1;

static void check_signals(void);

// The clean-up writes what is left and checks for signals again.
static void cleanup(void)
{
	static const char bye[] = "interrupted\n";
	check_signals();
	if (write(out_fd, bye, sizeof bye - 1) < 0)
		perror("write");
}

static void check_signals(void)
{
	sigset_t all, old;
	if (!info_requested)
		return;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	info_requested = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	fprintf(stderr, "%lld bytes\n", copied);
	if (interrupted) {
		cleanup();
		exit(1);
	}
}

// REMARK-DAG: remark: {{.*}}guard-split.c:{{[0-9]+}}:{{[0-9]+}}: made the first test of 'check_signals' (of @info_requested) before its call in the loop of 'read' at {{.*}}: the call, to 'check_signals.entered' (the helper past that test), runs only when the helper would have gone past it
// REMARK-DAG: remark: {{.*}}guard-split.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @info_requested after each iteration as the loop's test does, and ends when it is not zero
// REMARK-DAG: remark: {{.*}}guard-split.c:{{[0-9]+}}:{{[0-9]+}}: kept 'copied' in a register across the loop of '{{read|write}}' at {{.*}}, and stored before and loaded after {{.*}}@check_signals.entered()

// The test before the call, the call to the copy past it.
// CHECK-LABEL: define internal {{.*}} @copy_checked(
// CHECK: load volatile i32, ptr @info_requested
// CHECK: call {{.*}}void @check_signals.entered()
// The copy begins past the test: its first call is the helper's first work.
// CHECK-LABEL: define internal {{.*}}void @check_signals.entered(
// CHECK-NOT: load volatile i32, ptr @info_requested
// CHECK: call i32 @sigfillset(
__attribute__((noinline)) static int copy_checked(int in)
{
	ssize_t n;
	for (;;) {
		check_signals();
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out_fd, buf, n) != n)
			return 1;
		copied += n;
	}
	return n < 0;
}

// A helper marked noinline keeps its call whole.
// REMARK-DAG: remark: {{.*}}guard-split.c:{{[0-9]+}}:{{[0-9]+}}: did not make the first test of 'checked_noinline' before its call in the loop of '{{read|write}}' at {{.*}}: the callee or the call is marked noinline
__attribute__((noinline)) static void checked_noinline(void)
{
	if (!info_requested)
		return;
	info_requested = 0;
	fprintf(stderr, "%lld bytes\n", copied);
}

__attribute__((noinline)) static int copy_noinline(int in)
{
	ssize_t n;
	for (;;) {
		checked_noinline();
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out_fd, buf, n) != n)
			return 1;
	}
	return n < 0;
}

// A helper whose first tests read two flags (GNU dd's `while (interrupt_signal ||
// info_signal_count)`, its entry of stack slots going on to the loop's header): both tests
// made before the call, in that order, the copy's entry going straight to the work (its loop
// tests them again after each round); then the loop's top moves past both tests and the batch
// reads both flags (MC_BATCH_WATCHES).
// REMARK-DAG: remark: {{.*}}guard-split.c:[[#@LINE+29]]:{{[0-9]+}}: made the first tests of 'check_both' (of @interrupted, then @info_requested) before its call in the loop of 'write' at {{.*}}: the call, to 'check_both.entered' (the helper past that test), runs only when the helper would have gone past it
// REMARK-DAG: remark: {{.*}}guard-split.c:[[#@LINE+29]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @interrupted (not zero), then @info_requested (not zero) after each iteration
// CHECK-LABEL: define internal fastcc void @check_both.entered(
// CHECK: alloca
// CHECK: br label %[[WORK:[0-9]+]]
// CHECK: load volatile i32, ptr @interrupted
// CHECK: load volatile i32, ptr @info_requested
// CHECK: [[WORK]]:
// CHECK-NEXT: call i32 @sigfillset(
static void check_both(void)
{
	sigset_t all, old;
	while (interrupted || info_requested) {
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
		info_requested = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "%lld bytes\n", copied);
		if (interrupted) {
			cleanup();
			exit(1);
		}
	}
}

__attribute__((noinline)) static int copy_both(int in)
{
	ssize_t n;
	for (;;) {
		check_both();
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out_fd, buf, n) != n)
			return 1;
	}
	return n < 0;
}

static void on_signal(int sig)
{
	if (sig == SIGINT)
		interrupted = 1;
	info_requested = 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	signal(SIGUSR1, on_signal);
	signal(SIGINT, on_signal);
	int status = argc > 2 ? copy_both(0) : argc > 1 ? copy_noinline(0) : copy_checked(0);
	check_both();
	check_signals();
	return status;
}
