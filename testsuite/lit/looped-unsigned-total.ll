; gzip's fill_inbuf after its read_buffer is inlined at link time, as the pass sees it (no
; instcombine after the inlining): an `unsigned` total (its step `add` without nsw), the count
; `INBUFSIZ - insize` clamped to INT_MAX (`llvm.umin`), the result tested by a `switch` (0
; breaks, -1 fails) and the loop going round while `insize < INBUFSIZ` (unsigned). The total
; cannot wrap: each read returns at most its count, `INBUFSIZ - insize`; the clamp is the
; count itself, which is at most INBUFSIZ; and both sides of the unsigned test are in
; `0 ..= INBUFSIZ`. One looped multi-call. Refused: a clamp below the buffer's size (the count
; is then not what is left of the buffer).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fill-inbuf.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %got (total of read's results); advances %at (argument 1 of read, up by read's result), %count (argument 2 of read, down by read's result) until %count <= 0
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 180) breaks whole-loop legality: '%left = sub nuw nsw i32 16384, %got' runs in the loop's header before 'read' at fill_clamped_low (no debug location)
; REMARK-DAG: 1 syscall-cluster - Number of looped multi-calls (whole loops)

; The batch's count starts at INBUFSIZ - insize, extended as the original extends it; the
; unsigned test decides after a batch that ran to the end.
; CHECK-LABEL: define i32 @fill_unsigned(
; CHECK: call i64 @multicall_run_batch(
; CHECK-LABEL: define i32 @fill_clamped_low(
; CHECK-NOT: multicall
; CHECK-LABEL: declare

@inbuf = internal global [16384 x i8] zeroinitializer

declare i64 @read(i32, ptr, i64)

define i32 @fill_unsigned(i32 %fd) {
entry:
  br label %loop

loop:
  %got = phi i32 [ 0, %entry ], [ %got.next, %more ]
  %got.wide = zext nneg i32 %got to i64
  %at = getelementptr inbounds i8, ptr @inbuf, i64 %got.wide
  %left = sub nuw nsw i32 16384, %got
  %clamped = call i32 @llvm.umin.i32(i32 %left, i32 2147483647)
  %count = zext nneg i32 %clamped to i64
  %n = call i64 @read(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  switch i32 %n32, label %more [
    i32 0, label %eof
    i32 -1, label %fail
  ]

more:
  %got.next = add i32 %got, %n32
  %again = icmp ult i32 %got.next, 16384
  br i1 %again, label %loop, label %full

eof:
  ret i32 %got

fail:
  ret i32 -1

full:
  ret i32 %got.next
}

; A clamp below what is left: the count is not `16384 - got`, so the total may pass it.
define i32 @fill_clamped_low(i32 %fd) {
entry:
  br label %loop

loop:
  %got = phi i32 [ 0, %entry ], [ %got.next, %more ]
  %got.wide = zext nneg i32 %got to i64
  %at = getelementptr inbounds i8, ptr @inbuf, i64 %got.wide
  %left = sub nuw nsw i32 16384, %got
  %clamped = call i32 @llvm.umin.i32(i32 %left, i32 4096)
  %count = zext nneg i32 %clamped to i64
  %n = call i64 @read(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  switch i32 %n32, label %more [
    i32 0, label %eof
    i32 -1, label %fail
  ]

more:
  %got.next = add i32 %got, %n32
  %again = icmp ult i32 %got.next, 16384
  br i1 %again, label %loop, label %full

eof:
  ret i32 %got

fail:
  ret i32 -1

full:
  ret i32 %got.next
}

declare i32 @llvm.umin.i32(i32, i32)
