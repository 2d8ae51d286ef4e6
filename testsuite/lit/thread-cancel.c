// A program that cancels threads (pthread_cancel) expects each blocking call to be a
// cancellation point: the thread ends there. A multi-call's calls are none (the batch runs
// them with raw system calls, or in the kernel), so a thread cancelled while a batch waits in
// its read would go on to the batch's end: the module is left as it is, and a remark says so
// for each function with system calls. Without the pthread_cancel (-DNO_CANCEL) the same
// copy loop is one looped multi-call.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -S %t.ll -o %t.same.ll
// RUN: diff %t.same.ll %t.out.ll
// RUN: %clang -DNO_CANCEL -O2 -g -S -emit-llvm %s -o %t.nocancel.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.nocancel.ll -o %t.nocancel.out.ll 2> %t.nocancel.remarks
// RUN: FileCheck %s --check-prefix=NOCANCEL < %t.nocancel.remarks

#include <pthread.h>
#include <unistd.h>

static char buf[4096];

// REMARK: remark: {{.*}}thread-cancel.c:[[#@LINE+7]]:{{[0-9]+}}: this module calls pthread_cancel: a multi-call's calls are no cancellation points, so a thread cancelled while one runs would run it to its end; 'copier''s system calls are left as they are
// REMARK-NOT: remark: {{.*}}clustered
// NOCANCEL: remark: {{.*}}thread-cancel.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
static void *copier(void *arg)
{
	ssize_t n;
	(void)arg;
	while ((n = read(0, buf, sizeof buf)) > 0)
		if (write(1, buf, n) != n)
			break;
	return NULL;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, copier, NULL))
		return 1;
	sleep(1);
#ifndef NO_CANCEL
	pthread_cancel(t);
#endif
	return pthread_join(t, NULL) != 0;
}
