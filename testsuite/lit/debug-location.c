// Mapping by debug location: profile nodes carry the call's function, file, line:column and
// inlined-at chain (as llvm-symbolizer reports them for the trace's return addresses), and
// match exactly the IR calls with those debug locations. The read/write pair inlined from
// put() into main matches; the second pair's write node names column 10, not the call's 9,
// so that edge matches no site and is reported (a node with a site never falls back to
// names while the IR has debug locations).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: sed 's|@FILE@|%s|' %inputs/debug-location.json > %t.json
// RUN: %opt-cluster -passes='syscall-cluster<profile=%t.json>' -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -pass-remarks-analysis=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
// RUN: grep -c 'call i64 @multicall' %t.out.ll | FileCheck %s --check-prefix=ONE

// CHECK-DAG: remark: {{.*}}debug-location.c:30:6: profile node read(){{.*}} is 'read' at debug-location.c:30:6 (by debug location)
// CHECK-DAG: remark: {{.*}}debug-location.c:33:6: profile node write(){{.*}} is 'write' at debug-location.c:33:6 (by debug location)
// CHECK-DAG: remark: {{.*}}debug-location.c:43:6: profile node read(){{.*}} is 'read' at debug-location.c:43:6 (by debug location)
// CHECK-DAG: remark: {{.*}}debug-location.c:30:6: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
// CHECK-DAG: remark: {{.*}}: hot edge read(){{.*}} -> write(){{.*}} (weight 7) matches no call site here: no site for write()
// ONE: 1

#include <unistd.h>

static char buf[512];

static int put(int in, int out)
{
	ssize_t n;
	n = read(in, buf, sizeof buf);
	if (n <= 0)
		return (int)n;
	if (write(out, buf, n) != n)
		return -1;
	return 1;
}

int main(void)
{
	ssize_t m;
	if (put(0, 1) < 0)
		return 1;
	m = read(0, buf, sizeof buf);
	if (m <= 0)
		return 0;
	return write(1, buf, m) != m;
}

// A profile recorded on a build in another directory (another checkout, machine or build
// root): no path suffix matches, so sites match by file name, line and column, and the same
// pair clusters.
// RUN: sed 's|@FILE@|/build/elsewhere/src/debug-location.c|' %inputs/debug-location.json > %t.moved.json
// RUN: %opt-cluster -passes='syscall-cluster<profile=%t.moved.json>' -pass-remarks=syscall-cluster \
// RUN:   -pass-remarks-analysis=syscall-cluster -S %t.ll -o %t.moved.ll 2> %t.moved.remarks
// RUN: FileCheck %s --check-prefix=MOVED < %t.moved.remarks
// MOVED-DAG: remark: {{.*}}debug-location.c:30:6: profile node read(){{.*}} is 'read' at debug-location.c:30:6 (by debug location, file name only: the profile names another directory)
// MOVED-DAG: remark: {{.*}}debug-location.c:30:6: clustered 2 system calls into one multi-call: read -> write
