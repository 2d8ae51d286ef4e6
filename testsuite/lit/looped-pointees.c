// Copy helpers that keep their bookkeeping where the caller asked: `*tot += n`, `st->bytes +=
// n; st->blocks++`. A store through the pointer between the calls would keep the loop from
// being one looped multi-call; transform/pointees.rs keeps the value in a register across the
// loop (loaded before it, stored at each exit) when the pointer is followed back, through
// every call, to a caller's local variable no other code can reach, and says which condition
// failed when it is not.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Run, with and without the pass, on every backend: a file, a directory (EISDIR at the first
// read), a missing file (EBADF) and output into /dev/full (ENOSPC at the first write); the
// totals each helper leaves behind are printed.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: python3 -c "print('syscluster' * 30000, end='!')" > %t.in
// RUN: %t.orig %t.in > %t.orig.data 2> %t.orig.out; echo "exit $?" >> %t.orig.out
// RUN: %t.orig %S > %t.orig.dir 2>&1; echo "exit $?" >> %t.orig.dir
// RUN: %t.orig %t.missing > %t.orig.missing 2>&1; echo "exit $?" >> %t.orig.missing
// RUN: %t.orig %t.in > /dev/full 2> %t.orig.full; echo "exit $?" >> %t.orig.full
// RUN: for b in auto direct io_uring; do \
// RUN:   env MULTICALL_BACKEND=$b %t.clustered %t.in > %t.$b.data 2> %t.$b.out; echo "exit $?" >> %t.$b.out; \
// RUN:   cmp %t.orig.data %t.$b.data && diff %t.orig.out %t.$b.out || exit 1; \
// RUN:   env MULTICALL_BACKEND=$b %t.clustered %S > %t.$b.dir 2>&1; echo "exit $?" >> %t.$b.dir; \
// RUN:   diff %t.orig.dir %t.$b.dir || exit 1; \
// RUN:   env MULTICALL_BACKEND=$b %t.clustered %t.missing > %t.$b.missing 2>&1; echo "exit $?" >> %t.$b.missing; \
// RUN:   diff %t.orig.missing %t.$b.missing || exit 1; \
// RUN:   env MULTICALL_BACKEND=$b %t.clustered %t.in > /dev/full 2> %t.$b.full; echo "exit $?" >> %t.$b.full; \
// RUN:   diff %t.orig.full %t.$b.full || exit 1; \
// RUN: done
// RUN: FileCheck %s --check-prefix=TOTALS < %t.orig.out
// RUN: FileCheck %s --check-prefix=DIR < %t.orig.dir
// RUN: FileCheck %s --check-prefix=DIR < %t.orig.full
// TOTALS: 600002 300001 74 1 600002 600002 300001 37501
// TOTALS-NEXT: exit 0
// DIR: 0 0 0 1 0 0 0 0
// DIR-NEXT: exit 1

#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <unistd.h>

struct stats {
	long opened;
	long bytes;
	long blocks;
};

static char buf[4096];
long *kept_pointer;
static long global_total, other_total;
static jmp_buf env;

void remember(long *p);


// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: kept '*{{[a-z]+}}' (argument {{[0-9]+}} of 'to_total') in a register across the loop of '{{read|write}}' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-DAG: remark: {{.*}}looped-pointees.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (total of read's results)
// CHECK-LABEL: define internal {{.*}} @to_total(
// CHECK: %mc.promoted.in = load i64, ptr %[[TOT:[0-9]+]]
// CHECK: call i64 @multicall_loop_sums(
// CHECK-NOT: define
// CHECK: store i64 %mc.promoted{{.*}}, ptr %[[TOT]]
__attribute__((noinline)) static int to_total(int in, int out, long *tot)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		*tot += n;
	}
	return n < 0 ? -1 : 0;
}

// Two fields of a caller's struct, through a helper in between.
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: kept '*{{[a-z]+}}' (at byte 8; argument {{[0-9]+}} of 'to_stats') in a register across the loop
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: kept '*{{[a-z]+}}' (at byte 16; argument {{[0-9]+}} of 'to_stats') in a register across the loop
// REMARK-DAG: remark: {{.*}}looped-pointees.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter), {{.*}} (total of read's results)
// CHECK-LABEL: define internal {{.*}} @to_stats(
// CHECK: call i64 @multicall_loop_sums(
__attribute__((noinline)) static int to_stats(int in, int out, struct stats *st)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		st->bytes += n;
		st->blocks++;
	}
	return n < 0 ? -1 : 0;
}

__attribute__((noinline)) static int open_and_copy(int in, int out, struct stats *st)
{
	st->opened++;
	return to_stats(in, out, st);
}

// A function other files may call: any pointer may come in.
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*{{[a-z]+}}' (argument {{[0-9]+}} of 'public_copy') in a register across the loop of '{{read|write}}' at {{.*}}: 'public_copy' is visible outside this module, so callers it cannot see may pass any pointer (declare it static, or build with --lto)
int public_copy(int in, int out, long *tot)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		*tot += n;
	}
	return n < 0 ? -1 : 0;
}

