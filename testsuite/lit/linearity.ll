; Condition 5, linearity: between two calls the path is a straight line whose branches are
; a stop predicate on the first call's result (r < 0, r <= 0, r > 0, r == -1, r != its length
; argument; several tests of the result together, stop-stacked.ll). In lin_two, r < 0 and
; r == 64, the whole length, leave: no stop predicate says that.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/lin.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks linearity: branch '%small = icmp slt i64 %n, 10' between 'read' at lin_other_test (no debug location) and 'write' at lin_other_test (no debug location) is not a stop predicate on the result of 'read'
; A branch on an argument tests no result: it is a guard (gap-guard.ll), the batch ending
; after the read when the flag sends the original off the path.
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: never, never; 0 result references); it goes on after read only when %flag is false
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks linearity: a second conditional branch between 'read' at lin_two (no debug location) and 'write' at lin_two (no debug location): a multi-call entry has one stop predicate
; The write of lin_loop sits in a loop of its own after the read: its first iteration is peeled
; (peel-loop.ll), and the first write joins the read.
; REMARK-DAG: remark: <unknown>:0:0: peeled the first iteration of the loop at block %again so that the first 'write' at lin_loop (no debug location) after 'read' at lin_loop (no debug location) does not enter the loop

; A write that follows itself: in lin_loop a loop whose counter bounds it (no looped multi-call), in
; lin_ok a call already in a straight multi-call.
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 15) breaks whole-loop legality: the result of 'write' at lin_loop (no debug location) is not tested on the way round the loop: every call of a looped batch must be able to stop it at its own predicate
; REMARK-DAG: remark: <unknown>:0:0: hot edge write -> write (weight 15) is a loop around one call, which is in the multi-call read -> write: not a looped multi-call of its own

; "r == -1 goes to the error path": stop when < 0.
; CHECK-LABEL: define i64 @lin_ok(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @lin_other_test(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @lin_flag(
; CHECK: %mc.guard.off = icmp eq i1 %flag, true
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @lin_two(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @lin_loop(
; CHECK: call i64 @multicall(
; CHECK: again:
; CHECK: call i64 @write(
; CHECK: ret i64

define i64 @lin_ok(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp eq i64 %n, -1
  br i1 %bad, label %fail, label %ok
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

define i64 @lin_other_test(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %small = icmp slt i64 %n, 10
  br i1 %small, label %fail, label %ok
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

define i64 @lin_flag(i32 %in, i32 %out, ptr %buf, i1 %flag) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  br i1 %flag, label %fail, label %ok
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

define i64 @lin_two(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %fail, label %check
check:
  %whole = icmp eq i64 %n, 64
  br i1 %whole, label %fail, label %ok
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

; The write sits in a loop of its own after the read: it may run many times per read.
define i64 @lin_loop(i32 %in, i32 %out, ptr %buf, i64 %times) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  br label %again
again:
  %i = phi i64 [ 0, %entry ], [ %i.next, %again ]
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %times
  br i1 %more, label %again, label %done
done:
  ret i64 %w
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
