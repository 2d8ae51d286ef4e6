; A read -> write pair in a copy loop: one multi-call per iteration, the write's length a
; result reference to the read, errno set where each call set it, the checks unchanged.
; (With the back edge write -> read hot too, the whole loop is one looped multi-call:
; looped-copy.ll. min-weight=557 leaves it out here.)
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json;min-weight=557>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)

; CHECK: %struct.mc_entry = type { i32, i8, i8, i16, [6 x i64], i64 }
; CHECK: @multicall_batches_pay = external global i32, align 4
; CHECK-LABEL: define i32 @copy(
; CHECK: %mc.entries = alloca [2 x %struct.mc_entry], align 8
; CHECK: loop:
; The batch is built only while the runtime says a plain batch pays (without the module it
; would make the same calls one at a time): at 0 every call runs in its fallback block.
; CHECK: %mc.pays = load atomic i32, ptr @multicall_batches_pay monotonic, align 4
; CHECK-NEXT: %mc.go = icmp ne i32 %mc.pays, 0
; CHECK-NEXT: br i1 %mc.go, label %mc.batch, label %mc.after
; CHECK: mc.batch:
; Entry 0: read(in, buf, 4096), stop when result <= 0.
; CHECK: store i32 0, ptr
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr
; Entry 1: write(out, buf, <result of entry 0>): refs bit 2, argument 2 is entry index 0.
; CHECK: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 2
; CHECK-NEXT: store i64 0, ptr
; CHECK: store i32 1, ptr
; CHECK: store i16 4, ptr
; CHECK: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 2)
; CHECK-NEXT: br label %mc.after
; CHECK: mc.after:
; CHECK-NEXT: %mc.ret.gated = phi i64 [ %mc.ret, %mc.batch ], [ -1, %loop ]
; The read's result at its own position: from the batch, or the call itself as a fallback.
; CHECK-NEXT: %mc.ran.0 = icmp sge i64 %mc.ret.gated, 0
; CHECK-NEXT: br i1 %mc.ran.0, label %mc.use.0, label %mc.call.0
; CHECK: mc.use.0:
; CHECK: %mc.raw.0 = load i64, ptr
; CHECK-NEXT: %mc.iserr.0 = icmp ugt i64 %mc.raw.0, -4096
; CHECK: mc.err.0:
; CHECK-NEXT: call ptr @__errno_location()
; CHECK-NEXT: sub i64 0, %mc.raw.0
; CHECK-NEXT: trunc i64
; CHECK-NEXT: store i32
; CHECK: mc.call.0:
; CHECK-NEXT: call i64 @read(i32 %in, ptr %buf, i64 4096)
; CHECK: %mc.result.0 = phi i64 [ %mc.raw.0, %mc.use.0 ], [ -1, %mc.err.0 ], [ {{.*}}, %mc.call.0 ]
; The original check, on the handed-out value.
; CHECK-NEXT: %more = icmp sgt i64 %mc.result.0, 0
; CHECK-NEXT: br i1 %more, label %body, label %done
; CHECK: body:
; CHECK-NEXT: %mc.ran.1 = icmp sge i64 %mc.ret.gated, 1
; CHECK: mc.call.1:
; CHECK-NEXT: call i64 @write(i32 %out, ptr %buf, i64 %mc.result.0)
; CHECK: %mc.result.1 = phi i64
; CHECK-NEXT: %short = icmp ne i64 %mc.result.1, %mc.result.0
; CHECK-NEXT: br i1 %short, label %fail, label %loop
; CHECK: declare i64 @multicall(ptr, i32)
; CHECK: declare ptr @__errno_location()

define i32 @copy(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  br label %loop

loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done

body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop

fail:
  ret i32 1

done:
  %err = icmp slt i64 %n, 0
  %r = zext i1 %err to i32
  ret i32 %r
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
