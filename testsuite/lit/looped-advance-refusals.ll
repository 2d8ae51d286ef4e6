; Write-all and read-until-full loops that stay refused, each with the missed remark naming
; what stops it: a test against another bound than 0, a step that
; is not a result, a store on the way round, a stop on a short write, and gzip's fill_inbuf form (read(fd, buf + got,
; size - got)) with a signed test and a count that may wrap (with an unsigned test and a
; total from 0 it is taken: looped-offset-totals.ll).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: the loop's test '%go = icmp sgt i64 %left, 10' does not compare an advancing 64-bit argument with 0, nor a counter with a bound, nor a clamped total with a value below its clamp, nor a total with a limit
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: argument %left changes from one iteration to the next: its step '%twice = add i64 %n, %n' is not the 64-bit result of a call of the loop: a looped batch advances an argument only by a result of the same iteration
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: 'store i64 %left.next, ptr %progress, align 4' runs on the way round the loop after the last call: only integer and address arithmetic, comparisons and the branches of a stop predicate and the loop's test may
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 299) breaks whole-loop legality: the loop's test '%more = icmp slt i64 %got.next, %size' does not compare an advancing 64-bit argument with 0, nor a counter with a bound, nor a clamped total with a value below its clamp, nor a total with a limit
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: argument %left changes from one iteration to the next: '%short = icmp ne i64 %n, %left' uses %left in the loop: a looped batch advances an argument only by a result of the same iteration
; REMARK-DAG: 0 syscall-cluster - Number of looped multi-calls (whole loops)

; CHECK-NOT: @multicall_run_batch

; The loop goes on while more than 10 bytes are left: no until bit says that.
define i64 @test_not_zero(i32 %fd, ptr %buf, i64 %len) {
entry:
  br label %loop
loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %body ]
  %p = phi ptr [ %buf, %entry ], [ %p.next, %body ]
  %go = icmp sgt i64 %left, 10
  br i1 %go, label %body, label %out
body:
  %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %n, -1
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %left.next = sub i64 %left, %n
  br i1 %ok, label %loop, label %out
out:
  ret i64 %left
}

; The count goes down by twice the result.
define i64 @scaled(i32 %fd, ptr %buf, i64 %len) {
entry:
  br label %loop
loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %body ]
  %p = phi ptr [ %buf, %entry ], [ %p.next, %body ]
  %go = icmp ne i64 %left, 0
  br i1 %go, label %body, label %out
body:
  %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %n, -1
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %twice = add i64 %n, %n
  %left.next = sub i64 %left, %twice
  br i1 %ok, label %loop, label %out
out:
  ret i64 %left
}

; Rotated, with a store of the progress in the latch.
define i64 @store_in_latch(i32 %fd, ptr %buf, i64 %len, ptr %progress) {
entry:
  br label %loop
loop:
  %left = phi i64 [ %left.next, %latch ], [ %len, %entry ]
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %n, -1
  br i1 %ok, label %latch, label %out
latch:
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %left.next = sub nsw i64 %left, %n
  store i64 %left.next, ptr %progress
  %more = icmp sgt i64 %left.next, 0
  br i1 %more, label %loop, label %out
out:
  ret i64 0
}

; The count without nsw: `size - got` may wrap, and then `got < size` is not its `> 0`.
define i64 @fill_wrapping(i32 %fd, ptr %buf, i64 %size) {
entry:
  br label %loop
loop:
  %got = phi i64 [ 0, %entry ], [ %got.next, %latch ]
  %at = getelementptr inbounds i8, ptr %buf, i64 %got
  %room = sub i64 %size, %got
  %n = call i64 @read(i32 %fd, ptr %at, i64 %room)
  %stop = icmp slt i64 %n, 1
  br i1 %stop, label %out, label %latch
latch:
  %got.next = add i64 %n, %got
  %more = icmp slt i64 %got.next, %size
  br i1 %more, label %loop, label %out
out:
  %r = phi i64 [ %got, %loop ], [ %got.next, %latch ]
  ret i64 %r
}

; A short write ends the loop (`n != left`): the batch would compare with the advanced count.
define i64 @short_stops(i32 %fd, ptr %buf, i64 %len) {
entry:
  br label %loop
loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %body ]
  %p = phi ptr [ %buf, %entry ], [ %p.next, %body ]
  %go = icmp ne i64 %left, 0
  br i1 %go, label %body, label %out
body:
  %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %short = icmp ne i64 %n, %left
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %left.next = sub i64 %left, %n
  br i1 %short, label %out, label %loop
out:
  ret i64 %left
}

declare i64 @write(i32, ptr, i64)
declare i64 @read(i32, ptr, i64)
