// dd's read loop in its own order: `if (n == 0) break;` before the records are counted
// (`if (n == bs) in_full++; else in_part++;`) and the write. clang makes the two tests of `n`
// one `switch` whose case 0 leaves the loop while its case 4096 and its default both go on
// to the write, which legality cannot read as a stop predicate. transform/switches.rs makes
// it a chain of two-way branches, the way that leaves first: the test of 0 is then the read's
// stop predicate, flatten computes the records' choice on both ways, globals splits the
// choice of the two counters and keeps them in registers, and the loop resumes after its
// stops with the counters carried (the read's stronger stop decides `n == 4096`).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <unistd.h>

static unsigned long long in_full, in_part, total;

// REMARK-DAG: remark: {{.*}}switch-chain.c:[[#@LINE+16]]:{{[0-9]+}}: made 'switch i64 %{{[0-9]+}}, label %{{[0-9]+}} [ i64 0, label %{{[a-z.0-9]+}} i64 4096, label %{{[0-9]+}} ]' a chain of 2 two-way branches on its cases, the ways that leave the path between the calls first
// REMARK-DAG: remark: {{.*}}: kept 'in_full' in a register across the loop
// REMARK-DAG: remark: {{.*}}: kept 'in_part' in a register across the loop
// REMARK-DAG: remark: {{.*}}switch-chain.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries {{.*}}(counter)
// CHECK-LABEL: define {{.*}} @records_in(
// CHECK-NOT: switch i64
// CHECK: call i64 @multicall_loop(
// CHECK-LABEL: define {{.*}} @main(
__attribute__((noinline)) int records_in(int in, int out)
{
	static char buf[4096];

	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (n == sizeof buf)
			in_full++;
		else
			in_part++;
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return 0;
}

int main(void)
{
	return records_in(0, 1) || in_full + in_part + total == 0;
}
