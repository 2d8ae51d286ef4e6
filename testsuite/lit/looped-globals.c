// Copy loops that keep their bookkeeping in file-scope variables. A store to one between the
// calls would keep the loop from being one looped multi-call; transform/globals.rs keeps such
// a variable in a register across the loop (loaded before it, stored at each exit) when
// nothing else can read or write it while the loop runs, and says which condition failed
// when something can.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static char buf[4096];
static long total, blocks;
long exported;
static long taken, progress, jumped, public_total, called_back;
static jmp_buf env;

void note(long *p);
void consume(const char *p, long n);

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{43|44}}:{{[0-9]+}}: kept 'total' in a register across the loop of '{{read|write}}' at {{.*}}: loaded once before the loop and stored at each of its exits; no other code can read or write it while the loop runs
// REMARK-DAG: remark: {{.*}}looped-globals.c:{{43|44}}:{{[0-9]+}}: kept 'blocks' in a register across the loop of '{{read|write}}' at {{.*}}
// REMARK-DAG: remark: {{.*}}looped-globals.c:[[#@LINE+13]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter), {{.*}} (total of read's results)

// The loop's first iterations (rotated and peeled) are straight multi-calls that store as the
// program does; the loop itself loads the two once and stores them at its exits.
// CHECK-LABEL: define internal {{.*}} @counted(
// CHECK: %mc.promoted.in = load i64, ptr @total
// CHECK: call i64 @multicall_loop_sums(
// CHECK-NOT: define
// CHECK: store i64 %mc.promoted{{.*}}, ptr @blocks
// CHECK-NEXT: store i64 %mc.promoted{{.*}}, ptr @total
__attribute__((noinline)) static int counted(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		total += n;
		blocks++;
	}
	return n < 0 ? -1 : 0;
}

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{59|60}}:{{[0-9]+}}: did not keep 'exported' in a register across the loop of '{{read|write}}' at {{.*}}: it is visible outside this module (declare it static, or build with --lto)
// CHECK-LABEL: define internal {{.*}} @visible(
// CHECK-NOT: @multicall_loop
// CHECK: ret i32
__attribute__((noinline)) static int visible(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		exported += n;
	}
	return n < 0 ? -1 : 0;
}

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{71|72}}:{{[0-9]+}}: did not keep 'taken' in a register across the loop of '{{read|write}}' at {{.*}}: its address is taken ({{.*}}call void @note(ptr {{.*}}@taken)
__attribute__((noinline)) static int address_taken(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		taken += n;
	}
	return n < 0 ? -1 : 0;
}

__attribute__((noinline)) static void show_progress(void)
{
	if (progress > 0)
		write(2, "!", 1);
}

static void on_alarm(int sig)
{
	(void)sig;
	show_progress();
}

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{95|96}}:{{[0-9]+}}: did not keep 'progress' in a register across the loop of '{{read|write}}' at {{.*}}: 'show_progress' (called from 'on_alarm') reads or writes it and may run while the loop runs ('on_alarm' has its address taken: a signal handler, a thread, a callback)
__attribute__((noinline)) static int handled(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		progress += n;
	}
	return n < 0 ? -1 : 0;
}

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{109|110}}:{{[0-9]+}}: did not keep 'jumped' in a register across the loop of '{{read|write}}' at {{.*}}: 'jumps' calls {{.*}}setjmp{{.*}}, which returns twice: a longjmp out of the loop would skip the stores at its exits
__attribute__((noinline)) static int jumps(int in, int out)
{
	ssize_t n;
	if (setjmp(env))
		return -1;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		jumped += n;
	}
	return n < 0 ? -1 : 0;
}

// A setjmp below the loop's function on the stack: a handler's siglongjmp from the loop's
// blocking read back to 'jump_root' leaves the loop too, and 'jump_root' then reads what the
// loop would have kept in a register.
// REMARK-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'below' in a register across the loop of '{{read|write}}' at {{.*}}: 'jump_root' (under which 'jumped_below' may run) calls {{.*}}setjmp{{.*}}, which returns twice: a longjmp out of the loop would skip the stores at its exits
static sigjmp_buf senv;
static long below;

__attribute__((noinline)) static int jumped_below(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		below += n;
	}
	return n < 0 ? -1 : 0;
}

__attribute__((noinline)) static int jump_root(int in, int out)
{
	if (sigsetjmp(senv, 1)) {
		fprintf(stderr, "timed out after %ld bytes\n", below);
		return -1;
	}
	return jumped_below(in, out);
}

