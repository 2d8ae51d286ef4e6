// A store between two calls of a straight multi-call runs after the later calls (3a). When a
// signal handler may siglongjmp out of a later call (a read timed out by alarm) back to a
// setjmp below it on the stack, that store would be skipped, and the code after the setjmp may
// read what it writes: a global variable, or a local variable whose address escapes. Such a
// store keeps the calls apart (StoreSkippedByJump); a loop's variables are then not kept in
// registers either (looped-globals.c). Without the setjmp (-DNO_JUMP) the same stores stay
// in the gap.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
// RUN: %clang -DNO_JUMP -O2 -g -S -emit-llvm %s -o %t.nojump.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.nojump.ll -o %t.nojump.out.ll 2> %t.nojump.remarks
// RUN: FileCheck %s --check-prefix=NOJUMP < %t.nojump.remarks

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long got;
static char buf[4096];
static sigjmp_buf timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(timed_out, 1);
}

// REMARK-DAG: remark: {{.*}}gap-stores-jump.c:[[#@LINE+9]]:{{[0-9]+}}: not clustered: read -> write (weight {{[0-9]+}}) breaks safety: '{{.*}}store i64 {{.*}}@got{{.*}}' writes memory that may be read after a longjmp back to the setjmp that 'main' calls; in a multi-call it runs only after 'write' at {{.*}} and the calls before it return, and a signal handler's longjmp out of them would skip it
// NOJUMP-DAG: remark: {{.*}}gap-stores-jump.c:[[#@LINE+5]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write
__attribute__((noinline)) static int one_block(int in, int out)
{
	ssize_t n;

	n = read(in, buf, sizeof buf);
	if (n <= 0)
		return 1;
	got = n;
	return write(out, buf, n) != n;
}

int main(void)
{
	signal(SIGALRM, on_alarm);
#ifndef NO_JUMP
	if (sigsetjmp(timed_out, 1)) {
		fprintf(stderr, "timed out after %ld bytes\n", got);
		return 2;
	}
#endif
	alarm(5);
	int r = one_block(0, 1);
	fprintf(stderr, "%ld\n", got);
	return r;
}
