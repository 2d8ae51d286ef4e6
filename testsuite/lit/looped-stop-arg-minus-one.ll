; A loop that writes a record until a write does not take all of it: `for (;;) if
; (write(fd, rec, len) != len) break;`. The batch's stop `result != argument 2` fires on
; every error (MC_STOP_NE_ARG), and the exit leaves the loop without asking the test again.
; The original compares a failed call's -1 with `len`, and goes round when they are equal:
; a `len` that may be -1 (a size_t parameter, 2^64 - 1) is refused with a remark that says
; so. A length zero-extended from 32 bits, or a constant, cannot be -1: that loop is one
; looped multi-call.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/write-self.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: argument 2 of 'write' at any_len (no debug location) may be -1: a failed call's -1 would equal it and the original would go on, but the batch leaves the loop at every error
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result != argument 2; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result != argument 2; 0 result references)

; CHECK-LABEL: define void @any_len(
; CHECK-NOT: multicall
; CHECK: ret void
; CHECK-LABEL: define void @len32(
; CHECK: call i64 @multicall_loop
; CHECK: ret void
; CHECK-LABEL: define void @len_const(
; CHECK: call i64 @multicall_loop
; CHECK: ret void

declare i64 @write(i32, ptr, i64)

define void @any_len(i32 %fd, ptr %rec, i64 %len) {
entry:
  br label %loop

loop:
  %w = call i64 @write(i32 %fd, ptr %rec, i64 %len)
  %full = icmp eq i64 %w, %len
  br i1 %full, label %loop, label %done

done:
  ret void
}

define void @len32(i32 %fd, ptr %rec, i32 %len32) {
entry:
  %len = zext i32 %len32 to i64
  br label %loop

loop:
  %w = call i64 @write(i32 %fd, ptr %rec, i64 %len)
  %full = icmp eq i64 %w, %len
  br i1 %full, label %loop, label %done

done:
  ret void
}

define void @len_const(i32 %fd, ptr %rec) {
entry:
  br label %loop

loop:
  %w = call i64 @write(i32 %fd, ptr %rec, i64 512)
  %full = icmp eq i64 %w, 512
  br i1 %full, label %loop, label %done

done:
  ret void
}
