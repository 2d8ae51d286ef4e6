// A copy loop that, after each block it copies, writes one progress dot per byte of it on
// stderr: `for (i = 0; i < n; i++) write(2, ".", 1)`, with `n` the result of the copy's
// read. read -> write is a straight multi-call, lowered first, which replaces the read's
// result; the dots' loop is a looped multi-call bounded by its counter, whose bound is
// computed from `n`. Built from the call the straight multi-call replaced, the bound did
// not verify at -O1 and the pass put the module back without clusters: every use a later
// lowering makes of a replaced call takes what stands for it now (`lower::lower_all`).
//
// RUN: %clang -O1 -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/tee.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// REMARK-NOT: internal error
// REMARK: clustered 2 system calls into one multi-call: read -> write
// REMARK: clustered the whole loop into one looped multi-call: write {{.*}}(counter, up by 1 to its bound
// REMARK-NOT: internal error
//
// Both builds copy and print the same, into a file, a pipe and /dev/full, on every host
// backend.
// REQUIRES: multicall
// RUN: %clang -O1 %s -o %t.orig
// RUN: %clang-cluster -O1 %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/tee.json
// RUN: head -c 3001 /dev/urandom > %t.in && : > %t.empty
// RUN: for in in %t.in %t.empty; do for out in %t.copy /dev/full; do for be in direct io_uring auto; do \
// RUN:   rm -f %t.copy; %t.orig < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:   if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:   MULTICALL_BACKEND=$be %t.clustered < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:   cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:   if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done
// RUN: %t.orig < %t.in 2>&1 > /dev/null | cat > %t.dots.orig
// RUN: %t.clustered < %t.in 2>&1 > /dev/null | cat > %t.dots.clustered
// RUN: cmp %t.dots.orig %t.dots.clustered && test "$(wc -c < %t.dots.clustered)" -eq 3001

#include <unistd.h>

int main(void)
{
	char buf[64];

	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(1, buf, n) != n)
			return 1;
		for (ssize_t i = 0; i < n; i++)
			if (write(2, ".", 1) != 1)
				return 1;
	}
	return 0;
}
