// A flag the loop tests on its way round (legality/watch.rs): `while (!stop && read > 0)`
// on a `volatile sig_atomic_t` a signal handler sets. clang rotates the loop so that the
// latch loads the flag after the write; the load is no system call and no stop, and the
// loop is one looped batch that reads the flag where the latch does (MC_BATCH_WATCH, through
// multicall_run_batch with the flag's address and size in its struct mc_batch). When the
// batch ends at count, mc.loop.watch loads the flag again as the latch does and leaves or
// runs the batch again; an unchecked write that failed goes there too. A test of the flag
// before the last call's own test is watched by a loop whose stops resume it (the original
// goes on after the last call: legality/resume.rs); a test of a value other than 0 is
// refused.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

void fail(const char *what) __attribute__((noreturn));

static volatile sig_atomic_t stop;
volatile long long running = 1;
_Atomic short quit;

void on_signal(int sig)
{
	stop = sig;
	running = 0;
	quit = 1;
}

// REMARK-DAG: remark: {{.*}}watch-flag.c:[[#@LINE+23]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); carries {{.*}} (total of read's results), {{.*}} (counter); the batch reads @stop after each iteration as the loop's test does, and ends when it is not zero; no in-kernel copy: the flag is read after each iteration
// CHECK-LABEL: define {{.*}} @copy_until_stopped(
// The batch: flags LOOP | DEAD_BUFFERS | SUMS | WATCH (0x27) and 2 entries; a 4-byte flag
// that ends the batch when it is not zero; its address.
// CHECK: store i64 167503724546, ptr
// CHECK: store i64 17179869184, ptr
// CHECK: store ptr @stop, ptr
// CHECK: call i64 @multicall_run_batch(ptr %mc.batch)
// The test made again leaves only after an iteration completed (a batch that ended at a
// pending signal before its first goes round: the original tests the flag after the write).
// CHECK: mc.loop.watch:
// CHECK-NEXT: %mc.loop.watch.done = phi i64
// CHECK-NEXT: load volatile i32, ptr @stop
// CHECK-NEXT: [[ZERO:%[0-9]+]] = icmp eq i32
// CHECK-NEXT: [[SET:%[0-9]+]] = xor i1 [[ZERO]], true
// CHECK-NEXT: %mc.loop.any = icmp ne i64 %mc.loop.watch.done, 0
// CHECK-NEXT: %mc.loop.leaves = and i1 [[SET]], %mc.loop.any
// CHECK-NEXT: br i1 %mc.loop.leaves, label %mc.loop.watch.out, label %mc.loop.call
long copy_until_stopped(int in, int out, long *blocks)
{
	char buf[4096];
	long total = 0, count = 0, n;

	while (!stop && (n = read(in, buf, sizeof buf)) > 0) {
		write(out, buf, n);
		++count;
		total += n;
	}
	*blocks = count;
	return total;
}

// `while (running)` on an 8-byte flag, a checked write: clang leaves the test in the header
// (the latch, the write's test, leaves the loop already); transform/flag_test.rs rotates it.
// The batch ends when the flag is zero.
// REMARK-DAG: remark: {{.*}}watch-flag.c:[[#@LINE+13]]:{{[0-9]+}}: rotated the loop that tests @running before 'read' at {{.*}}: the test runs once before the loop and after each iteration, so that the loop's header begins with read
// REMARK-DAG: remark: {{.*}}watch-flag.c:[[#@LINE+12]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); the batch reads @running after each iteration as the loop's test does, and ends when it is zero
// CHECK-LABEL: define {{.*}} @copy_while_running(
// CHECK: store i64 {{[0-9]+}}, ptr
// 8 | MC_WATCH_ZERO (16) = 24, in the upper half of the word.
// CHECK: store i64 103079215104, ptr
// CHECK: store ptr @running, ptr
// CHECK: call i64 @multicall_run_batch(ptr %mc.batch)
int copy_while_running(int in, int out)
{
	char buf[4096];

	while (running) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, buf, n) != n)
			return -1;
	}
	return 1;
}

// An atomic 2-byte flag read with a relaxed load.
// REMARK-DAG: remark: {{.*}}watch-flag.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; the batch reads @quit after each iteration as the loop's test does, and ends when it is not zero
// CHECK-LABEL: define {{.*}} @copy_until_quit(
// CHECK: store i64 8589934592, ptr
// CHECK: store ptr @quit, ptr
// CHECK: call i64 @multicall_run_batch(ptr %mc.batch)
int copy_until_quit(int in, int out)
{
	char buf[4096];

	while (!atomic_load_explicit(&quit, memory_order_relaxed)) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, buf, n) != n)
			return -1;
	}
	return 1;
}

// The flag tested before the write's own test: the original leaves by the flag whatever the
// write returned. The loop's stops resume it (legality/resume.rs): a short or failed write
// stops the batch, and the original code after the write tests the flag first, as it does;
// an iteration that completes reads the flag after the write, as the original's test does,
// and a set flag ends the batch there and resumes the original after the write, which
// leaves by it.
// REMARK-DAG: remark: {{.*}}watch-flag.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); the batch reads @stop after each iteration as the loop's test does, and ends when it is not zero
// CHECK-LABEL: define {{.*}} @flag_before_check(
// CHECK: call i64 @multicall_run_batch(
// CHECK: mc.loop.watch.out:
// CHECK: br label %mc.loop.resume.1
// CHECK: ret
int flag_before_check(int in, int out)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return 0;
		ssize_t w = write(out, buf, n);
		if (stop)
			return 2;
		if (w != n)
			return -1;
	}
}

// A flag compared with another value than 0: the header's test is not rotated.
// REMARK-DAG: remark: {{.*}}watch-flag.c:[[#@LINE+9]]:{{[0-9]+}}: not clustered: write -> read (weight {{[0-9]+}}) breaks whole-loop legality: '%{{[0-9]+}} = load volatile i32, ptr @stop{{.*}}' runs in the loop's header before 'read' at {{.*}}: the header must begin with the first call
// CHECK-LABEL: define {{.*}} @flag_not_zero_test(
// CHECK-NOT: @multicall_run_batch
// CHECK: ret
int flag_not_zero_test(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while (stop != SIGPIPE && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return -1;
	return 0;
}
