// A descriptor kept in a local array that a system call filled (`pipe(fds)`) is loaded again
// in every iteration at -O2: LLVM cannot know that read and write leave the array alone. The
// pass moves the load out of the loop (transform/hoist.rs) when the array's address went only
// to system calls and loads, and nothing in the loop writes it; the loop is then one looped
// multi-call. An array also given to the program's own code, or written in the loop, keeps
// its load in the loop.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=NOHOIST < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <unistd.h>

static char buf[4096];
void note(int *fds);

// REMARK-DAG: remark: {{.*}}hoist-invariant.c:[[#@LINE+11]]:{{[0-9]+}}: moved '{{.*}} = load i32, ptr {{.*}}' out of the loop of {{.*}}: the array it reads is written by no call or store of the loop, so it reads the same value in every iteration
// REMARK-DAG: remark: {{.*}}hoist-invariant.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
// CHECK-LABEL: define {{.*}}@piped(
// CHECK: call i64 @multicall_loop
long piped(int in)
{
	int fds[2];
	long n;
	if (pipe(fds) < 0)
		return -1;
	while ((n = read(in, buf, sizeof buf)) > 0)
		write(fds[1], buf, n);
	return n;
}

// NOHOIST-NOT: hoist-invariant.c:[[#@LINE+10]]:{{.*}} out of the loop
// NOHOIST-NOT: hoist-invariant.c:[[#@LINE+20]]:{{.*}} out of the loop
long shared(int in)
{
	int fds[2];
	long n;
	if (pipe(fds) < 0)
		return -1;
	note(fds);
	while ((n = read(in, buf, sizeof buf)) > 0)
		write(fds[1], buf, n);
	return n;
}

long swapped(int in)
{
	int fds[2];
	long n;
	if (pipe(fds) < 0)
		return -1;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		write(fds[1], buf, n);
		fds[1] = fds[0];
	}
	return n;
}
