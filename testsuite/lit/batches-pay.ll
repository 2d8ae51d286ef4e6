; A plain batch is built only while the runtime's multicall_batches_pay says it pays: at 0
; (no kernel module: the direct backend would make the same calls one at a time) the batch's
; result is -1, no entry ran, and every call runs as the original's own in its fallback
; block, in order, with its own errno. A batch of five writes or more is not gated: the
; direct backend may merge its writes into one writev (PLAIN_MERGE_MIN_WRITES).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/batches-pay.json>' \
; RUN:   -pass-remarks=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: clustered 2 system calls into one multi-call: write -> write
; REMARK-DAG: clustered 5 system calls into one multi-call: write -> write -> write -> write -> write

; CHECK: @multicall_batches_pay = external global i32, align 4

; CHECK-LABEL: define i32 @two_writes(
; CHECK: entry:
; CHECK-NEXT: %mc.entries = alloca [2 x %struct.mc_entry]
; CHECK-NEXT: %mc.pays = load atomic i32, ptr @multicall_batches_pay monotonic, align 4
; CHECK-NEXT: %mc.go = icmp ne i32 %mc.pays, 0
; CHECK-NEXT: br i1 %mc.go, label %mc.batch, label %mc.after
; CHECK: mc.batch:
; CHECK: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 2)
; CHECK: br label %mc.after
; CHECK: mc.after:
; CHECK-NEXT: %mc.ret.gated = phi i64 [ {{%mc.ret|%mc.done}}, %mc.batch ], [ -1, %entry ]
; CHECK-NEXT: %mc.ran.0 = icmp sge i64 %mc.ret.gated, 0
; CHECK-NEXT: br i1 %mc.ran.0, label %mc.use.0, label %mc.call.0
; CHECK: mc.call.0:
; CHECK-NEXT: call i64 @write(i32 %fd, ptr %a, i64 16)
; CHECK: %mc.ran.1 = icmp sge i64 %mc.ret.gated, 1
; CHECK: mc.call.1:
; CHECK-NEXT: call i64 @write(i32 %fd, ptr %b, i64 1)

; CHECK-LABEL: define i32 @five_writes(
; CHECK-NOT: @multicall_batches_pay
; CHECK: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 5)
; CHECK-NEXT: %mc.ran.0 = icmp sge i64 %mc.ret, 0
; CHECK-NOT: @multicall_batches_pay
; CHECK: ret i32 0

define i32 @two_writes(i32 %fd, ptr %a, ptr %b) {
entry:
  %w1 = call i64 @write(i32 %fd, ptr %a, i64 16)
  %short1 = icmp ne i64 %w1, 16
  br i1 %short1, label %fail, label %second
second:
  %w2 = call i64 @write(i32 %fd, ptr %b, i64 1)
  %bad2 = icmp slt i64 %w2, 0
  br i1 %bad2, label %fail, label %done
done:
  ret i32 0
fail:
  ret i32 -1
}

define i32 @five_writes(i32 %fd, ptr %a) {
entry:
  %w1 = call i64 @write(i32 %fd, ptr %a, i64 1)
  %w2 = call i64 @write(i32 %fd, ptr %a, i64 1)
  %w3 = call i64 @write(i32 %fd, ptr %a, i64 1)
  %w4 = call i64 @write(i32 %fd, ptr %a, i64 1)
  %w5 = call i64 @write(i32 %fd, ptr %a, i64 1)
  ret i32 0
}

declare i64 @write(i32, ptr nocapture readonly, i64)
