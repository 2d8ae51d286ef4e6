// Unrolling a loop whose body is one straight multi-call but which cannot be one looped
// multi-call (its results are not tested, its counter is compared): the profile's edges
// write -> write (199 of 200 iterations go round, one entry) give 8 iterations per batch, so
// LLVM's UnrollLoop makes 8 copies of the body with a remainder loop, and the 16 writes of
// the unrolled body are one multi-call. The program writes exactly what the original writes,
// in the same order, for every count (a multiple of 8 or not). A loop with other work in it
// is not unrolled, with its remark.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/unroll.json \
// RUN:   -Rpass=syscall-cluster -Rpass-missed=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s < %t.remarks
// RUN: for n in 0 1 2 7 8 9 16 17 100; do \
// RUN:   %t.orig $n > %t.out.orig 2>&1; echo "status $?" >> %t.out.orig; \
// RUN:   %t.clustered $n > %t.out.clustered 2>&1; echo "status $?" >> %t.out.clustered; \
// RUN:   cmp %t.out.orig %t.out.clustered || exit 1; \
// RUN: done
// RUN: %t.clustered 9 > %t.nine 2>&1 && test "$(cat %t.nine)" = "abababababababababcdcdcd012"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

// CHECK-DAG: rotate-unroll.c:[[#@LINE+5]]:{{[0-9]+}}: remark: unrolled the loop of write -> write 8 times, so that 8 iterations' calls are on one straight line
// CHECK-DAG: rotate-unroll.c:[[#@LINE+4]]:{{[0-9]+}}: remark: clustered 16 system calls into one multi-call: write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write (stop:
static void __attribute__((noinline)) pairs(int n)
{
	for (int i = 0; i < n; i++) {
		write(1, "a", 1);
		write(1, "b", 1);
	}
}

// CHECK-DAG: rotate-unroll.c:[[#@LINE+4]]:{{[0-9]+}}: remark: did not unroll the loop of write -> write: '{{.*}}call i32 (ptr, ...) @printf({{.*}}' in the loop is not something a multi-call can skip
static void __attribute__((noinline)) printing(int n)
{
	for (int i = 0; i < n; i++) {
		write(1, "c", 1);
		write(1, "d", 1);
		printf("%d", i);
	}
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 0;

	pairs(n);
	printing(n > 3 ? 3 : n);
	return 0;
}
