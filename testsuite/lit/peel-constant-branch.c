// A copy loop that retries its read on EINTR at the top (`for (;;)`, `continue` back to the
// read) over a write-all helper whose loop tests what is left first: clang keeps the loop
// unrotated, the write-all loop inside it. The pass peels the write-all loop's first
// iteration so that the first write follows the read; the copy of its test `len == 0`
// right after the read's own `n == 0` went on simplifies to `false`, and the branch on it
// must go its one way (LLVM's peelLoop leaves `br i1 false`, a second test between the calls
// that no stop predicate is): then read -> write is one stop apart (`n < 0` and `n == 0`
// together) and the copy loop is one looped multi-call.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <errno.h>
#include <unistd.h>

static char buf[4096];

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0)
			return -1;
		p += w;
		len -= w;
	}
	return 0;
}

// REMARK-DAG: remark: {{.*}}peel-constant-branch.c:{{[0-9]+}}:{{[0-9]+}}: peeled the first iteration of the loop at block {{.*}} so that the first 'write' at peel-constant-branch.c:[[#@LINE-9]]:{{[0-9]+}} after 'read' at peel-constant-branch.c:[[#@LINE+10]]:{{[0-9]+}} does not enter the loop
// REMARK-DAG: remark: {{.*}}peel-constant-branch.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
// REMARK-NOT: a second conditional branch
// CHECK-LABEL: define {{.*}} @cat(
// CHECK-NOT: br i1 false
// CHECK: @multicall_loop
int cat(int in, int out)
{
	ssize_t n;
	for (;;) {
		n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write_all(out, buf, n) < 0)
			return 1;
	}
	return n < 0;
}