// A caller passes a static variable that no other code reads or writes while the loop runs:
// kept as a local would be (looped-static-pointee.c has the refusals).
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: kept '*{{[a-z]+}}' (argument {{[0-9]+}} of 'to_global') in a register across the loop of '{{read|write}}' at {{.*}}: loaded once before the loop and stored at each of its exits
__attribute__((noinline)) static int to_global(int in, int out, long *tot)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		*tot += n;
	}
	return n < 0 ? -1 : 0;
}

// A caller's local variable whose address another function keeps.
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*{{[a-z]+}}' (argument {{[0-9]+}} of 'to_remembered') in a register across the loop of '{{read|write}}' at {{.*}}: its address is passed to {{.*}}@remember({{.*}}, which may keep it
__attribute__((noinline)) static int to_remembered(int in, int out, long *tot)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		*tot += n;
	}
	return n < 0 ? -1 : 0;
}

// Two pointers into one struct: the loop's `*seen` may be `st->bytes`.
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*{{[a-z]+}}' (argument {{[0-9]+}} of 'two_ways') in a register across the loop of '{{read|write}}' at {{.*}}: {{.*}}call {{.*}}@two_ways({{.*}} is given 2 pointers into the same local variable
__attribute__((noinline)) static int two_ways(int in, int out, long *tot, struct stats *st)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		*tot += n;
		st->blocks++;
	}
	return n < 0 ? -1 : 0;
}

// The loop hands a pointer into the struct to a system call: the read touches its first 8
// bytes, and the write's length is the read's result, tested positive first, so at most 8
// too: the counter at byte 16 is kept in a register (looped-fields.c `pump_loose` has a
// length that may be a failed read's -1, and is refused).
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: kept '*{{[a-z]+}}' (at byte 16; argument {{[0-9]+}} of 'into_struct') in a register across the loop of '{{read|write}}'
__attribute__((noinline)) static int into_struct(int in, int out, struct stats *st)
{
	ssize_t n;
	while ((n = read(in, &st->opened, sizeof st->opened)) > 0) {
		if (write(out, &st->opened, n) != n)
			return -1;
		st->blocks++;
	}
	return n < 0 ? -1 : 0;
}

// A caller that calls setjmp: a longjmp out of the loop would skip the stores at its exits.
// REMARK-DAG: remark: {{.*}}looped-pointees.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*{{[a-z]+}}' (argument {{[0-9]+}} of 'under_setjmp') in a register across the loop of '{{read|write}}' at {{.*}}: 'jumper' calls {{.*}}setjmp{{.*}}, which returns twice
__attribute__((noinline)) static int under_setjmp(int in, int out, long *tot)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		*tot += n;
	}
	return n < 0 ? -1 : 0;
}

__attribute__((noinline)) static long jumper(int in, int out)
{
	long total = 0;
	if (setjmp(env))
		return -1;
	under_setjmp(in, out, &total);
	return total;
}

// A pointer into the same local variable given as another argument at another call, where
// the helper keeps it: a signal handler could reach the variable through the copy it keeps.
// REMARK-DAG: remark: {{.*}}looped-pointees.c:[[#@LINE+6]]:{{[0-9]+}}: did not keep '*{{[a-z]+}}' (argument {{[0-9]+}} of 'swapped') in a register across the loop of '{{read|write}}' at {{.*}}: its address is passed to {{.*}}@swapped({{.*}} as another argument, which 'swapped' may keep
__attribute__((noinline)) static int swapped(int in, int out, long *tot, long *other)
{
	ssize_t n;

	kept_pointer = other;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		*tot += n;
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	long total = 0, remembered = 0;
	struct stats st = { 0, 0, 0 }, both = { 0, 0, 0 }, inside = { 0, 0, 0 };
	int rc = 0;

	if (argc != 2)
		return 2;
#define IN open(argv[1], O_RDONLY)
	rc |= to_total(IN, 1, &total);
	rc |= to_total(IN, 1, &total);
	rc |= open_and_copy(IN, 1, &st);
	rc |= public_copy(IN, 1, &remembered);
	rc |= to_global(IN, 1, &global_total);
	rc |= to_global(IN, 1, &global_total);
	rc |= to_global(IN, 1, &other_total);
	remember(&remembered);
	rc |= to_remembered(IN, 1, &remembered);
	rc |= two_ways(IN, 1, &both.bytes, &both);
	rc |= into_struct(IN, 1, &inside);
	rc |= jumper(IN, 1) < 0;
	long first = 0, second = 0;
	rc |= swapped(IN, 1, &first, &second);
	rc |= swapped(IN, 1, &second, &first);
	fprintf(stderr, "%ld %ld %ld %ld %ld %ld %ld %ld\n", total, st.bytes, st.blocks, st.opened,
		global_total, remembered, both.bytes, inside.blocks);
	return rc != 0;
}

__attribute__((noinline)) void remember(long *p)
{
	kept_pointer = p;
}
