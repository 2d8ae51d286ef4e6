; Condition 3, convexity: a path that leaves the region between two calls must never come
; back to a later call of it (else that code would have to run inside the multi-call).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks convexity: both ways of this branch lead to 'write' at conv_rejoin (no debug location): the code on one of them (block %log or %join) would have to be part of the region
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks convexity: the path leaving at block %retry comes back to block %ok before 'write' at conv_back (no debug location): that code would have to be part of the region

; The error path returns: off the path, so the pair clusters with "stop when < 0".
; CHECK-LABEL: define i64 @conv_ok(
; CHECK: store i8 1, ptr
; CHECK: call i64 @multicall(
; The error handler logs and continues to the write: refused.
; CHECK-LABEL: define i64 @conv_rejoin(
; CHECK-NOT: multicall
; The error handler may retry the write: refused.
; CHECK-LABEL: define i64 @conv_back(
; CHECK-NOT: multicall
; CHECK: ret i64

define i64 @conv_ok(i32 %in, i32 %out) {
entry:
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %fail, label %ok
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

define i64 @conv_rejoin(i32 %in, i32 %out) {
entry:
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %log, label %join
log:
  %l = call i32 @log(i64 %n)
  br label %join
join:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

define i64 @conv_back(i32 %in, i32 %out, i1 %again) {
entry:
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %retry, label %ok
retry:
  %l = call i32 @log(i64 %n)
  br i1 %again, label %ok, label %quit
quit:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare i32 @log(i64)
