// File-scope counters that a call of the loop reads: kept in a register across the loop all
// the same when that call does not run in every iteration (transform/globals.rs): the
// variable is stored before the call and loaded again after it, as a register allocator
// spills around a call, so the call sees and changes what it would have. A report on a
// signal flag (`if (info_requested) report();`) is such a call: the loop is then one looped
// multi-call that watches the flag.
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
static long records, bytes;
static long exit_bytes;
static volatile sig_atomic_t info_requested;

__attribute__((noinline)) static void report(void)
{
	info_requested = 0;
	fprintf(stderr, "%ld records, %ld bytes\n", records, bytes);
	bytes = bytes + 0 * records;
}

static void on_info(int sig)
{
	(void)sig;
	info_requested = 1;
}

// A call that may leave by `exit`, whose atexit handler reads the variable: stored before
// that call, the handler sees the bytes written so far.
// REMARK-DAG: remark: {{.*}}looped-globals-spill.c:{{[0-9]+}}:{{[0-9]+}}: kept 'exit_bytes' in a register across the loop of '{{read|write}}' at {{.*}}, and stored before and loaded after {{.*}}@short_write(){{.*}}, which may read or write it
// CHECK-LABEL: define internal {{.*}} @exits(
// CHECK: store i64 %{{.*}}, ptr @exit_bytes
// CHECK-NEXT: call {{.*}}void @short_write()
// CHECK-NEXT: %mc.reload{{[0-9]*}} = load i64, ptr @exit_bytes
static int fatal_errors;

static void at_end(void)
{
	fprintf(stderr, "%ld bytes\n", exit_bytes);
}

__attribute__((noinline)) static void short_write(void)
{
	if (fatal_errors)
		exit(1);
	fputs("short write\n", stderr);
}

__attribute__((noinline)) static int exits(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			short_write();
		exit_bytes += n;
	}
	return n < 0 ? -1 : 0;
}

// A call that reads them in every iteration keeps them in memory.
// REMARK-DAG: remark: {{.*}}looped-globals-spill.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'records' in a register across the loop of '{{read|write}}' at {{.*}}: 'report', which the loop calls, reads or writes it, in every iteration
// CHECK-LABEL: define internal {{.*}} @always(
// CHECK-NOT: @multicall_loop
// CHECK: ret i32
__attribute__((noinline)) static int always(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		records++;
		report();
	}
	return n < 0 ? -1 : 0;
}

// REMARK-DAG: remark: {{.*}}looped-globals-spill.c:{{[0-9]+}}:{{[0-9]+}}: kept 'records' in a register across the loop of '{{read|write}}' at {{.*}}: loaded once before the loop and stored at each of its exits, and stored before and loaded after {{.*}}@report(){{.*}}, which may read or write it (not in every iteration)
// REMARK-DAG: remark: {{.*}}looped-globals-spill.c:{{[0-9]+}}:{{[0-9]+}}: kept 'bytes' in a register across the loop of '{{read|write}}' at {{.*}}, and stored before and loaded after {{.*}}@report()
// REMARK-DAG: remark: {{.*}}looped-globals-spill.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @info_requested after each iteration as the loop's test does, and ends when it is not zero

// The call on the flag's way: the counters go to memory before it and come back after it
// (the functions are checked in the order clang emits them: the last first).
// CHECK-LABEL: define internal {{.*}} @reported(
// CHECK: store i64 %{{.*}}, ptr @{{records|bytes}}
// CHECK-NEXT: store i64 %{{.*}}, ptr @{{records|bytes}}
// CHECK-NEXT: call {{.*}}void @report()
// CHECK-NEXT: %mc.reload{{[0-9]*}} = load i64, ptr @{{records|bytes}}
// CHECK-NEXT: %mc.reload{{[0-9]*}} = load i64, ptr @{{records|bytes}}
// CHECK: ret i32
__attribute__((noinline)) static int reported(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		records++;
		bytes += n;
		if (info_requested)
			report();
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	signal(SIGUSR1, on_info);
	atexit(at_end);
	fatal_errors = argc > 3;
	if (argc > 2)
		return exits(0, 1);
	return argc > 1 ? always(0, 1) : reported(0, 1);
}
