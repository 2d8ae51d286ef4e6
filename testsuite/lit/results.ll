; Results: a later multi-call may take an earlier one's result as an ordinary argument (it is
; then the value handed out at the earlier call's position); a test of a truncated result
; (`int n = read(...)`) is a stop predicate while the result surely fits in 32 bits, as every
; transfer's does whatever its length (the kernel cuts each to MAX_RW_COUNT, below 2^31).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/results.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: dup -> fsync (stop: result < 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> close (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 0 result references)

; CHECK-LABEL: define i32 @two_regions(
; CHECK: %mc.result.0 = phi i32
; The second multi-call's descriptor is the dup's handed-out result.
; CHECK: %[[FD:[0-9]+]] = sext i32 %mc.result.0 to i64
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries{{[0-9]*}}, i64 0, i64 0, i32 4, i32 0
; CHECK-NEXT: store i64 %[[FD]], ptr
; CHECK-LABEL: define i32 @trunc_bounded(
; CHECK: call i64 @multicall(
; A length no `int` bounds: the result still fits, and the test is its stop predicate.
; CHECK-LABEL: define i32 @trunc_unbounded(
; CHECK: call i64 @multicall(

define i32 @two_regions(ptr %p) {
entry:
  %fd = call i32 @dup(i32 1)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %s = call i32 @fsync(i32 %fd)
  %l = call i32 @log(i32 %s)
  %w = call i64 @write(i32 %fd, ptr %p, i64 3)
  %c = call i32 @close(i32 %fd)
  ret i32 %c
fail:
  ret i32 -1
}

define i32 @trunc_bounded(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %t = trunc i64 %n to i32
  %more = icmp sgt i32 %t, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i32 0
done:
  ret i32 %t
}

define i32 @trunc_unbounded(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 %len)
  %t = trunc i64 %n to i32
  %more = icmp sgt i32 %t, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i32 0
done:
  ret i32 %t
}

declare i32 @dup(i32)
declare i32 @fsync(i32)
declare i32 @close(i32)
declare i32 @log(i32)
declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
