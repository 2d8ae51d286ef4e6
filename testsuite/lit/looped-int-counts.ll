; Block loops as lzip's readblock and writeblock have them (clang -O2): `int` counts and a
; 32-bit total (the arguments `buf + zext nneg got` and `sext (size - got)`), errno set to 0
; before the loop and on the way round, and the retry of an interrupted call (the result
; <= 0 goes to code that tests errno and comes back to the latch). Each is one looped batch
; whose arguments advance with the total; the batch stops at a result <= 0 and hands that
; iteration to the original code at its own block (%short), with the total at its start and
; the call's result; a batch that completed iterations replays `errno = 0`. Refused: a total
; whose step may wrap, a zext not known non-negative, a store of a variable to errno, a
; way back into the loop that other paths share, and a result tested as a 16-bit value. The latch may test `got.next > size - 1`.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %got (total of read's results); advances %at (argument 1 of read, up by read's result), %count (argument 2 of read, down by read's result) until %count <= 0; replays errno = 0 after the iterations completed; a stop goes back into the loop at %short, the original code; no in-kernel copy: the buffer %at of 'read' at fill_block (no debug location) is given to the function by its callers, and '{{[a-z_]+}}' is visible outside this module
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result <= 0; 0 result references); carries %put (total of write's results); advances %at (argument 1 of write, up by write's result), %count (argument 2 of write, down by write's result) until %count <= 0; replays errno = 0 after the iterations completed; a stop goes back into the loop at %short, the original code; no in-kernel copy: no call of the loop writes memory
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 299) breaks whole-loop legality: argument %at changes from one iteration to the next: the 32-bit total %got it is computed from may wrap: its step has no nsw
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 299) breaks whole-loop legality: '%got.wide = zext i32 %got to i64' runs in the loop's header before 'read' at fill_maybe_negative (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 299) breaks whole-loop legality: 'store i32 %code, ptr %errno, align 4' runs on the way round the loop after the last call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 299) breaks whole-loop legality: the path leaving at block %more comes back into the loop
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result <= 0; 0 result references); carries %put (total of write's results); advances %at (argument 1 of write, up by write's result), %count (argument 2 of write, down by write's result) until %count <= 0; replays errno = 0 after the iterations completed; a stop goes back into the loop at %short, the original code; no in-kernel copy: no call of the loop writes memory
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 299) breaks whole-loop legality: the result of 'read' at fill_short (no debug location) is not tested on the way round the loop
; REMARK-DAG: 3 syscall-cluster - Number of looped multi-calls (whole loops)

