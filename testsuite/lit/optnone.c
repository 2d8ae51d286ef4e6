// An `optnone` function (the whole program at -O0, or one marked so) is left as it is: its
// system calls are no sites, nothing is inlined into it, and a remark says so once. The same
// loop in a function without the attribute is one looped multi-call.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
// RUN: %clang -O0 -g -S -emit-llvm %s -o %t.O0.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.O0.ll -o %t.O0.out.ll 2> %t.O0.remarks
// RUN: FileCheck %s --check-prefix=O0 < %t.O0.remarks
// RUN: opt -S %t.O0.ll -o %t.O0.same.ll
// RUN: diff %t.O0.same.ll %t.O0.out.ll

#include <unistd.h>

static char buf[4096];

// REMARK-DAG: remark: {{.*}}optnone.c:[[#@LINE+10]]:{{[0-9]+}}: 'debug_copy' is optnone (built at -O0, or marked so): its system calls are left as they are (build with -O1 or higher to cluster them)
// IR-LABEL: define {{.*}}@debug_copy(
// IR-NOT: multicall
// IR: call i64 @read(
// IR: call i64 @write(
// IR: }
__attribute__((optnone, noinline)) int debug_copy(int in, int out)
{
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	return n < 0;
}

// REMARK-DAG: remark: {{.*}}optnone.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
int copy(int in, int out)
{
	static char b[4096];
	ssize_t n;

	while ((n = read(in, b, sizeof b)) > 0)
		if (write(out, b, n) != n)
			return 1;
	return n < 0;
}

// O0: remark: {{.*}}optnone.c:{{[0-9]+}}:{{[0-9]+}}: 'debug_copy' is optnone
// O0: remark: {{.*}}optnone.c:{{[0-9]+}}:{{[0-9]+}}: 'copy' is optnone
// O0-NOT: clustered
