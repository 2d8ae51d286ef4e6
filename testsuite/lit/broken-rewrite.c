// The pass's own safety net (driver.rs verify, shim/backup.cpp): when the module it rewrote
// does not verify, or the pass panics, bugs of the pass, the module as the pass found it is
// put back and a warning says so, so the translation unit still builds, unclustered. The
// hidden option -syscluster-break-ir-for-testing breaks the clustered function on purpose,
// -syscluster-panic-for-testing panics once the module is rewritten. Here the pass
// first inlines two static helpers into the copy loop and deletes them (clang left them
// alone under a negative inline threshold); the original puts them back too. llvm-diff finds
// no function that differs (it names only the declarations the lowering added).
//
// RUN: %clang -O2 -g -mllvm -inline-threshold=-10000 -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -S %t.ll -o %t.clustered.ll 2> %t.clustered.remarks
// RUN: FileCheck %s --check-prefix=CLUSTERED < %t.clustered.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -syscluster-break-ir-for-testing -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=WARN < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
// RUN: llvm-diff %t.ll %t.out.ll 2> %t.diff
// RUN: FileCheck %s --check-prefix=DIFF < %t.diff
// RUN: FileCheck %s --check-prefix=OUT < %t.out.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -syscluster-panic-for-testing -S %t.ll -o %t.panic.ll 2> %t.panic.remarks
// RUN: FileCheck %s --check-prefix=PANIC < %t.panic.remarks
// RUN: opt -passes=verify -disable-output %t.panic.ll
// RUN: llvm-diff %t.ll %t.panic.ll 2> %t.panic.diff
// RUN: FileCheck %s --check-prefix=DIFF < %t.panic.diff
// RUN: FileCheck %s --check-prefix=OUT < %t.panic.ll
//
// Without the option the helpers are inlined and deleted and the loop is one multi-call:
// CLUSTERED-NOT: define internal {{.*}} @copy_read(
// CLUSTERED: call i64 @multicall_loop
//
// WARN: warning: {{.*}}syscall-cluster: internal error: the rewritten module does not verify, so it is left as it was, without clusters (please report it with this translation unit): Terminator found in the middle of a basic block!
//
// PANIC: warning: {{.*}}syscall-cluster: internal error (panic: -syscluster-panic-for-testing after the module was rewritten), so the module is left as it was, without clusters (please report it with this translation unit)
//
// DIFF-NOT: in left module
// DIFF-NOT: exists only in left
// DIFF-NOT: {{^ *[<>]}}
//
// OUT: define internal {{.*}} @copy_read(
// OUT: define internal {{.*}} @copy_write(
// OUT-NOT: call {{.*}} @multicall

#include <unistd.h>

static ssize_t copy_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

static ssize_t copy_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

int copy_fd(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = copy_read(in, buf, sizeof(buf))) > 0)
		if (copy_write(out, buf, n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}
