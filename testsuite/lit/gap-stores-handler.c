// A store between two calls of a straight multi-call runs after the later calls (3a). A
// signal handler that interrupts a later call (a read blocked on a pipe) and reads what the
// store writes would see the value from before it: such a store keeps the calls apart when
// a function that may run at any time (a signal handler, a thread, an atexit handler when a
// handler may call exit) reads or writes its memory, a global variable it uses or a local
// variable whose address escapes. Stores nothing asynchronous reads stay in the gap. (A
// load of such memory keeps them apart too: gap-loads-handler.c.)
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

struct progress {
	long done, chunks;
};

static long shown, hidden;
static struct progress *current;
static char buf[4096];

static void on_int(int sig)
{
	char msg[64];
	int len = snprintf(msg, sizeof msg, "%d: %ld %ld\n", sig, shown,
			   current ? current->done : 0L);
	write(2, msg, len);
	_exit(130);
}

// REMARK-DAG: remark: {{.*}}gap-stores-handler.c:[[#@LINE+8]]:{{[0-9]+}}: not clustered: read -> write (weight {{[0-9]+}}) breaks safety: '{{.*}}store i64 {{.*}}@shown{{.*}}' writes memory that 'on_int', which may run at any time (a signal handler, a thread, or a function they call), reads or writes; in a multi-call it would see the value from before the store until 'write' at {{.*}} and the calls before it return
__attribute__((noinline)) static int shown_count(int in, int out)
{
	ssize_t n;

	n = read(in, buf, sizeof buf);
	if (n <= 0)
		return 1;
	shown = n;
	return write(out, buf, n) != n;
}

// REMARK-DAG: remark: {{.*}}gap-stores-handler.c:[[#@LINE+5]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write
__attribute__((noinline)) static int hidden_count(int in, int out)
{
	ssize_t n;

	n = read(in, buf, sizeof buf);
	if (n <= 0)
		return 1;
	hidden++;
	return write(out, buf, n) != n;
}

// REMARK-DAG: remark: {{.*}}gap-stores-handler.c:[[#@LINE+10]]:{{[0-9]+}}: not clustered: read -> write (weight {{[0-9]+}}) breaks safety: '{{.*}}store {{.*}}' writes memory that 'on_int', which may run at any time
__attribute__((noinline)) static int published(int in, int out)
{
	struct progress p = { 0, 0 };
	ssize_t n;

	current = &p;
	n = read(in, buf, sizeof buf);
	if (n <= 0)
		return 1;
	p.done = n;
	n = write(out, buf, n) != n;
	current = NULL;
	return (int)n + (int)p.done;
}

// REMARK-DAG: remark: {{.*}}gap-stores-handler.c:[[#@LINE+6]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write
__attribute__((noinline)) static int private_progress(int in, int out)
{
	struct progress p = { 0, 0 };
	ssize_t n;

	n = read(in, buf, sizeof buf);
	if (n <= 0)
		return 1;
	p.done += n;
	return write(out, buf, n) != n || p.done < 0;
}

int main(void)
{
	signal(SIGINT, on_int);
	return shown_count(0, 1) | hidden_count(0, 1) | published(0, 1) | private_progress(0, 1) |
	       (int)hidden;
}
