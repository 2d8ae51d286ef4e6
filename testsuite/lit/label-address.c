// A function that takes a label's address (GNU C's `&&label`, a computed goto's
// `indirectbr`) may enter that block from anywhere the address goes: its predecessors are
// not all known, so the pass leaves the function as it is, with one missed remark, and
// clusters the same loop in a function without one.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <unistd.h>

static char buf[4096];
void *volatile resume_at;

// REMARK-DAG: remark: {{.*}}label-address.c:[[#@LINE+9]]:{{[0-9]+}}: 'dispatch_copy' takes the address of a label (a computed goto): its control flow is not all known, so its system calls are left as they are
// IR-LABEL: define {{.*}}@dispatch_copy(
// IR-NOT: multicall
// IR: indirectbr
__attribute__((noinline)) int dispatch_copy(int in, int out)
{
	static void *const next[] = { &&copy, &&done };
	ssize_t n;
copy:
	n = read(in, buf, sizeof buf);
	if (n > 0 && write(out, buf, n) != n)
		return 1;
	goto *next[n <= 0];
done:
	return n < 0;
}

// REMARK-DAG: remark: {{.*}}label-address.c:[[#@LINE+7]]:{{[0-9]+}}: 'marked_copy' takes the address of a label
__attribute__((noinline)) int marked_copy(int in, int out)
{
	ssize_t n;

	resume_at = &&again;
again:
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	return n < 0;
}

// REMARK-DAG: remark: {{.*}}label-address.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
__attribute__((noinline)) int plain_copy(int in, int out)
{
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	return n < 0;
}
