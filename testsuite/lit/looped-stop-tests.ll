; Several tests of a result on the way out of a loop whose arguments advance are evaluated
; again where the batch stops (legality/advance.rs, lower::looped::leave_by_tests), but only
; tests of values the stop knows: the results, the header's phis, values from before the
; loop. Here the second test is on a phi that joins pread's result with a value from code off
; the path (a clamp after the first test), which a stop cannot evaluate: the loop is refused
; with StopTestUnknown naming that test, and stays as it is (a straight multi-call per
; iteration).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/offsets.json>' \
; RUN:   -pass-remarks-missed=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: not clustered: pwrite -> pread (weight 98) breaks whole-loop legality: 'pread' at merged (no debug location) is tested several times on its way out of the loop, and 'br i1 %zero, label %done, label %write' cannot be evaluated again on the values of an iteration it stopped: only tests (conditional branches, switches) of integer arithmetic, casts and comparisons of the calls' results and the loop's phis can

; CHECK-LABEL: define i64 @merged(
; CHECK-NOT: @multicall_run_batch
; CHECK: call i64 @multicall(

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i64 @pread(i32, ptr, i64, i64)
declare i64 @pwrite(i32, ptr, i64, i64)
declare i32 @clamp_note()

define i64 @merged(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop

loop:
  %off = phi i64 [ 0, %entry ], [ %off.next, %latch ]
  %n = call i64 @pread(i32 %in, ptr %buf, i64 4096, i64 %off)
  %neg = icmp slt i64 %n, 0
  br i1 %neg, label %clamp, label %merge

clamp:
  %c = call i32 @clamp_note()
  br label %merge

merge:
  %m = phi i64 [ %n, %loop ], [ 0, %clamp ]
  %zero = icmp eq i64 %m, 0
  br i1 %zero, label %done, label %write

write:
  %w = call i64 @pwrite(i32 %out, ptr %buf, i64 %n, i64 %off)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %latch

latch:
  %off.next = add i64 %off, %n
  br label %loop

fail:
  ret i64 -2

done:
  ret i64 %off
}
