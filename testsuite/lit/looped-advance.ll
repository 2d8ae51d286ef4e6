; Whole loops whose arguments advance by their results (MC_BATCH_ADVANCE): write-all and
; read-until-full loops (gzip's fill_inbuf form too, its arguments computed from a total), tested at their top (the header tests the count before the call)
; or rotated as clang -O2 leaves them (the header begins with the call, a latch tests the
; advanced count). Each is one looped batch through multicall_run_batch whose pointer and
; count advance by the call's result in the batch; every exit continues in the original
; code: a completed batch goes back to the loop's own test with the advanced values.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); advances %left (argument 2 of write, down by write's result), %p (argument 1 of write, up by write's result) until %left == 0; no in-kernel copy: no call of the loop writes memory
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); advances %p (argument 1 of write, up by write's result), %left (argument 2 of write, down by write's result) until %left <= 0; no in-kernel copy: no call of the loop writes memory
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); advances %left (argument 2 of write, down by write's result), %p (argument 1 of write, up by write's result) until %left <= 0; no in-kernel copy: no call of the loop writes memory
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); advances %p (argument 1 of read, up by read's result); no in-kernel copy: the buffer %p of 'read' at read_moving (no debug location) is not memory of the function's own (a local array, a fresh allocation, a static buffer) nor its callers'
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %got (total of read's results); advances %at (argument 1 of read, up by read's result), %room (argument 2 of read, down by read's result) until %room <= 0; no in-kernel copy: the buffer %at of 'read' at fill (no debug location) is given to the function by its callers, and '{{[a-z_]+}}' is visible outside this module
; REMARK-DAG: 5 syscall-cluster - Number of looped multi-calls (whole loops)

; Tested at the top, until the count is 0: by[1] = by[2] = 1 (entry 0's result), bit 2 of
; down and of until_zero: 0x04_04_00_00_00_00_01_01 = 289356276058620160.
; CHECK-LABEL: define i64 @write_all(
; CHECK: loop:
; CHECK-NEXT: %left = phi i64 [ %len, %entry ], [ %left.next, %body ], [ %mc.adv.arg, %mc.adv.round ]
; CHECK-NEXT: %p = phi ptr [ %buf, %entry ], [ %p.next, %body ], [ %mc.adv.arg{{[0-9]*}}, %mc.adv.round ]
; CHECK: br i1 %done, label %out, label %mc.loop
; CHECK: mc.loop:
; CHECK: store i64 289356276058620160, ptr
; CHECK: store i64 55834574849, ptr
; CHECK: %mc.adv.ret = call i64 @multicall_run_batch(ptr %mc.batch)
; CHECK: switch i64 %mc.adv.ret, label %mc.adv.fallback [
; CHECK-NEXT: i64 1, label %mc.adv.round
; CHECK-NEXT: i64 0, label %mc.adv.exit.0
; CHECK: mc.adv.round:
; CHECK: %mc.adv.arg = sub i64 %left, %mc.adv.sum
; CHECK: br label %loop
; CHECK: mc.adv.fallback:
; CHECK-NEXT: br label %body
; CHECK: mc.adv.err.0:
; CHECK: call ptr @__errno_location()
; CHECK: body:
; CHECK-NEXT: %n = call i64 @write(i32 %fd, ptr %p, i64 %left)

; Rotated: the batch starts from the values of the way in; a batch that ran to the end runs
; again from the values after it while the count is > 0 (the bound, a signal), else goes to
; the latch's exit with the last iteration's values. until_nonpos is the second word: 4.
; CHECK-LABEL: define i64 @write_all_rotated(
; CHECK: mc.loop:
; CHECK-NEXT: %mc.adv.start = phi i64 [ %len, %entry ], [ %mc.adv.arg, %mc.adv.round ]
; CHECK: store i64 %mc.adv.start, ptr
; CHECK: store i64 4, ptr
; CHECK: mc.adv.round:
; CHECK: %mc.adv.test = icmp sgt i64 %mc.adv.arg{{[0-9]*}}, 0
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.loop, label %mc.adv.until
; CHECK: mc.adv.fallback:
; CHECK-NEXT: br label %loop
; CHECK: mc.adv.until:
; CHECK: br label %out

; Rotated and untested: only a predicate, the bound or a signal ends the batch.
; CHECK-LABEL: define i64 @read_moving(
; CHECK: call i64 @multicall_run_batch(

; CHECK-LABEL: define i64 @write_all_signed(
; CHECK: call i64 @multicall_run_batch(

; The arguments start from the total's value on the way in; a batch that ran to the end
; tests `got < size` on the total after it; the latch's exit has the total one result back.
; CHECK-LABEL: define i64 @fill(
; CHECK: mc.loop:
; CHECK-NEXT: %mc.adv.start = phi i64 [ 0, %entry ], [ %mc.adv.carried, %mc.adv.round ]
; CHECK-NEXT: %mc.adv.derived = getelementptr i8, ptr %buf, i64 %mc.adv.start
; CHECK-NEXT: %mc.adv.derived1 = sub i64 %size, %mc.adv.start
; CHECK: store i64 %mc.adv.derived1, ptr
; CHECK: store i64 1125899906908416, ptr
; CHECK: store i64 4, ptr
; CHECK: mc.adv.round:
; CHECK: %mc.adv.carried = add i64 %mc.adv.start, %mc.adv.sum
; CHECK-NEXT: %mc.adv.test = icmp slt i64 %mc.adv.carried, %size
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.loop, label %mc.adv.until
; CHECK: mc.adv.until:
; CHECK: %mc.loop.next{{[0-9]*}} = sub i64 %mc.adv.carried, %mc.adv.last.0
; CHECK: out:
; CHECK-NEXT: %r = phi i64

define i64 @write_all(i32 %fd, ptr %buf, i64 %len) {
entry:
  br label %loop
loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %body ]
  %p = phi ptr [ %buf, %entry ], [ %p.next, %body ]
  %done = icmp eq i64 %left, 0
  br i1 %done, label %out, label %body
body:
  %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %n, -1
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %left.next = sub i64 %left, %n
  br i1 %ok, label %loop, label %out
out:
  %r = phi i64 [ -1, %body ], [ 0, %loop ]
  ret i64 %r
}

define i64 @write_all_rotated(i32 %fd, ptr %buf, i64 %len, ptr %unwritten) {
entry:
  %some = icmp sgt i64 %len, 0
  br i1 %some, label %loop, label %out
loop:
  %left = phi i64 [ %left.next, %latch ], [ %len, %entry ]
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %n, -1
  br i1 %ok, label %latch, label %out
latch:
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %left.next = sub nsw i64 %left, %n
  %more = icmp sgt i64 %left.next, 0
  br i1 %more, label %loop, label %out
out:
  %lost = phi i64 [ 0, %entry ], [ 0, %latch ], [ %left, %loop ]
  %r = phi i64 [ %len, %entry ], [ %len, %latch ], [ -1, %loop ]
  store i64 %lost, ptr %unwritten
  ret i64 %r
}

define i64 @read_moving(i32 %fd, ptr %buf) {
entry:
  br label %loop
loop:
  %p = phi ptr [ %buf, %entry ], [ %p.next, %loop ]
  %n = call i64 @read(i32 %fd, ptr %p, i64 4096)
  %p.next = getelementptr i8, ptr %p, i64 %n
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %loop, label %out
out:
  %end = phi ptr [ %p, %loop ]
  %got = ptrtoint ptr %end to i64
  ret i64 %got
}

define i64 @write_all_signed(i32 %fd, ptr %buf, i64 %len) {
entry:
  br label %loop
loop:
  %p = phi ptr [ %buf, %entry ], [ %p.next, %body ]
  %left = phi i64 [ %len, %entry ], [ %left.next, %body ]
  %go = icmp sgt i64 %left, 0
  br i1 %go, label %body, label %out
body:
  %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %n, -1
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %left.next = sub nsw i64 %left, %n
  br i1 %ok, label %loop, label %out
out:
  %r = phi i64 [ -1, %body ], [ %left, %loop ]
  ret i64 %r
}

; gzip's fill_inbuf: the arguments are computed from the running total %got, which the
; batch keeps as a sum; `got < size` after an iteration is `size - got > 0` (until_nonpos on
; the count), and the lowering tests the latch's own comparison.
define i64 @fill(i32 %fd, ptr %buf, i64 %size) {
entry:
  br label %loop
loop:
  %got = phi i64 [ 0, %entry ], [ %got.next, %latch ]
  %at = getelementptr inbounds i8, ptr %buf, i64 %got
  %room = sub nsw i64 %size, %got
  %n = call i64 @read(i32 %fd, ptr %at, i64 %room)
  %stop = icmp slt i64 %n, 1
  br i1 %stop, label %out, label %latch
latch:
  %got.next = add nuw nsw i64 %n, %got
  %more = icmp slt i64 %got.next, %size
  br i1 %more, label %loop, label %out
out:
  %r = phi i64 [ %got, %loop ], [ %got.next, %latch ]
  ret i64 %r
}

declare i64 @write(i32, ptr, i64)
declare i64 @read(i32, ptr, i64)
