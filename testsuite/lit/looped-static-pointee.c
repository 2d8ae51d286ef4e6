// A copy helper given a pointer into a static variable: `static struct job job; ...
// pump(&job);`, the helper counting in `j->blocks` and `j->total`. transform/pointees.rs
// follows the pointer back to the variable as to a caller's local: the variable is internal
// to the module, the bytes lie in it, its address goes only to loads, stores and calls that
// keep no copy, and no function that reads or writes it may run while the loop runs (a
// signal handler, a function the loop calls). Then both counters are kept in registers and
// the loop is one looped multi-call. (Each helper is also called on a local job, so that it
// stays a function of its own with the pointer as its argument: with one variable for every
// call, clang passes none and the helper's accesses are the variable's own, globals.rs's.) Refused, each with the condition in its remark: a
// variable other files can see, one a signal handler reads, one a function called in the
// loop reads.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Both builds copy the same, count the same and fail the same: a file, an empty input, a
// directory (EISDIR at the first read), output into /dev/full (ENOSPC), on every host backend.
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty && rm -rf %t.dir && mkdir %t.dir
// RUN: for mode in static exported handled called; do for in in %t.in %t.empty %t.dir; do for out in %t.copy /dev/full; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy; %t.orig $mode < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:     if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     MULTICALL_BACKEND=$be %t.clustered $mode < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done
// RUN: %t.clustered static < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: static: 300001 bytes in {{[0-9]+}} blocks: 0

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct job {
	int in, out;
	unsigned long long total;
	unsigned blocks;
	char buf[8192];
};

static __attribute__((noinline)) int pump(struct job *j)
{
	for (;;) {
		ssize_t n = read(j->in, j->buf, sizeof j->buf);
		if (n <= 0)
			return (int)n;
		j->blocks++;
		if (write(j->out, j->buf, (size_t)n) != n)
			return -2;
		j->total += (unsigned long long)n;
	}
}

// CHECK-LABEL: define {{.*}}@pump(
// CHECK: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-static-pointee.c:{{[0-9]+}}:{{[0-9]+}}: kept '*j' (at byte 8; argument 1 of 'pump') in a register across the loop
// REMARK-DAG: remark: {{.*}}looped-static-pointee.c:{{[0-9]+}}:{{[0-9]+}}: kept '*j' (at byte 16; argument 1 of 'pump') in a register across the loop
// REMARK-DAG: remark: {{.*}}looped-static-pointee.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter), {{.*}} (total of read's results)
static struct job job = { 0, 1, 0, 0, { 0 } };

static __attribute__((noinline)) int pump_static(int again)
{
	int r = pump(&job);

	// A second call, on a local job: the helper stays a function of its own, given a
	// pointer into either.
	if (r == 0 && again) {
		struct job local = { 0, 1, 0, 0, { 0 } };
		r = pump(&local);
	}
	return r;
}

// The same helper on a variable other files can see.
// REMARK-DAG: remark: {{.*}}looped-static-pointee.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*j' (at byte 8; argument 1 of 'pump2') in a register across the loop of '{{read|write}}' at {{.*}}: {{.*}} passes @shared_job: a variable visible outside this module (declare it static, or build with --lto)
struct job shared_job = { 0, 1, 0, 0, { 0 } };

static __attribute__((noinline)) int pump2(struct job *j)
{
	for (;;) {
		ssize_t n = read(j->in, j->buf, sizeof j->buf);
		if (n <= 0)
			return (int)n;
		j->blocks++;
		if (write(j->out, j->buf, (size_t)n) != n)
			return -2;
		j->total += (unsigned long long)n;
	}
}

// A signal handler reads the variable.
// REMARK-DAG: remark: {{.*}}looped-static-pointee.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*j' (at byte 8; argument 1 of 'pump3') in a register across the loop of '{{read|write}}' at {{.*}}: {{.*}} passes @watched_job: 'report' reads or writes it and may run while the loop runs ('report' has its address taken: a signal handler, a thread, a callback)
static struct job watched_job = { 0, 1, 0, 0, { 0 } };

static void report(int sig)
{
	(void)sig;
	static const char line[] = "progress\n";
	if (watched_job.blocks > 1000000)
		(void)!write(2, line, sizeof line - 1);
}

static __attribute__((noinline)) int pump3(struct job *j)
{
	for (;;) {
		ssize_t n = read(j->in, j->buf, sizeof j->buf);
		if (n <= 0)
			return (int)n;
		j->blocks++;
		if (write(j->out, j->buf, (size_t)n) != n)
			return -2;
		j->total += (unsigned long long)n;
	}
}

// A function the loop calls reads the variable.
// REMARK-DAG: remark: {{.*}}looped-static-pointee.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*j' (at byte 8; argument 1 of 'pump4') in a register across the loop of '{{read|write}}' at {{.*}}: {{.*}} passes @called_job: 'peek', which the loop calls, reads or writes it
static struct job called_job = { 0, 1, 0, 0, { 0 } };
static unsigned long long peeked;

static __attribute__((noinline)) void peek(void)
{
	peeked += called_job.total;
}

static __attribute__((noinline)) int pump4(struct job *j)
{
	for (;;) {
		ssize_t n = read(j->in, j->buf, sizeof j->buf);
		if (n <= 0)
			return (int)n;
		j->blocks++;
		peek();
		if (write(j->out, j->buf, (size_t)n) != n)
			return -2;
		j->total += (unsigned long long)n;
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "static";
	struct job spare = { 0, 1, 0, 0, { 0 } };
	int r;

	// A report of each variable of its own: clang would otherwise join the reports and
	// choose the variable by a phi of addresses.
	if (strcmp(mode, "exported") == 0) {
		r = pump2(&shared_job);
		if (r == 0 && argc > 2)
			r = pump2(&spare);
		fprintf(stderr, "exported: %llu bytes in %u blocks: %d\n", shared_job.total,
			shared_job.blocks, r);
		return r < 0;
	}
	if (strcmp(mode, "handled") == 0) {
		signal(SIGUSR1, report);
		r = pump3(&watched_job);
		if (r == 0 && argc > 2)
			r = pump3(&spare);
		fprintf(stderr, "handled: %u blocks, %llu bytes: %d\n", watched_job.blocks,
			watched_job.total, r);
		return r < 0 ? 3 : 0;
	}
	if (strcmp(mode, "called") == 0) {
		r = pump4(&called_job);
		if (r == 0 && argc > 2)
			r = pump4(&spare);
		fprintf(stderr, "called: peeked %llu of %llu, %d\n", peeked, called_job.total, r);
		return r < 0 ? 4 : 0;
	}
	r = pump_static(argc > 2);
	fprintf(stderr, "static: %llu bytes in %u blocks: %d\n", job.total, job.blocks, r);
	return r < 0 ? 5 : 0;
}
