// A client's download loop, recv(sock, buf, n, 0) -> write: recv is recvfrom (45) with no
// address, whose two missing pointer arguments the call writes nothing through, so the
// local buffer is dead after the loop (flags 2). The runtime copies in the kernel only a
// read -> write or read -> send loop, and the remark says so instead of promising a copy.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/recv.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK: remark: {{.*}}looped-recv.c:[[#@LINE+13]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: recv -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop, but the runtime copies in the kernel only a loop of read (stopping at result <= 0) and write, or of pread and pwrite at advancing offsets, into a file or a pipe

// CHECK-LABEL: define {{.*}} @download(
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)

#include <sys/socket.h>
#include <unistd.h>

int download(int sock, int out)
{
	char buf[8192];
	ssize_t n;

	while ((n = recv(sock, buf, sizeof buf, 0)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	return n < 0;
}
