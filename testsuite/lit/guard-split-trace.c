// A trace helper with variable arguments that returns at once unless an option is set
// (`static int verbose; void trace(const char *fmt, ...) { if (!verbose) return; ... }`):
// clang never inlines it, so the loop calls it in every iteration. transform/guards.rs makes
// its first test before the call; the option's load is then the same in every iteration,
// the loop is unswitched on it, and its quiet copy is one looped multi-call whose buffer is
// dead after it (an in-kernel copy without the module). A flag reached from an argument
// (`if (!o->verbose) return;`) is tested through the caller's own argument.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

struct opts {
	int in, out;
	int verbose;
};

static char buf[4096];
static int verbose;

static void trace(const char *fmt, ...)
{
	va_list ap;
	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void trace_to(const struct opts *o, const char *fmt, ...)
{
	va_list ap;
	if (!o->verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

// The flag through the caller's argument: the same field of what it points to.
// REMARK-DAG: remark: {{.*}}guard-split-trace.c:{{[0-9]+}}:{{[0-9]+}}: made the first test of 'trace_to' (of a field of what its argument 1 points to) before its call
// CHECK-LABEL: define internal {{.*}} @traced_to(
// CHECK: %[[FIELD:.*]] = getelementptr inbounds i8, ptr %0, i64 8
// CHECK: load i32, ptr %[[FIELD]]
// CHECK: call void (ptr, ptr, ...) @trace_to.entered(ptr {{.*}}%0,
__attribute__((noinline)) static int traced_to(const struct opts *o)
{
	static char own[4096];
	ssize_t n;
	while ((n = read(o->in, own, sizeof own)) > 0) {
		if (write(o->out, own, n) != n)
			return 1;
		trace_to(o, "%zd bytes\n", n);
	}
	return n < 0;
}

// The functions are checked in the order clang emits them: the last first.
// REMARK-DAG: remark: {{.*}}guard-split-trace.c:{{[0-9]+}}:{{[0-9]+}}: made the first test of 'trace' (of @verbose) before its call in the loop of 'read' at {{.*}}: the call, to 'trace.entered' (the helper past that test), runs only when the helper would have gone past it
// REMARK-DAG: remark: {{.*}}guard-split-trace.c:{{[0-9]+}}:{{[0-9]+}}: unswitched the loop on
// REMARK-DAG: remark: {{.*}}guard-split-trace.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop
// CHECK-LABEL: define internal {{.*}} @traced(
// CHECK: load i32, ptr @verbose
// CHECK: call i64 @multicall_loop_flags(
__attribute__((noinline)) static int traced(int in, int out)
{
	ssize_t n;
	long blocks = 0;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return 1;
		blocks++;
		trace("block %ld: %zd bytes\n", blocks, n);
	}
	trace("%ld blocks\n", blocks);
	return n < 0;
}

int main(int argc, char **argv)
{
	(void)argv;
	struct opts o = { 0, 1, argc > 2 };
	verbose = argc > 1;
	trace("start\n");
	trace_to(&o, "start\n");
	return argc > 3 ? traced_to(&o) : traced(0, 1);
}
