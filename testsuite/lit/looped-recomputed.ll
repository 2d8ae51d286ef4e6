; Values computed in a looped batch's loop from the calls' results and the header's phis,
; used after the loop (legality/advance.rs `recomputed_after`, Tested::recomputed): the code
; after a read-until-full loop tests again whether the input ended, and clang reuses the
; loop's own `r == 0`. The lowering computes it again at each way out, from the results of
; the iteration that left: the stop at the read (its tests asked again) and the latch's
; exit after a batch that ran to the end.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); advances %p (argument 1 of read, up by read's result), %left (argument 2 of read, down by read's result) until %left == 0

; CHECK-LABEL: define i32 @fill(
; CHECK: mc.adv.until:
; CHECK: %[[LAST:mc.adv.last.0[0-9]*]] = load i64,
; CHECK: %[[UNTIL:eof[0-9]+]] = icmp eq i64 %[[LAST]], 0
; CHECK: mc.adv.out.0:
; CHECK: %[[STOPPED:eof[0-9]+]] = icmp eq i64 %mc.adv.x.0, 0
; CHECK: out:
; CHECK-NEXT: %[[AFTER:eof[0-9]+]] = phi i1 [ %eof, %got ], [ %eof, %latch ], [ %[[STOPPED]], %mc.loop.test.1 ], [ %[[UNTIL]], %mc.adv.until ]
; CHECK: br i1 %[[AFTER]], label %short, label %full

; Reads until `len` bytes are in or the input ends; the code after the loop tests again
; whether it ended (clang reuses the loop's `r == 0`).
define i32 @fill(i32 %in, ptr %buf, i64 %len) {
entry:
  br label %loop

loop:
  %p = phi ptr [ %buf, %entry ], [ %p.next, %latch ]
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %r = call i64 @read(i32 %in, ptr %p, i64 %left)
  %neg = icmp slt i64 %r, 0
  br i1 %neg, label %fail, label %got

got:
  %eof = icmp eq i64 %r, 0
  br i1 %eof, label %out, label %latch

latch:
  %p.next = getelementptr inbounds i8, ptr %p, i64 %r
  %left.next = sub i64 %left, %r
  %more = icmp ne i64 %left.next, 0
  br i1 %more, label %loop, label %out

out:
  %rest = phi i64 [ %left, %got ], [ 0, %latch ]
  call void @report(i64 %rest)
  br i1 %eof, label %short, label %full

short:
  ret i32 1

full:
  ret i32 0

fail:
  ret i32 -1
}

declare i64 @read(i32, ptr, i64)
declare void @report(i64)
