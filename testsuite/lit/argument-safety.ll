; Condition 4, argument safety: every argument of a later call is a constant, a value known
; before the region, or the result of an earlier call of it (a result reference, which needs
; errors of that call to stop the batch: the original passes -1, a reference the raw -errno).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/args.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: dup -> close (stop: result < 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks argument safety: argument 2 of 'write' at args_computed (no debug location) ('%half = lshr i64 %n, 1') is computed after 'read' at args_computed (no debug location): it is neither a constant, a value known before the region, nor a result of an earlier call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: dup -> close (weight 3) breaks argument safety: argument 0 of 'close' at args_unchecked_ref (no debug location) is the result of 'dup' at args_unchecked_ref (no debug location), but an error of that call does not stop the batch (the original passes -1, a result reference the raw error)

; Constants, values from before the region (%out, %buf) and the read's result (a reference).
; CHECK-LABEL: define i64 @args_ok(
; CHECK: store i16 4, ptr
; CHECK: call i64 @multicall(
; The descriptor dup returns, passed on by reference (refs bit 0, entry 0).
; CHECK-LABEL: define i32 @args_ref(
; CHECK: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 0
; CHECK-NEXT: store i64 0, ptr
; CHECK: store i16 1, ptr
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @args_computed(
; CHECK-NOT: multicall
; CHECK-LABEL: define i32 @args_unchecked_ref(
; CHECK-NOT: multicall
; CHECK: ret i32

define i64 @args_ok(i32 %in, i32 %out) {
entry:
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
done:
  ret i64 %n
}

define i32 @args_ref() {
entry:
  %fd = call i32 @dup(i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
fail:
  ret i32 -1
ok:
  %c = call i32 @close(i32 %fd)
  ret i32 %c
}

define i64 @args_computed(i32 %in, i32 %out) {
entry:
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %half = lshr i64 %n, 1
  %w = call i64 @write(i32 %out, ptr %buf, i64 %half)
  ret i64 %w
done:
  ret i64 %n
}

define i32 @args_unchecked_ref() {
  %fd = call i32 @dup(i32 0)
  %c = call i32 @close(i32 %fd)
  ret i32 %c
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare i32 @dup(i32)
declare i32 @close(i32)
