// A buffer declared in the loop's body: clang marks its lifetime in every iteration
// (`llvm.lifetime.start` before the read, `llvm.lifetime.end` on each way out of the body,
// the back edge included) and rotates the loop, the read moved to the latch. The markers
// between the write and the next read are nowhere code motion could move them; the pass
// removes every marker of the buffer (transform/lifetimes.rs: it then lives for the whole
// function), moves the loop's start back to the read (reheader.rs; not a merged loop: the
// write runs again only through the read, so no way round the header is copied), and the
// loop is one looped multi-call whose buffer is dead after it. A buffer declared outside the
// loop keeps its markers.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <sys/stat.h>
#include <unistd.h>

void fail(const char *what) __attribute__((noreturn));

// REMARK-DAG: remark: {{.*}}loop-local-buffer.c:[[#@LINE+18]]:{{[0-9]+}}: removed the {{[0-9]+}} lifetime markers of %{{[0-9a-z.]+}} (a buffer declared in the loop's body): it lives for the whole function, and no marker stands between the loop's calls
// REMARK-DAG: remark: {{.*}}loop-local-buffer.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop
// CHECK-LABEL: define {{.*}} @copy_local(
// CHECK-NOT: call void @llvm.lifetime
// CHECK: call i64 @multicall_loop_flags(
// CHECK-NOT: call void @llvm.lifetime
// CHECK: ret
int copy_local(int in, int out)
{
	for (;;) {
		char buf[4096];
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0)
			fail("read");
		if (n == 0)
			return 0;
		if (write(out, buf, n) != n)
			fail("write");
	}
}

// Two objects declared in the body, each with its markers: both lose them, one remark each
// (the objects are gathered before any marker is erased).
// REMARK-DAG: remark: {{.*}}loop-local-buffer.c:[[#@LINE+20]]:{{[0-9]+}}: removed the {{[0-9]+}} lifetime markers of %{{[0-9a-z.]+}} (a buffer declared in the loop's body)
// REMARK-DAG: remark: {{.*}}loop-local-buffer.c:[[#@LINE+19]]:{{[0-9]+}}: removed the {{[0-9]+}} lifetime markers of %{{[0-9a-z.]+}} (a buffer declared in the loop's body)
// CHECK-LABEL: define {{.*}} @copy_checked(
// CHECK-NOT: call void @llvm.lifetime
// CHECK: ret
long copy_checked(int in, int out)
{
	long total = 0;

	for (;;) {
		char buf[4096];
		struct stat st;
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : total;
		if (write(out, buf, n) != n)
			fail("write");
		if (fstat(out, &st) < 0)
			fail("fstat");
		total += st.st_size > 0;
	}
}
