; Condition 3, convexity: a path that leaves the region between two calls must never come
; back to a later call of it (else that code would have to run inside the multi-call). Where
; the way that stays on the path does nothing a multi-call cannot skip, the pass copies the
; blocks from the join on for it (paper section 3.3.2, `transform/duplicate.rs`,
; `run_rejoined`): the handler's way then leaves for good, into the original blocks, and the
; pair clusters with its test as the stop predicate.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: copied 1 block on the quiet path from 'read' at conv_rejoin (no debug location) to 'write' at conv_rejoin (no debug location) so that the hot edge read -> write (weight 20) is a path of its own: the way off it that came back to it (an error handler joining the common code) now leaves for good, into the original blocks
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: copied 1 block on the quiet path from 'read' at conv_back (no debug location) to 'write' at conv_back (no debug location) so that the hot edge read -> write (weight 20) is a path of its own: the way off it that came back to it (an error handler joining the common code) now leaves for good, into the original blocks
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result < 0, never; 0 result references)
; The read's failure test, which its length decides, is followed the way a whole read takes;
; the other way comes back before the write.
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks convexity: the path leaving at block %log comes back to block %join before 'write' at conv_both (no debug location): that code would have to be part of the region

; The error path returns: off the path, so the pair clusters with "stop when < 0".
; CHECK-LABEL: define i64 @conv_ok(
; CHECK: store i8 1, ptr
; CHECK: call i64 @multicall(
; The error handler logs and continues to the write: the write's block is copied for the
; way past the handler, which the batch takes; a failed read stops the batch, and the
; original blocks log and write.
; CHECK-LABEL: define i64 @conv_rejoin(
; CHECK: call i64 @multicall(
; CHECK: br i1 %bad, label %log, label %join.dup
; CHECK: log:
; CHECK-NEXT: call i32 @log(
; CHECK-NEXT: br label %join
; CHECK: join:
; CHECK-NEXT: call i64 @write(
; CHECK: join.dup:
; CHECK-NEXT: %mc.ran.1 = icmp sge i64 %mc.ret.gated, 1
; The error handler may retry the write: the same, the retry's way into the original write.
; CHECK-LABEL: define i64 @conv_back(
; CHECK: call i64 @multicall(
; CHECK: br i1 %bad, label %retry, label %ok.dup
; CHECK: retry:
; CHECK: br i1 %again, label %ok, label %quit
; Both ways call a function before the write: no way is quiet, nothing is copied.
; CHECK-LABEL: define i64 @conv_both(
; CHECK-NOT: multicall
; CHECK-NOT: .dup
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

define i64 @conv_both(i32 %in, i32 %out) {
entry:
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %log, label %note
log:
  %l = call i32 @log(i64 %n)
  br label %join
note:
  %m = call i32 @log(i64 0)
  br label %join
join:
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare i32 @log(i64)
