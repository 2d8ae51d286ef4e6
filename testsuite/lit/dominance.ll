; Condition 1, dominance: the first call of a pair must dominate the second. Where the second
; can also be reached without the first (a join), tail duplication (transform/duplicate.rs)
; copies the path from the join on, so that the copy has no other way in; a path it may not
; copy (through a loop's header) stays refused.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fsync-close.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: copied 1 block on the path from 'fsync' at dom_join (no debug location) to 'close' at dom_join (no debug location) so that the hot edge fsync -> close (weight 9) has a path of its own: close can also be reached without fsync
; REMARK-DAG: remark: <unknown>:0:0: the path from 'fsync' at dom_loop (no debug location) to 'close' at dom_loop (no debug location) (hot edge weight 9) was not copied: a block of the path heads a loop: a copy would give the loop a second entry
; REMARK-DAG: remark: <unknown>:0:0: not clustered: fsync -> close (weight 9) breaks dominance: 'fsync' at dom_loop (no debug location) does not dominate 'close' at dom_loop (no debug location)

; CHECK-LABEL: define i32 @dom_ok(
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)
; The join's copy on the path from fsync: one multi-call; the original close stays a call.
; CHECK-LABEL: define i32 @dom_join(
; CHECK: sync:
; CHECK: call i64 @multicall(ptr %{{.*}}, i32 2)
; CHECK: end:
; CHECK-NEXT: %c = call i32 @close(i32 %fd)
; CHECK-LABEL: define i32 @dom_loop(
; CHECK-NOT: multicall
; CHECK: ret i32

define i32 @dom_ok(i32 %fd) {
  %s = call i32 @fsync(i32 %fd)
  %c = call i32 @close(i32 %fd)
  ret i32 %c
}

define i32 @dom_join(i32 %fd, i1 %flag) {
entry:
  br i1 %flag, label %sync, label %end
sync:
  %s = call i32 @fsync(i32 %fd)
  br label %end
end:
  %c = call i32 @close(i32 %fd)
  ret i32 %c
}

define i32 @dom_loop(i32 %fd, i1 %flag, i32 %n) {
entry:
  br i1 %flag, label %sync, label %loop
sync:
  %s = call i32 @fsync(i32 %fd)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ 0, %sync ], [ %next, %loop ]
  %c = call i32 @close(i32 %fd)
  %next = add i32 %i, 1
  %more = icmp slt i32 %next, %n
  br i1 %more, label %loop, label %exit
exit:
  ret i32 %c
}

declare i32 @fsync(i32)
declare i32 @close(i32)
