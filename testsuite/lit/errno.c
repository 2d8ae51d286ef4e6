// Error paths and errno: a batch that fails in its middle stops there, the failing call's
// check sees -1 and errno exactly as libc would have set them, its handler runs, and the
// later calls of the batch do not run. Built with and without the pass, the program must
// print the same and exit the same, on every backend the runtime offers here.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/errno.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: FileCheck %s < %t.orig.out

// REMARK: remark: clustered 3 system calls into one multi-call: write -> write -> write
// REMARK: remark: clustered 2 system calls into one multi-call: close -> close

// CHECK: one
// CHECK-NEXT: write 2 failed: errno 9 (Bad file descriptor)
// CHECK-NEXT: close: -1 errno 9
// CHECK-NEXT: exit 3
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char one[] = "one\n", two[] = "two\n", three[] = "three\n";
	errno = 0;
	if (write(1, one, 4) != 4)
		return 1;
	if (write(99, two, 4) < 0) {
		// errno must be EBADF here, and "three" must not have been written.
		int e = errno;
		printf("write 2 failed: errno %d (%s)\n", e, strerror(e));
		fflush(stdout);
		int fd = dup(1);
		close(fd);
		int r = close(98);
		printf("close: %d errno %d\n", r, errno);
		return 3;
	}
	if (write(1, three, 6) != 6)
		return 4;
	return 0;
}