; The batch starts from the total on the way in (0), its count extended as the original
; extends it; by[1] = by[2] = 1, bit 2 of down, until_nonpos on argument 2.
; CHECK-LABEL: define i32 @fill_block(
; CHECK: mc.loop:
; CHECK-NEXT: %mc.adv.start = phi i32 [ 0, %entry ], [ %mc.adv.carried, %mc.adv.round ]
; CHECK-NEXT: [[START:%[0-9]+]] = zext i32 %mc.adv.start to i64
; CHECK-NEXT: %mc.adv.derived = getelementptr i8, ptr %buf, i64 [[START]]
; CHECK-NEXT: %mc.adv.derived1 = sub i32 %size, %mc.adv.start
; CHECK-NEXT: [[COUNT:%[0-9]+]] = sext i32 %mc.adv.derived1 to i64
; CHECK: store i64 [[COUNT]], ptr
; CHECK: store i64 1125899906908416, ptr
; CHECK: store i64 4, ptr
; CHECK: %mc.adv.ret = call i64 @multicall_run_batch(ptr %mc.batch)
; A batch that ran to the end: errno = 0 when an iteration completed, then the latch's test.
; CHECK: mc.adv.round:
; CHECK-NEXT: %mc.adv.errno = load i32, ptr %errno
; CHECK-NEXT: %mc.adv.reset = icmp sgt i64 %mc.adv.iterations, 0
; CHECK-NEXT: %mc.adv.errno.reset = select i1 %mc.adv.reset, i32 0, i32 %mc.adv.errno
; CHECK-NEXT: store i32 %mc.adv.errno.reset, ptr %errno
; CHECK: %mc.adv.test = icmp slt i32 %mc.adv.carried, %size
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.loop, label %mc.adv.until
; A stop: errno = 0 when an iteration before it completed, then the call's own errno, the
; header computed again from the total at the stopped iteration's start, into %short.
; CHECK: mc.adv.exit.0:
; CHECK: %mc.adv.done = sub i64 %mc.adv.iterations, 1
; CHECK: %mc.adv.reset{{[0-9]+}} = icmp sgt i64 %mc.adv.done, 0
; CHECK: mc.adv.err.0:
; CHECK: mc.adv.out.0:
; CHECK: %n32{{[0-9]+}} = trunc i64 %mc.adv.x.0 to i32
; CHECK: br label %short
; The original loop, unchanged but for its phis.
; CHECK: loop:
; CHECK-NEXT: %got = phi i32 [ %got.next, %latch ], [ %mc.adv.start, %mc.adv.fallback ]
; CHECK: %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
; CHECK: short:
; CHECK-NEXT: %n32{{[0-9]+}} = phi i32 [ %n32{{[0-9]+}}, %mc.adv.out.0 ], [ %n32, %loop ]
; CHECK-NEXT: %got{{[0-9]+}} = phi i32 [ %mc.adv.carried{{[0-9]+}}, %mc.adv.out.0 ], [ %got, %loop ]
; CHECK: latch:
; CHECK-NEXT: %got.next = phi i32 [ %sum, %more ], [ %got{{[0-9]+}}, %retry ]
; CHECK-NEXT: store i32 0, ptr %errno
; CHECK: out:
; CHECK-NEXT: %got.out = phi i32 [ 0, %entry ], [ %got{{[0-9]+}}, %retry ], [ %got{{[0-9]+}}, %short ], [ %got.next, %latch ], [ %mc.adv.carried, %mc.adv.until ]

; CHECK-LABEL: define i32 @drain_block(
; CHECK: call i64 @multicall_run_batch(
; CHECK: br label %short

; The latch's own test decides after a batch that ran to the end.
; CHECK-LABEL: define i32 @drain_inclusive(
; CHECK: call i64 @multicall_run_batch(
; CHECK: %mc.adv.test = icmp sgt i32 %mc.adv.carried, %pos
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.adv.until, label %mc.loop

; CHECK-LABEL: define i32 @fill_wraps(
; CHECK-NOT: multicall
; CHECK-LABEL: define i32 @fill_short(
; CHECK-NOT: multicall
; CHECK-LABEL: define i32 @fill_maybe_negative(
; CHECK-NOT: multicall
; CHECK-LABEL: define i32 @fill_errno_code(
; CHECK-NOT: multicall
; CHECK-LABEL: define i32 @fill_shared_retry(
; CHECK-NOT: multicall
; CHECK-LABEL: declare

declare ptr @__errno_location()
declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)

define i32 @fill_block(i32 %fd, ptr %buf, i32 %size) {
entry:
  %errno = call ptr @__errno_location()
  store i32 0, ptr %errno, align 4
  %any = icmp sgt i32 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %got = phi i32 [ %got.next, %latch ], [ 0, %entry ]
  %got.wide = zext nneg i32 %got to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %got.wide
  %left = sub nsw i32 %size, %got
  %count = sext i32 %left to i64
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  br i1 %ok, label %more, label %short

more:
  %sum = add nuw nsw i32 %got, %n32
  br label %latch

short:
  %eof = icmp eq i32 %n32, 0
  br i1 %eof, label %out, label %retry

retry:
  %e = load i32, ptr %errno, align 4
  %intr = icmp eq i32 %e, 4
  br i1 %intr, label %latch, label %out

latch:
  %got.next = phi i32 [ %sum, %more ], [ %got, %retry ]
  store i32 0, ptr %errno, align 4
  %again = icmp slt i32 %got.next, %size
  br i1 %again, label %loop, label %out

out:
  %got.out = phi i32 [ 0, %entry ], [ %got, %retry ], [ %got, %short ], [ %got.next, %latch ]
  ret i32 %got.out
}

; writeblock: a result of 0 goes round again (the original's retry), an error other than
; EINTR leaves.
define i32 @drain_block(i32 %fd, ptr %buf, i32 %size) {
entry:
  %errno = call ptr @__errno_location()
  store i32 0, ptr %errno, align 4
  %any = icmp sgt i32 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %put = phi i32 [ %put.next, %latch ], [ 0, %entry ]
  %put.wide = zext nneg i32 %put to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %put.wide
  %left = sub nsw i32 %size, %put
  %count = sext i32 %left to i64
  %n = tail call i64 @write(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  br i1 %ok, label %more, label %short

more:
  %sum = add nuw nsw i32 %put, %n32
  br label %latch

short:
  %neg = icmp slt i32 %n32, 0
  br i1 %neg, label %retry, label %latch

retry:
  %e = load i32, ptr %errno, align 4
  %intr = icmp eq i32 %e, 4
  br i1 %intr, label %latch, label %out

latch:
  %put.next = phi i32 [ %sum, %more ], [ %put, %retry ], [ %put, %short ]
  store i32 0, ptr %errno, align 4
  %again = icmp slt i32 %put.next, %size
  br i1 %again, label %loop, label %out

out:
  %put.out = phi i32 [ 0, %entry ], [ %put, %retry ], [ %put.next, %latch ]
  ret i32 %put.out
}

; writeblock inlined where the size is `pos + 1` (lzip's Range_encoder::put_byte): clang
; tests `put.next > pos` to leave, which is `put.next < size`.
define i32 @drain_inclusive(i32 %fd, ptr %buf, i32 %pos) {
entry:
  %errno = call ptr @__errno_location()
  store i32 0, ptr %errno, align 4
  %size = add nsw i32 %pos, 1
  %any = icmp sgt i32 %pos, -1
  br i1 %any, label %loop, label %out

loop:
  %put = phi i32 [ %put.next, %latch ], [ 0, %entry ]
  %put.wide = zext nneg i32 %put to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %put.wide
  %left = sub nsw i32 %size, %put
  %count = sext i32 %left to i64
  %n = tail call i64 @write(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  br i1 %ok, label %more, label %short

more:
  %sum = add nuw nsw i32 %put, %n32
  br label %latch

short:
  %neg = icmp slt i32 %n32, 0
  br i1 %neg, label %retry, label %latch

retry:
  %e = load i32, ptr %errno, align 4
  %intr = icmp eq i32 %e, 4
  br i1 %intr, label %latch, label %out

latch:
  %put.next = phi i32 [ %sum, %more ], [ %put, %retry ], [ %put, %short ]
  store i32 0, ptr %errno, align 4
  %done = icmp sgt i32 %put.next, %pos
  br i1 %done, label %out, label %loop

out:
  %put.out = phi i32 [ 0, %entry ], [ %put, %retry ], [ %put.next, %latch ]
  ret i32 %put.out
}

; The total's step without nsw, and the count not what is left (`size - got`) but a fixed
; block: the total may wrap where the 64-bit arguments would not.
define i32 @fill_wraps(i32 %fd, ptr %buf, i32 %size) {
entry:
  %errno = call ptr @__errno_location()
  %any = icmp sgt i32 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %got = phi i32 [ %got.next, %latch ], [ 0, %entry ]
  %got.wide = sext i32 %got to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %got.wide
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 65536)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  br i1 %ok, label %more, label %out

more:
  %got.next = add i32 %got, %n32
  br label %latch

latch:
  %again = icmp slt i32 %got.next, %size
  br i1 %again, label %loop, label %out

out:
  %got.out = phi i32 [ 0, %entry ], [ %got, %loop ], [ %got.next, %latch ]
  ret i32 %got.out
}

; The result tested as a `short`: 40000 bytes read are negative there, so `n16 > 0` is not
; the batch's `result <= 0`.
define i32 @fill_short(i32 %fd, ptr %buf, i32 %size) {
entry:
  %any = icmp sgt i32 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %got = phi i32 [ %sum, %loop ], [ 0, %entry ]
  %got.wide = zext nneg i32 %got to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %got.wide
  %left = sub nsw i32 %size, %got
  %count = sext i32 %left to i64
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
  %n16 = trunc i64 %n to i16
  %n32 = sext i16 %n16 to i32
  %ok = icmp sgt i16 %n16, 0
  %sum = add nsw i32 %got, %n32
  br i1 %ok, label %loop, label %out

out:
  %got.out = phi i32 [ 0, %entry ], [ %got, %loop ]
  ret i32 %got.out
}

; A zext of the total not known non-negative (no nneg).
define i32 @fill_maybe_negative(i32 %fd, ptr %buf, i32 %size) {
entry:
  %any = icmp sgt i32 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %got = phi i32 [ %sum, %loop ], [ 0, %entry ]
  %got.wide = zext i32 %got to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %got.wide
  %left = sub nsw i32 %size, %got
  %count = sext i32 %left to i64
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  %sum = add nsw i32 %got, %n32
  br i1 %ok, label %loop, label %out

out:
  %got.out = phi i32 [ 0, %entry ], [ %got, %loop ]
  ret i32 %got.out
}

; The latch stores a variable to errno: nothing to replay.
define i32 @fill_errno_code(i32 %fd, ptr %buf, i32 %size, i32 %code) {
entry:
  %errno = call ptr @__errno_location()
  %any = icmp sgt i32 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %got = phi i32 [ %got.next, %latch ], [ 0, %entry ]
  %got.wide = zext nneg i32 %got to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %got.wide
  %left = sub nsw i32 %size, %got
  %count = sext i32 %left to i64
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  br i1 %ok, label %more, label %out

more:
  %got.next = add nuw nsw i32 %got, %n32
  br label %latch

latch:
  store i32 %code, ptr %errno, align 4
  %again = icmp slt i32 %got.next, %size
  br i1 %again, label %loop, label %out

out:
  %got.out = phi i32 [ 0, %entry ], [ %got, %loop ], [ %got.next, %latch ]
  ret i32 %got.out
}

; The stop's block is also entered from the way round: the batch cannot hand the stopped
; iteration to it alone.
define i32 @fill_shared_retry(i32 %fd, ptr %buf, i32 %size) {
entry:
  %any = icmp sgt i32 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %got = phi i32 [ %got.next, %latch ], [ 0, %entry ]
  %got.wide = zext nneg i32 %got to i64
  %at = getelementptr inbounds i8, ptr %buf, i64 %got.wide
  %left = sub nsw i32 %size, %got
  %count = sext i32 %left to i64
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  br i1 %ok, label %more, label %short

more:
  %sum = add nuw nsw i32 %got, %n32
  %big = icmp sgt i32 %sum, 100
  br i1 %big, label %short, label %latch

short:
  %at.short = phi i32 [ %got, %loop ], [ %sum, %more ]
  %eof = icmp eq i32 %n32, 0
  br i1 %eof, label %out, label %latch

latch:
  %got.next = phi i32 [ %sum, %more ], [ %at.short, %short ]
  %again = icmp slt i32 %got.next, %size
  br i1 %again, label %loop, label %out

out:
  %got.out = phi i32 [ 0, %entry ], [ %at.short, %short ], [ %got.next, %latch ]
  ret i32 %got.out
}
