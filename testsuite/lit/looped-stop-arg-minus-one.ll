; A loop that writes a record until a write does not take all of it: `for (;;) if
; (write(fd, rec, len) != len) break;`. The batch's stop `result != argument 2` fires on
; every error (MC_STOP_NE_ARG), and the exit leaves the loop without asking the test again.
; The original compares a failed call's -1 with `len`, and goes round when they are equal,
; so a `len` that is negative (a size_t parameter of 2^64 - 1) must not run the batch: the
; lowering tests it before the first batch and runs the original loop instead. Each of the
; three loops is one looped multi-call; where the length is a zero extension or a constant
; the guard folds away.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/write-self.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-COUNT-3: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result != argument 2; 0 result references)
; REMARK-NOT: not clustered

; CHECK-LABEL: define void @any_len(
; CHECK: store i64 %len,
; CHECK: %mc.loop.declined = icmp eq i32 %mc.pays, 0
; CHECK-NEXT: %mc.negarg = icmp slt i64 %len, 0
; CHECK-NEXT: %mc.loop.original = or i1 %mc.negarg, %mc.loop.declined
; CHECK-NEXT: br i1 %mc.loop.original, label %mc.loop.fallback, label %mc.loop.call
; CHECK: mc.loop.call:
; CHECK-NEXT: call i64 @multicall_loop
; CHECK: mc.loop.fallback:
; CHECK-NEXT: br label %loop
; CHECK: loop:
; CHECK-NEXT: %w = call i64 @write(i32 %fd, ptr %rec, i64 %len)
; CHECK: ret void
; CHECK-LABEL: define void @len32(
; CHECK: call i64 @multicall_loop
; CHECK: ret void
; CHECK-LABEL: define void @len_const(
; CHECK-NOT: mc.negarg
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
