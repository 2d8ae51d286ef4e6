// A descriptor kept in a file-scope variable that another function sets (gzip's `ifd`, set
// by treat_file and read by fill_inbuf's loop) is loaded again in every iteration at -O2.
// The pass moves the load out of the loop (transform/hoist.rs) when no function that stores
// to the variable can run while the loop runs: none is called from the loop, none is a
// signal handler or any function whose address is taken, or one they call. A function whose
// address only goes into a static function pointer the program calls through (gzip's
// `work`) is not one that may start at any time. The loop is then one looped multi-call.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=NOHOIST < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static char buf[4096];
static int in_fd, out_fd;
static int hup_fd, reopened_fd;
void consume(void (*f)(void));

__attribute__((noinline)) static void open_input(const char *name)
{
	in_fd = open(name, O_RDONLY);
}

// Set by functions that main calls only through a static pointer.
__attribute__((noinline)) static void to_stdout(void)
{
	out_fd = dup(1);
}
__attribute__((noinline)) static void to_stderr(void)
{
	out_fd = dup(2);
}
static void (*choose_output)(void) = to_stdout;

// REMARK-DAG: remark: {{.*}}hoist-global-writers.c:[[#@LINE+9]]:{{[0-9]+}}: moved '{{.*}} = load i32, ptr @in_fd{{.*}}' out of the loop of {{.*}}
// REMARK-DAG: remark: {{.*}}hoist-global-writers.c:[[#@LINE+9]]:{{[0-9]+}}: moved '{{.*}} = load i32, ptr @out_fd{{.*}}' out of the loop of {{.*}}
// REMARK-DAG: remark: {{.*}}hoist-global-writers.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
// CHECK-LABEL: define {{.*}}@copy_in(
// CHECK: load i32, ptr @in_fd
// CHECK: call i64 @multicall_loop
__attribute__((noinline)) static long copy_in(void)
{
	long n;
	while ((n = read(in_fd, buf, sizeof buf)) > 0)
		write(out_fd, buf, n);
	return n;
}

// A signal handler sets this one: it may change between two iterations.
static void on_hup(int sig)
{
	hup_fd = sig;
}

// NOHOIST-NOT: hoist-global-writers.c:[[#@LINE+7]]:{{.*}} out of the loop
// CHECK-LABEL: define {{.*}}@copy_hup(
// CHECK-NOT: call {{.*}}@multicall_loop
// CHECK: ret i64
__attribute__((noinline)) static long copy_hup(void)
{
	long n;
	while ((n = read(hup_fd, buf, sizeof buf)) > 0)
		write(1, buf, n);
	return n;
}

// The loop itself calls the function that sets this one, through a pointer.
__attribute__((noinline)) static void reopen(void)
{
	reopened_fd = dup(0);
}
static void (*on_block)(void) = reopen;

// NOHOIST-NOT: hoist-global-writers.c:[[#@LINE+4]]:{{.*}} out of the loop
__attribute__((noinline)) static long copy_reopening(void)
{
	long n;
	while ((n = read(reopened_fd, buf, sizeof buf)) > 0) {
		write(1, buf, n);
		on_block();
	}
	return n;
}

int main(int argc, char **argv)
{
	signal(SIGHUP, on_hup);
	if (argc > 1)
		open_input(argv[1]);
	if (argc > 2)
		choose_output = to_stderr;
	choose_output();
	return (int)(copy_in() | copy_hup() | copy_reopening());
}
