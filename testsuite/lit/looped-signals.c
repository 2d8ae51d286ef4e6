// Signals during a looped multi-call: testsuite/programs/copysig.c (copy.c with a SIGALRM
// handler, SA_RESTART, every 2 ms) at 512-byte blocks, so that the whole copy loop runs as
// one looped batch while signals arrive. The runtime ends a batch with a signal pending at an
// iteration's start (or restarts an interrupted call), the lowered code calls it again, and
// the handler runs in between: the copy is exact, the handler ran, and the program prints and
// exits like the original, on every backend the runtime offers here. MULTICALL_COPY=0 keeps
// the runtime from running the loop as an in-kernel copy, so that the looped batch itself
// meets the signals.
//
// REQUIRES: multicall
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clang -O2 -g -DN=512 -I%programs %s -o %t/orig
// RUN: %clang-cluster -O2 -g -DN=512 -I%programs %s -o %t/clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/copy-loop.json -Rpass=syscall-cluster 2> %t/remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t/remarks
// RUN: head -c 4194304 /dev/urandom > %t/in
// RUN: %t/orig %t/in %t/out.orig > %t/orig.log 2>&1; echo "exit $?" >> %t/orig.log
// RUN: env MULTICALL_COPY=0 %t/clustered %t/in %t/out.auto > %t/auto.log 2>&1; echo "exit $?" >> %t/auto.log
// RUN: env MULTICALL_COPY=0 MULTICALL_BACKEND=direct %t/clustered %t/in %t/out.direct > %t/direct.log 2>&1; echo "exit $?" >> %t/direct.log
// RUN: cmp %t/in %t/out.orig
// RUN: cmp %t/in %t/out.auto
// RUN: cmp %t/in %t/out.direct
// RUN: diff %t/orig.log %t/auto.log
// RUN: diff %t/orig.log %t/direct.log
// RUN: FileCheck %s < %t/auto.log
// With in-kernel copies allowed (the buffer is dead after the loop) the copy is exact too; it
// may end before the first tick, so only the file and the exit status are compared.
// RUN: %t/clustered %t/in %t/out.copy > %t/copy.log 2>&1; echo "exit $?" >> %t/copy.log
// RUN: cmp %t/in %t/out.copy
// RUN: tail -n 1 %t/copy.log | FileCheck %s --check-prefix=EXIT
// EXIT: exit 0

// REMARK: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)

// CHECK: the handler ran
// CHECK-NEXT: exit 0
#include <stdio.h>

#define COPYSIG_MAIN copysig_main
#include "copysig.c"

int main(int argc, char *argv[])
{
	int status = copysig_main(argc, argv);

	printf("the handler %s\n", ticks > 0 ? "ran" : "did not run");
	return status;
}
