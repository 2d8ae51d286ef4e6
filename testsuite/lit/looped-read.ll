; A loop around one call (while (read(fd, buf, N) > 0);): the k = 0 case of a whole loop,
; one looped multi-call of one entry. The read's result after the loop comes from the batch's
; exit or from the fallback loop.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-loop.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references)
; REMARK-NOT: SelfLoop

; CHECK-LABEL: define i64 @drain(
; CHECK: %mc.entries = alloca [1 x %struct.mc_entry], align 8
; CHECK: br label %mc.loop
; CHECK: mc.loop:
; CHECK: store i8 2, ptr
; Its buffer is live after the loop (no in-kernel copy), and it has no writes to merge: the
; runtime would not specialise it, so without the module it runs as the original loop.
; CHECK: %mc.pays = load atomic i32, ptr @multicall_batches_pay monotonic, align 4
; CHECK-NEXT: %mc.loop.declined = icmp eq i32 %mc.pays, 0
; CHECK-NEXT: br i1 %mc.loop.declined, label %mc.loop.fallback, label %mc.loop.call
; CHECK: mc.loop.call:
; CHECK-NEXT: %mc.loop.ret = call i64 @multicall_loop(ptr %mc.entries, i32 1, i64 4611686018427387904, ptr null)
; CHECK-NEXT: switch i64 %mc.loop.ret, label %mc.loop.fallback [
; CHECK-NEXT: i64 1, label %mc.loop.call
; CHECK-NEXT: i64 0, label %mc.loop.exit.0
; CHECK-NEXT: ]
; CHECK: mc.loop.fallback:
; CHECK-NEXT: br label %loop
; CHECK: mc.loop.exit.0:
; CHECK: %mc.loop.raw.0.0 = load i64, ptr
; CHECK-NEXT: %mc.loop.iserr.0 = icmp ugt i64 %mc.loop.raw.0.0, -4096
; CHECK-NEXT: br i1 %mc.loop.iserr.0, label %mc.loop.err.0, label %mc.loop.out.0
; CHECK: mc.loop.err.0:
; CHECK-NEXT: call ptr @__errno_location()
; CHECK: mc.loop.out.0:
; CHECK-NEXT: %mc.loop.x.0 = phi i64 [ %mc.loop.raw.0.0, %mc.loop.exit.0 ], [ -1, %mc.loop.err.0 ]
; CHECK-NEXT: br label %done
; The original loop, unchanged, entered only from the fallback.
; CHECK: loop:
; CHECK-SAME: preds = %mc.loop.fallback, %loop
; CHECK-NEXT: %n = call i64 @read(i32 %fd, ptr %buf, i64 4096)
; CHECK-NEXT: %more = icmp sgt i64 %n, 0
; CHECK-NEXT: br i1 %more, label %loop, label %done
; CHECK: done:
; CHECK-NEXT: %[[N:.*]] = phi i64 [ %mc.loop.x.0, %mc.loop.out.0 ], [ %n, %loop ]
; CHECK-NEXT: ret i64 %[[N]]
; CHECK: declare i64 @multicall_loop(ptr, i32, i64, ptr)

define i64 @drain(i32 %fd, ptr %buf) {
entry:
  br label %loop

loop:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %loop, label %done

done:
  ret i64 %n
}

declare i64 @read(i32, ptr, i64)
