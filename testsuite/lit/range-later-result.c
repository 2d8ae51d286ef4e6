// A copy loop that tracks the largest and smallest read, built without -g: after the loop
// is rotated and its start moved, a stronger stop for the write is looked for with the
// write's length as the previous iteration's read, a value defined later in the loop than
// the write. LazyValueInfo must not be asked about a value where it has none (its walk up
// to the function's entry took it for an argument and crashed): the shim asks only where the
// value dominates the place (`availableAt`). The loop is not taken whole (the maximum is no
// counter), two iterations of it are one multi-call.
//
// RUN: %clang -O2 -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
// RUN: %clang -Os -S -emit-llvm %s -o %t.s.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' -S %t.s.ll -o %t.s.out.ll
// RUN: opt -passes=verify -disable-output %t.s.out.ll
//
// REMARK: not clustered: write -> read {{.*}} loop-carried value {{.*}} is not itself plus or minus a step
// REMARK: clustered 4 system calls into one multi-call: read -> write -> read -> write
//
// Both builds copy the same and report the same, into a file and /dev/full.
// REQUIRES: multicall
// RUN: %clang -O2 %s -o %t.orig
// RUN: %clang-cluster -O2 %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty
// RUN: for in in %t.in %t.empty; do for out in %t.copy /dev/full; do for be in direct io_uring auto; do \
// RUN:   rm -f %t.copy; %t.orig < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:   if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:   MULTICALL_BACKEND=$be %t.clustered < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:   cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:   if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done
// RUN: %t.clustered < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: maxmin: {{[0-9]+}} reads, 300001 bytes

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[1000];
	int maxr = 0, minr = 1 << 30, saw_short = 0, count = 0;
	long total = 0;
	int out = argc > 1 ? open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;

	if (out < 0)
		return 1;
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0)
			return 1;
		if (n == 0)
			break;
		if (n != sizeof buf)
			saw_short = 1;
		if (n > maxr)
			maxr = n;
		if (n < minr)
			minr = n;
		count++;
		total += n;
		if (write(out, buf, n) < 0) {
			perror("maxmin: write");
			return 1;
		}
	}
	fprintf(stderr, "maxmin: %d reads, %ld bytes, max %d, min %d, short %d\n", count, total,
		maxr, count ? minr : 0, saw_short);
	return 0;
}
