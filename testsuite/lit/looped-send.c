// A server's file loop, read -> send(sock, buf, n, 0): one looped multi-call whose buffer is
// dead (flags 2), its second entry sendto (44) with no flags and no address. The runtime
// copies into no socket (runtime/src/copy.rs, `decide`: `sendfile` would lose a TCP peer's
// reset), and the remark says so.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/send.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK: remark: {{.*}}looped-send.c:[[#@LINE+16]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> send (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop, but the runtime copies in the kernel only a loop of read (stopping at result <= 0) and write, or of pread and pwrite at advancing offsets, into a file or a pipe

// CHECK-LABEL: define {{.*}} @serve_file(
// CHECK: %[[FLAGS:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 3
// CHECK-NEXT: store i64 0, ptr %[[FLAGS]]
// CHECK: store i32 44, ptr
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)

#include <sys/socket.h>
#include <unistd.h>

int serve_file(int in, int sock)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (send(sock, buf, n, 0) != n)
			return 1;
	return n < 0;
}
