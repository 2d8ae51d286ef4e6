// A test of a read's result between the read and its write whose other way comes back to the
// write (GNU dd's `if (0 < n && n < size) process_signals();` after a short read): the walk
// follows the way a whole read takes, and a loop whose stops resume it is one looped batch
// whose read stops on every result but its length, so that the short read's check is the
// original code's (testsuite/lit/looped-dd.c has dd's loop so). Where the length may be one
// the other stops already take (a length that may be 0: `result <= 0` would not be stronger),
// the stop holds only for a positive length: the batch checks it first and the loop runs its
// original body where it is 0. (`short_signals` calls process_signals
// too, so that it stays a function of its own whose tests the guard split makes before
// each call.)
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
static volatile sig_atomic_t interrupt_signal, info_signal_count;
static long blocks, partial;

static void process_signals(void)
{
	while (interrupt_signal || info_signal_count) {
		if (info_signal_count)
			info_signal_count--;
		fprintf(stderr, "%ld blocks, %ld partial\n", blocks, partial);
		if (interrupt_signal)
			raise(interrupt_signal);
	}
}

__attribute__((noinline)) static int short_signals(int in, int out)
{
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (n < (ssize_t)sizeof buf) {
			partial++;
			process_signals();
		}
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
	}
}

// REMARK: remark: {{.*}}rejoin-length.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, when it is positive, result != argument 2; 1 result reference)
// CHECK-LABEL: define internal {{.*}} @any_length(
// CHECK: %mc.negarg = icmp slt i64 %0, 1
// CHECK-NEXT: %mc.loop.original = or i1 %mc.negarg,
// CHECK: ret i32
__attribute__((noinline)) static int any_length(int in, int out, size_t len)
{
	for (;;) {
		ssize_t n = read(in, buf, len);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if ((size_t)n < len)
			process_signals();
		if (write(out, buf, n) != n)
			return -1;
	}
}

static void on_signal(int sig)
{
	if (sig == SIGINT)
		interrupt_signal = sig;
	else
		info_signal_count++;
}

int main(int argc, char **argv)
{
	(void)argv;
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	if (argc > 2)
		return any_length(0, 1, (size_t)argc);
	return short_signals(0, 1);
}
