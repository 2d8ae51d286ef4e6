; Loops that keep what is done as an offset total and compute their arguments from it
; (`p + done`, `size - done`), ended by the count reaching 0 (legality/advance.rs,
; `count_test`): tested at the top (`top`, unsigned; `top_signed`, signed with `sub nsw`),
; and rotated by clang with the total starting at 0 (`rotated`, `fill_unsigned` without a
; guard before the loop), whose error exit hands out
; `size - done` (computed again from the total where the batch stops). Refused: a rotated
; loop whose total starts elsewhere (`rotated_from`: the count may have wrapped on entry), a
; signed test whose `sub` may overflow (`top_signed_wrap`), and a `recv` with `MSG_TRUNC`,
; which may return more than it was asked for (`recv_trunc`).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/offset-totals.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %done (total of write's results); advances %at (argument 1 of write, up by write's result), %count (argument 2 of write, down by write's result) until %count == 0
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %sdone (total of write's results); advances %sat (argument 1 of write, up by write's result), %scount (argument 2 of write, down by write's result) until %scount == 0
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %rdone (total of write's results); advances %rat (argument 1 of write, up by write's result), %rcount (argument 2 of write, down by write's result) until %rcount == 0
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: the loop's test '%fmore = icmp ult i64 %fdone.next, %size' does not compare an advancing 64-bit argument with 0
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: the loop's test '%wmore = icmp slt i64 %wdone, %size' does not compare an advancing 64-bit argument with 0
; REMARK-DAG: remark: <unknown>:0:0: not clustered: recv -> recv (weight 299) breaks whole-loop legality: the loop's test '%tmore = icmp ult i64 %tgot, %size' does not compare an advancing 64-bit argument with 0
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %got (total of read's results); advances %at (argument 1 of read, up by read's result), %room (argument 2 of read, down by read's result) until %room == 0
; REMARK-DAG: 4 syscall-cluster - Number of looped multi-calls (whole loops)

; The error exit's `size - done` from the total where the batch stopped.
; CHECK-LABEL: define i64 @rotated(
; CHECK: call i64 @multicall_run_batch(
; CHECK: mc.adv.out.0:
; CHECK: [[LEFT:%mc.adv.derived[0-9]+]] = sub i64 %size, %mc.adv.carried{{[0-9]*}}
; CHECK: %left = phi i64 {{.*}}[ [[LEFT]], %mc.adv.out.0 ]
; CHECK: store i64 %left, ptr %unwritten
; CHECK-LABEL: define i64 @fill_unsigned(
; CHECK: call i64 @multicall_run_batch(
; CHECK-LABEL: define i64 @rotated_from(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @top_signed_wrap(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @recv_trunc(
; CHECK-NOT: multicall
; CHECK-LABEL: declare

declare i64 @write(i32 noundef, ptr noundef, i64 noundef)
declare i64 @read(i32 noundef, ptr noundef, i64 noundef)
declare i64 @recv(i32 noundef, ptr noundef, i64 noundef, i32 noundef)

define i64 @top(i32 %fd, ptr %p, i64 %size) {
entry:
  br label %head

head:
  %done = phi i64 [ 0, %entry ], [ %done.next, %body ]
  %more = icmp ult i64 %done, %size
  br i1 %more, label %body, label %out

body:
  %at = getelementptr inbounds i8, ptr %p, i64 %done
  %count = sub i64 %size, %done
  %n = tail call i64 @write(i32 %fd, ptr %at, i64 %count)
  %ok = icmp sgt i64 %n, -1
  %done.next = add i64 %n, %done
  br i1 %ok, label %head, label %out

out:
  %r = phi i64 [ -1, %body ], [ %done, %head ]
  ret i64 %r
}

define i64 @top_signed(i32 %fd, ptr %p, i64 %size) {
entry:
  br label %head

head:
  %sdone = phi i64 [ 0, %entry ], [ %sdone.next, %body ]
  %more = icmp slt i64 %sdone, %size
  br i1 %more, label %body, label %out

body:
  %sat = getelementptr inbounds i8, ptr %p, i64 %sdone
  %scount = sub nsw i64 %size, %sdone
  %n = tail call i64 @write(i32 %fd, ptr %sat, i64 %scount)
  %ok = icmp sgt i64 %n, -1
  %sdone.next = add i64 %n, %sdone
  br i1 %ok, label %head, label %out

out:
  %r = phi i64 [ -1, %body ], [ %sdone, %head ]
  ret i64 %r
}

define i64 @rotated(i32 %fd, ptr %p, i64 %size, ptr %unwritten) {
entry:
  %empty = icmp eq i64 %size, 0
  br i1 %empty, label %out, label %body

latch:
  %rdone.next = add i64 %n, %rdone
  %more = icmp ult i64 %rdone.next, %size
  br i1 %more, label %body, label %out

body:
  %rdone = phi i64 [ %rdone.next, %latch ], [ 0, %entry ]
  %rat = getelementptr inbounds i8, ptr %p, i64 %rdone
  %rcount = sub i64 %size, %rdone
  %n = tail call i64 @write(i32 %fd, ptr %rat, i64 %rcount)
  %ok = icmp sgt i64 %n, -1
  br i1 %ok, label %latch, label %out

out:
  %left = phi i64 [ 0, %entry ], [ 0, %latch ], [ %rcount, %body ]
  %r = phi i64 [ 0, %entry ], [ %size, %latch ], [ -1, %body ]
  store i64 %left, ptr %unwritten
  ret i64 %r
}

; gzip's fill_inbuf form on 64 bits, unsigned, its total from 0 and no guard before the loop:
; the first count is `size` itself, which no read exceeds.
define i64 @fill_unsigned(i32 %fd, ptr %buf, i64 %size) {
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
  %more = icmp ult i64 %got.next, %size
  br i1 %more, label %loop, label %out
out:
  %r = phi i64 [ %got, %loop ], [ %got.next, %latch ]
  ret i64 %r
}

; The total starts at %from, which may be past %size: the first count may have wrapped.
define i64 @rotated_from(i32 %fd, ptr %p, i64 %size, i64 %from) {
entry:
  br label %body

latch:
  %fdone.next = add i64 %n, %fdone
  %fmore = icmp ult i64 %fdone.next, %size
  br i1 %fmore, label %body, label %out

body:
  %fdone = phi i64 [ %fdone.next, %latch ], [ %from, %entry ]
  %fat = getelementptr inbounds i8, ptr %p, i64 %fdone
  %fcount = sub i64 %size, %fdone
  %n = tail call i64 @write(i32 %fd, ptr %fat, i64 %fcount)
  %ok = icmp sgt i64 %n, -1
  br i1 %ok, label %latch, label %out

out:
  %r = phi i64 [ %size, %latch ], [ -1, %body ]
  ret i64 %r
}

; A signed test whose count `sub` has no nsw.
define i64 @top_signed_wrap(i32 %fd, ptr %p, i64 %size) {
entry:
  br label %head

head:
  %wdone = phi i64 [ 0, %entry ], [ %wdone.next, %body ]
  %wmore = icmp slt i64 %wdone, %size
  br i1 %wmore, label %body, label %out

body:
  %wat = getelementptr inbounds i8, ptr %p, i64 %wdone
  %wcount = sub i64 %size, %wdone
  %n = tail call i64 @write(i32 %fd, ptr %wat, i64 %wcount)
  %ok = icmp sgt i64 %n, -1
  %wdone.next = add i64 %n, %wdone
  br i1 %ok, label %head, label %out

out:
  %r = phi i64 [ -1, %body ], [ %wdone, %head ]
  ret i64 %r
}

; recv with MSG_TRUNC (0x20) may return a datagram's whole length.
define i64 @recv_trunc(i32 %fd, ptr %p, i64 %size) {
entry:
  br label %head

head:
  %tgot = phi i64 [ 0, %entry ], [ %tgot.next, %body ]
  %tmore = icmp ult i64 %tgot, %size
  br i1 %tmore, label %body, label %out

body:
  %tat = getelementptr inbounds i8, ptr %p, i64 %tgot
  %tcount = sub i64 %size, %tgot
  %n = tail call i64 @recv(i32 %fd, ptr %tat, i64 %tcount, i32 32)
  %ok = icmp sgt i64 %n, 0
  %tgot.next = add i64 %n, %tgot
  br i1 %ok, label %head, label %out

out:
  %r = phi i64 [ %n, %body ], [ %tgot, %head ]
  ret i64 %r
}
