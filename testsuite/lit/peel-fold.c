// A cat over a write-all helper of its own file: clang inlines full_write, whose loop the
// pass peels so that the first write follows the read. The peeled iteration starts with
// `done` = 0, and its write's length `n - done` must fold to the read's result itself (LLVM's
// peelLoop leaves `sub i64 %n, 0`, an argument computed from a result, which no multi-call
// can take); then the copy loop is one looped multi-call.
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

static ssize_t full_write(int fd, const char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			break;
		}
		done += w;
	}
	return done;
}

// REMARK-DAG: remark: {{.*}}peel-fold.c:{{[0-9]+}}:{{[0-9]+}}: peeled the first iteration of the loop at block {{.*}} so that the first 'write' at peel-fold.c:[[#@LINE-15]]:{{[0-9]+}} after 'read' at peel-fold.c:[[#@LINE+8]]:{{[0-9]+}} does not enter the loop
// REMARK-DAG: remark: {{.*}}peel-fold.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
// CHECK-LABEL: define {{.*}} @cat(
// CHECK-NOT: sub nsw i64 %{{[0-9]+}}, 0
// CHECK: @multicall_loop
int cat(int in, int out)
{
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (full_write(out, buf, n) != n)
			return 1;
	return n < 0;
}
