// A copy loop that, after each block it writes, reads as many bytes back from another
// descriptor until it has them all (`read(3, back + got, n - got)`). The read-until-full
// loop is one looped multi-call whose length `n - got` is derived from `n`, the result of
// the copy's read; that read is lowered first, in the straight multi-call read -> write,
// which replaces its result with the multi-call's. The derived length must be built from
// what stands for the read now (`lower::lower_all` gives every later use of a replaced
// call the value standing for it): built from the old call, whose result does not reach the
// loop any more, the module did not verify and the pass left it without clusters.
//
// RUN: %clang -O2 -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/clamped.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// REMARK-NOT: internal error
// REMARK: clustered 2 system calls into one multi-call: read -> write
// REMARK: clustered the whole loop into one looped multi-call: read {{.*}}advances {{.*}}(argument 1 of read, up by read's result), {{.*}}(argument 2 of read, down by read's result)
// REMARK-NOT: internal error
//
// Both builds copy and compare the same: descriptor 3 the same file, a shorter one, an
// empty one, and closed; on every host backend.
// REQUIRES: multicall
// RUN: %clang -O2 %s -o %t.orig
// RUN: %clang-cluster -O2 %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/clamped.json
// RUN: head -c 300001 /dev/urandom > %t.in && head -c 200000 %t.in > %t.short && : > %t.empty
// RUN: for back in %t.in %t.short %t.empty; do for be in direct io_uring auto; do \
// RUN:   %t.orig < %t.in > %t.copy.orig 2> %t.err.orig 3< $back; echo "status $?" >> %t.err.orig; \
// RUN:   MULTICALL_BACKEND=$be %t.clustered < %t.in > %t.copy.clustered 2> %t.err.clustered 3< $back; \
// RUN:   echo "status $?" >> %t.err.clustered; \
// RUN:   cmp %t.err.orig %t.err.clustered && cmp %t.copy.orig %t.copy.clustered || exit 1; \
// RUN: done; done
// RUN: %t.orig < %t.in > /dev/null 2> %t.err.orig 3<&-; echo "status $?" >> %t.err.orig
// RUN: %t.clustered < %t.in > /dev/null 2> %t.err.clustered 3<&-; echo "status $?" >> %t.err.clustered
// RUN: cmp %t.err.orig %t.err.clustered
// RUN: %t.clustered < %t.in 2>&1 > /dev/null 3< %t.in | FileCheck %s --check-prefix=OUT
// OUT: readback: 300001 bytes, 0 differ

#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char out[4096], back[4096];
	long total = 0, differ = 0;

	for (;;) {
		ssize_t n = read(0, out, sizeof out);
		if (n <= 0)
			break;
		if (write(1, out, n) != n)
			break;
		ssize_t got = 0;
		while (got < n) {
			ssize_t r = read(3, back + got, n - got);
			if (r <= 0) {
				perror("readback: read back");
				fprintf(stderr, "readback: %ld bytes, %ld differ\n", total, differ);
				return 1;
			}
			got += r;
		}
		for (ssize_t i = 0; i < n; i++)
			differ += out[i] != back[i];
		total += n;
	}
	fprintf(stderr, "readback: %ld bytes, %ld differ\n", total, differ);
	return 0;
}
