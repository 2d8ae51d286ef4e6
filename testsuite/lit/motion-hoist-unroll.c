// A record writer: each record is a header and the next 512 bytes of a buffer. The record's
// address, p + i * 512, is computed between the two writes, where argument safety refuses
// it; code motion hoists it above the header's write, the body is then one straight
// multi-call, and the profile's write -> write edges (199 of 200 iterations go round) unroll
// the loop 8 times. Each copy's address is hoisted again above the unrolled body's first
// write, so that its 16 writes are one multi-call. The program writes exactly what the
// original writes, for every count.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/unroll.json \
// RUN:   -Rpass=syscall-cluster -Rpass-missed=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s < %t.remarks
// RUN: for n in 0 1 2 7 8 9 16 17 64; do \
// RUN:   %t.orig $n > %t.out.orig 2>&1; echo "status $?" >> %t.out.orig; \
// RUN:   %t.clustered $n > %t.out.clustered 2>&1; echo "status $?" >> %t.out.clustered; \
// RUN:   cmp %t.out.orig %t.out.clustered || exit 1; \
// RUN: done
// RUN: %t.clustered 2 > %t.two 2>&1 && test "$(head -c 4 %t.two)" = "#0AA" && test $(wc -c < %t.two) -eq 1028

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char data[64 * 512];

// CHECK-DAG: motion-hoist-unroll.c:[[#@LINE+7]]:{{[0-9]+}}: remark: moved '{{.*}}getelementptr{{.*}}' (argument 1 of 'write' at motion-hoist-unroll.c:[[#@LINE+7]]:{{[0-9]+}}) with the {{[0-9]+}} instruction{{s?}} it is computed from above 'write' at motion-hoist-unroll.c:[[#@LINE+6]]:{{[0-9]+}}
// CHECK-DAG: motion-hoist-unroll.c:[[#@LINE+5]]:{{[0-9]+}}: remark: unrolled the loop of write -> write 8 times, so that 8 iterations' calls are on one straight line
// CHECK-DAG: motion-hoist-unroll.c:[[#@LINE+4]]:{{[0-9]+}}: remark: clustered 16 system calls into one multi-call: write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write -> write (stop:
static void __attribute__((noinline)) records(int out, const char *hdr, const char *p, int n)
{
	for (int i = 0; i < n; i++) {
		write(out, hdr, 2);
		write(out, p + i * 512, 512);
	}
}

int main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 0;

	if (n < 0 || n > 64)
		return 2;
	for (int i = 0; i < 64; i++)
		memset(data + i * 512, 'A' + i % 26, 512);
	records(1, "#0", data, n);
	return 0;
}
