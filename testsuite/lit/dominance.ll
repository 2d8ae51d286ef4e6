; Condition 1, dominance: the first call of a pair must dominate the second.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fsync-close.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: fsync -> close (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: fsync -> close (weight 9) breaks dominance: 'fsync' at dom_fail (no debug location) does not dominate 'close' at dom_fail (no debug location)

; CHECK-LABEL: define i32 @dom_ok(
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)
; CHECK-LABEL: define i32 @dom_fail(
; CHECK-NOT: multicall
; CHECK: ret i32

define i32 @dom_ok(i32 %fd) {
  %s = call i32 @fsync(i32 %fd)
  %c = call i32 @close(i32 %fd)
  ret i32 %c
}

define i32 @dom_fail(i32 %fd, i1 %flag) {
entry:
  br i1 %flag, label %sync, label %end
sync:
  %s = call i32 @fsync(i32 %fd)
  br label %end
end:
  %c = call i32 @close(i32 %fd)
  ret i32 %c
}

declare i32 @fsync(i32)
declare i32 @close(i32)
