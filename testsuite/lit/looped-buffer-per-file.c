// A copy loop with a buffer declared in the body of a loop over files (cat of several
// files, the copy function inlined into the loop over its arguments): the buffer's lifetime
// markers lie in the outer loop, around the copy loop. The outer loop holds another loop, so
// it can never be one looped multi-call, and its markers stay (transform/lifetimes.rs). A
// stop at the copy loop's read leaves it for the next file, whose `llvm.lifetime.end` and
// `llvm.lifetime.start` come before any read of the buffer: the write that finishes a short
// write reads only what a read filled again (`dead_buffers::ends_contents`), so the runtime
// may copy in the kernel.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int copy_fd(int fd)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		ssize_t off = 0;

		while (off < n) {
			ssize_t w = write(1, buf + off, n - off);

			if (w < 0) {
				perror("write");
				return 1;
			}
			off += w;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	return 0;
}

// CHECK-LABEL: define {{.*}} @cat_files(
// CHECK: call void @llvm.lifetime.start
// CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 {{[0-9]+}}, ptr null, i32 18)
// CHECK: call void @llvm.lifetime.end
// REMARK-DAG: remark: {{.*}}looped-buffer-per-file.c:26:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call
// REMARK-NOT: removed the {{[0-9]+}} lifetime markers
int cat_files(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		rc |= copy_fd(fd);
		close(fd);
	}
	return rc;
}
