// dd's records on file-scope counters (`if (n == bs) r_full++; else r_partial++;`): clang
// sinks both increments into one through `select i1 %c, ptr @r_full, ptr @r_partial`, whose
// addresses then go to the select, so that globals could not keep them in registers.
// transform/chosen_global.rs splits the accesses through the choice back into a load of
// each (a select of the values) and a branch to a store of either, as the source wrote them;
// globals then keeps both in registers, and the loop resumes after its stops with both
// counters carried (the read's stronger stop deciding the choice, resume.rs
// `through_decided_select`). A counter a signal handler reads is split too but stays in
// memory, and the loop is refused.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <signal.h>
#include <unistd.h>

static long long r_full, r_partial;

// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+13]]:{{[0-9]+}}: split the accesses through a choice of 'r_full' and 'r_partial' in the loop of 'write' at chosen-global.c:[[#@LINE+13]]:{{[0-9]+}} into accesses of each, as the source wrote them, so that each may be kept in a register
// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+12]]:{{[0-9]+}}: kept 'r_full' in a register across the loop
// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+11]]:{{[0-9]+}}: kept 'r_partial' in a register across the loop
// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[a-z.0-9]+}} (counter), %{{[a-z.0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} comes down to i64 {{[01]}}
// CHECK-LABEL: define {{.*}} @records(
// CHECK-NOT: select i1 %{{[0-9]+}}, ptr @r_full
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) long records(int in, int out, long count)
{
	static char buf[4096];
	ssize_t n = 0;

	while (count-- > 0 && (n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		if (n == sizeof buf)
			r_full++;
		else
			r_partial++;
	}
	return n;
}

static long long in_full, in_partial, out_full, out_partial;

// The input records counted before the write, the output records after its test: clang
// threads `w == 4096` (true exactly where `n == 4096` was, as `w == n`) into two copies of
// the write, so the output records' choice is a phi of the two addresses, made by the way the
// block was entered. It becomes a select on a phi of that way, split like the others.
// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+10]]:{{[0-9]+}}: split the accesses through a choice of 'out_full' and 'out_partial' in the loop of 'read' at chosen-global.c:[[#@LINE+10]]:{{[0-9]+}} into accesses of each
// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[a-z.0-9]+}} (counter), %{{[a-z.0-9]+}} (counter), %{{[a-z.0-9]+}} (counter), %{{[a-z.0-9]+}} (counter)
// CHECK-LABEL: define {{.*}} @threaded(
// CHECK-DAG: call i64 @multicall_loop(
// CHECK-DAG: %chosen.way = phi i1
__attribute__((noinline)) long threaded(int in, int out, unsigned long count)
{
	static char buf[4096];
	ssize_t n = 0;

	while (count-- && (n = read(in, buf, sizeof buf)) > 0) {
		if (n == sizeof buf)
			in_full++;
		else
			in_partial++;
		ssize_t w = write(out, buf, n);
		if (w != n)
			return -1;
		if (w == sizeof buf)
			out_full++;
		else
			out_partial++;
	}
	return n;
}

static long long seen_full, seen_partial;
static volatile long long sink;

static void peek(int sig)
{
	(void)sig;
	sink = seen_full + seen_partial;
}

// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+13]]:{{[0-9]+}}: split the accesses through a choice of 'seen_full' and 'seen_partial'
// REMARK-DAG: remark: {{.*}}chosen-global.c:[[#@LINE+12]]:{{[0-9]+}}: did not keep 'seen_full' in a register across the loop of 'write' at chosen-global.c:[[#@LINE+12]]:{{[0-9]+}}: 'peek' reads or writes it and may run while the loop runs
// CHECK-LABEL: define {{.*}} @watched(
// CHECK: br i1 %{{[0-9]+}}, label %chosen.store, label %chosen.store.other
// CHECK-NOT: @multicall_loop
// CHECK: ret i64
__attribute__((noinline)) long watched(int in, int out, long count)
{
	static char buf[4096];
	ssize_t n = 0;

	signal(SIGUSR1, peek);
	while (count-- > 0 && (n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		if (n == sizeof buf)
			seen_full++;
		else
			seen_partial++;
	}
	return n;
}

long long report(void)
{
	return r_full + r_partial + seen_full + seen_partial + in_full + in_partial + out_full +
	       out_partial;
}
