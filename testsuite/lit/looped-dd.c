// GNU dd's copy loop in its own shape (testsuite/programs/ddcopy.c): iread's EINTR retry
// around process_signals and the read, iwrite's write-all loop that calls process_signals
// before each write, dd's two flags, and the records and bytes counted in file-scope
// variables that process_signals prints. The guard split makes both flag tests before each
// call of process_signals; the counters are kept in registers once (a loop seen again after
// a change of its shape keeps its variables where they are: no second copy round the loop);
// the write-all loop's first iteration is peeled; the start moves to the read. The loop is
// then one looped multi-call that reads both flags after the read (iwrite's tests, whose
// handler comes back to the write) and after each iteration, carrying the five counters,
// each stop resuming the original code (the read's retry, a short write).
//
// RUN: %clang -O2 -g -I%programs -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK-COUNT-1: kept 'w_bytes' in a register across the loop of 'read'
// REMARK-NOT: kept 'w_bytes' in a register
// REMARK: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries {{%[^ ]+}} (counter), {{%[^ ]+}} (counter), {{%[^ ]+}} (counter), {{%[^ ]+}} (counter), {{%[^ ]+}} (counter); the batch reads @interrupt_signal (not zero) after 'read' at ddcopy.c:{{[0-9]+}}:{{[0-9]+}}, then @info_signal_count (not zero) after 'read' at ddcopy.c:{{[0-9]+}}:{{[0-9]+}}, then @interrupt_signal (not zero), then @info_signal_count (not zero) after each iteration

// CHECK-LABEL: define {{.*}} @main(
// CHECK: call i64 @multicall_run_batch(

#include "ddcopy.c"