// A function other files may call keeps its variable in a register too: code elsewhere that
// ran it from a signal handler or a thread while the loop runs would race with the loop.
// REMARK-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: kept 'public_total' in a register across the loop of '{{read|write}}' at {{.*}}
int public_copy(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		public_total += n;
	}
	return n < 0 ? -1 : 0;
}

// But not when the loop calls code of another file, which may call such a function back.
// REMARK-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'called_back' in a register across the loop of '{{read|write}}' at {{.*}}: the loop calls {{.*}}@consume({{.*}}, which may call 'report_called_back' back, and 'report_called_back' reads or writes it
long report_called_back(void)
{
	return called_back;
}

__attribute__((noinline)) static int calls_out(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		consume(buf, n);
		if (write(out, buf, n) != n)
			return -1;
		called_back += n;
	}
	return n < 0 ? -1 : 0;
}

// A function whose address only goes into a static function pointer that the program calls
// through (gzip's `work`) runs only where the program makes an indirect call, not at any time.
static long pointed_total, hooked_total, signalled_total;

__attribute__((noinline)) static void report_pointed(void)
{
	if (pointed_total > 0)
		write(2, "+", 1);
}

__attribute__((noinline)) static void reset_pointed(void)
{
	pointed_total = 0;
}

static void (*reporter)(void) = report_pointed;

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: kept 'pointed_total' in a register across the loop of '{{read|write}}' at {{.*}}
// REMARK-DAG: remark: {{.*}}looped-globals.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
__attribute__((noinline)) static int pointed(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		pointed_total += n;
	}
	return n < 0 ? -1 : 0;
}

// But the loop may call such a function itself, through the pointer.
__attribute__((noinline)) static void hook(void)
{
	if (hooked_total > 4096)
		write(2, "!", 1);
}

__attribute__((noinline)) static void no_hook(void)
{
}

static void (*each_block)(void) = hook;

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'hooked_total' in a register across the loop of '{{read|write}}' at {{.*}}: 'hook', which the loop calls, reads or writes it
__attribute__((noinline)) static int hooked(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		hooked_total += n;
		each_block();
	}
	return n < 0 ? -1 : 0;
}

// And a pointer the program gives away (to signal) makes its functions start at any time.
static void on_term(int sig)
{
	(void)sig;
	if (signalled_total > 0)
		write(2, "?", 1);
}

static void on_term_quietly(int sig)
{
	(void)sig;
}

static void (*term_handler)(int) = on_term;

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'signalled_total' in a register across the loop of '{{read|write}}' at {{.*}}: 'on_term' reads or writes it and may run while the loop runs ('on_term' has its address taken: a signal handler, a thread, a callback)
__attribute__((noinline)) static int signalled(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		signalled_total += n;
	}
	return n < 0 ? -1 : 0;
}

// A function whose address only goes to atexit runs when the process calls exit: not while
// a loop runs, unless something that may run then calls exit (-DQUIT: a signal handler).
// RUN: %clang -O2 -g -DQUIT -S -emit-llvm %s -o %t.quit.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -disable-output %t.quit.ll 2> %t.quit.remarks
// RUN: FileCheck %s --check-prefix=QUIT < %t.quit.remarks
void exit(int status);
int atexit(void (*handler)(void));
static long exit_total;

static void report_at_exit(void)
{
	if (exit_total > 0)
		write(2, "=", 1);
}

#ifdef QUIT
static void on_quit(int sig)
{
	exit(sig);
}
#endif

// REMARK-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: kept 'exit_total' in a register across the loop of '{{read|write}}' at {{.*}}
// QUIT-DAG: remark: {{.*}}looped-globals.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'exit_total' in a register across the loop of '{{read|write}}' at {{.*}}: 'report_at_exit' reads or writes it and may run while the loop runs
__attribute__((noinline)) static int reported_at_exit(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			exit(1);
		exit_total += n;
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	(void)argv;
	atexit(report_at_exit);
#ifdef QUIT
	signal(SIGQUIT, on_quit);
#endif
	signal(SIGALRM, on_alarm);
	note(&taken);
	if (argc > 1) {
		reporter = reset_pointed;
		each_block = no_hook;
		term_handler = on_term_quietly;
	}
	signal(SIGTERM, term_handler);
	int r = counted(0, 1) | visible(0, 1) | address_taken(0, 1) | handled(0, 1) | jumps(0, 1) | jump_root(0, 1) |
		calls_out(0, 1) | pointed(0, 1) | hooked(0, 1) | signalled(0, 1) | reported_at_exit(0, 1);
	reporter();
	fprintf(stderr, "%ld %ld %ld %ld %ld %ld\n", total, blocks, exported, taken, progress, jumped);
	return r;
}
