; Loops bounded by a counter (legality/counted.rs, plan::Counted): a counter of step 1
; tested against a bound defined before the loop, in a rotated loop's latch on its next
; value (`for (i = 0; i < n; i++)`, which clang tests as `i + 1 == n`; `i + 1 < n` on an
; int), an unsigned counter zero-extended for a size_t bound, or at the loop's top on its
; value (`while (left--)`). Each is one looped multi-call
; whose bound (struct mc_batch's max_iters) is the iterations the counter has left: the
; latch's loop leaves by its test when the batch ran them all, the top's goes back to its
; test. A counter of step 2 is no bound of the advancing form: the loop resumes after its
; stops instead (legality/resume.rs), each batch running at most the iterations until the
; counter reaches the bound by 2 in each. One that goes on only while it is past its bound
; is refused with a remark that says so.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-loop.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %i (counter, up by 1 to its bound %n: the batch runs the iterations it has left)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %left (counter, down by 1 to its bound 0: the batch runs the iterations it has left)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %u (counter, up by 1 to its bound %n: the batch runs the iterations it has left)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %i (counter); each batch runs at most the iterations until the counter %i after the iteration reaches i64 %n (by 2 in each), where the original makes the test '%more = icmp ult i64 %inc, %n' and goes on
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 511) breaks whole-loop legality: the loop's test '%more = icmp ugt i64 %inc, %n' compares a counter with a bound, but %i goes up but the loop goes on only while it is past or at the bound: a looped batch's bound must be the iterations the counter has left

; The latch tests `i + 1 == n`: from i, n - i iterations (0 would be 2^64: the bound); when
; the batch ran them and the test goes on (the bound, a signal), the batch runs again from
; the counter after them.
; CHECK-LABEL: define i64 @up(
; CHECK: mc.loop:
; CHECK-NEXT: %mc.adv.start = phi i64 [ 0, %entry ], [ %mc.adv.carried, %mc.adv.round ]
; CHECK: %mc.cnt.dist = sub i64 %n, %mc.adv.start
; CHECK-NEXT: %mc.cnt.wraps = icmp eq i64 %mc.cnt.dist, 0
; CHECK-NEXT: %mc.cnt.iters = select i1 %mc.cnt.wraps, i64 4611686018427387904, i64 %mc.cnt.dist
; CHECK-NEXT: %mc.cnt.over = icmp ugt i64 %mc.cnt.iters, 4611686018427387904
; CHECK-NEXT: %mc.cnt.bound = select i1 %mc.cnt.over, i64 4611686018427387904, i64 %mc.cnt.iters
; CHECK: store i64 %mc.cnt.bound,
; CHECK: store ptr null,
; No watched word.
; CHECK-NEXT: getelementptr inbounds [9 x i64], ptr %mc.batch, i64 0, i64 8
; CHECK-NEXT: store i64 0,
; CHECK-NEXT: %mc.adv.ret = call i64 @multicall_run_batch(ptr %mc.batch)
; CHECK: mc.adv.round:
; CHECK: %mc.adv.carried = add i64 %mc.adv.start,
; CHECK-NEXT: %mc.adv.test = icmp eq i64 %mc.adv.carried, %n
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.adv.until, label %mc.loop
; CHECK: mc.adv.until:
; CHECK: br label %done
; CHECK: done:
; CHECK-NEXT: %k = phi i64 {{.*}}[ %n, %mc.adv.until ]

; At the top, `left == 0` leaves: from left, left iterations; the header tests again.
; CHECK-LABEL: define i64 @down(
; CHECK: head:
; CHECK-NEXT: %left = phi i64 [ %n, %entry ], [ %dec, %put.ok ], [ %mc.adv.carried, %mc.adv.round ]
; CHECK: br i1 %zero, label %done, label %mc.loop
; CHECK: %mc.cnt.dist = sub i64 %left, 0
; CHECK: mc.adv.round:
; CHECK-NEXT: %[[STEPS:[0-9]+]] = mul i64 %mc.adv.iterations, -1
; CHECK-NEXT: %mc.adv.carried = add i64 %left, %[[STEPS]]
; CHECK-NEXT: br label %head

; An int counter tested `i + 1 < n`: n - i iterations when i + 1 < n, else one; 0 is 2^32.
; CHECK-LABEL: define i32 @below(
; CHECK: %mc.cnt.dist = sub i32 %n, %mc.adv.start
; CHECK-NEXT: %mc.cnt.first = add i32 %mc.adv.start, 1
; CHECK-NEXT: %mc.cnt.test = icmp slt i32 %mc.cnt.first, %n
; CHECK-NEXT: %mc.cnt.rem = select i1 %mc.cnt.test, i32 %mc.cnt.dist, i32 1
; CHECK-NEXT: %[[WIDE:[0-9]+]] = zext i32 %mc.cnt.rem to i64
; CHECK-NEXT: %mc.cnt.wraps = icmp eq i64 %[[WIDE]], 0
; CHECK-NEXT: %mc.cnt.iters = select i1 %mc.cnt.wraps, i64 4294967296, i64 %[[WIDE]]
; CHECK: mc.adv.round:
; CHECK: %mc.adv.test = icmp slt i32 %mc.adv.carried, %n
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.loop, label %mc.adv.until

; An unsigned counter compared zero-extended with a size_t bound: the bound clamped to the
; counter's last value, the test on the first iteration's value extended as the loop does.
; CHECK-LABEL: define i32 @unsigned_below(
; CHECK: %mc.cnt.below = icmp ult i64 %n, 4294967295
; CHECK-NEXT: %mc.cnt.clamped = select i1 %mc.cnt.below, i64 %n, i64 4294967295
; CHECK-NEXT: [[LIMIT:%[0-9]+]] = trunc i64 %mc.cnt.clamped to i32
; CHECK-NEXT: %mc.cnt.dist = sub i32 [[LIMIT]], %mc.adv.start
; CHECK-NEXT: %mc.cnt.first = add i32 %mc.adv.start, 1
; CHECK-NEXT: [[FIRST:%[0-9]+]] = zext i32 %mc.cnt.first to i64
; CHECK-NEXT: %mc.cnt.test = icmp ult i64 [[FIRST]], %n
; CHECK: mc.adv.round:
; CHECK: [[AFTER:%[0-9]+]] = zext i32 %mc.adv.carried to i64
; CHECK-NEXT: %mc.adv.test = icmp ult i64 [[AFTER]], %n
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.loop, label %mc.adv.until

; CHECK-LABEL: define i64 @by_two(
; CHECK: call i64 @multicall_loop(
; CHECK-LABEL: define i64 @wrong_way(
; CHECK-NOT: multicall_run_batch
; CHECK: ret i64 %i

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)

define i64 @up(i32 %in, i32 %out, ptr %buf, i64 %n) {
entry:
  %go = icmp sgt i64 %n, 0
  br i1 %go, label %loop, label %done

loop:
  %i = phi i64 [ 0, %entry ], [ %inc, %latch ]
  %r = call i64 @read(i32 %in, ptr %buf, i64 512)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %fail

latch:
  %inc = add nuw nsw i64 %i, 1
  %end = icmp eq i64 %inc, %n
  br i1 %end, label %done, label %loop

fail:
  ret i64 -1

done:
  %k = phi i64 [ 0, %entry ], [ %i, %loop ], [ %n, %latch ]
  ret i64 %k
}

define i64 @down(i32 %in, i32 %out, ptr %buf, i64 %n) {
entry:
  br label %head

head:
  %left = phi i64 [ %n, %entry ], [ %dec, %put.ok ]
  %dec = add i64 %left, -1
  %zero = icmp eq i64 %left, 0
  br i1 %zero, label %done, label %body

body:
  %r = call i64 @read(i32 %in, ptr %buf, i64 512)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %put.ok, label %fail

put.ok:
  br label %head

fail:
  ret i64 -1

done:
  %k = phi i64 [ 0, %head ], [ %left, %body ]
  ret i64 %k
}

define i32 @below(i32 %in, i32 %out, ptr %buf, i32 %n) {
entry:
  br label %loop

loop:
  %i = phi i32 [ 0, %entry ], [ %inc, %latch ]
  %r = call i64 @read(i32 %in, ptr %buf, i64 512)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %fail

latch:
  %inc = add nsw i32 %i, 1
  %more = icmp slt i32 %inc, %n
  br i1 %more, label %loop, label %done

fail:
  ret i32 -1

done:
  %k = phi i32 [ %i, %loop ], [ %inc, %latch ]
  ret i32 %k
}

define i32 @unsigned_below(i32 %in, i32 %out, ptr %buf, i64 %n) {
entry:
  %some = icmp eq i64 %n, 0
  br i1 %some, label %done, label %loop

loop:
  %u = phi i32 [ 0, %entry ], [ %inc, %latch ]
  %r = call i64 @read(i32 %in, ptr %buf, i64 512)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %fail

latch:
  %inc = add i32 %u, 1
  %wide = zext i32 %inc to i64
  %more = icmp ult i64 %wide, %n
  br i1 %more, label %loop, label %done

fail:
  ret i32 -1

done:
  %k = phi i32 [ 0, %entry ], [ %u, %loop ], [ %inc, %latch ]
  ret i32 %k
}

define i64 @by_two(i32 %in, i32 %out, ptr %buf, i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %inc, %latch ]
  %r = call i64 @read(i32 %in, ptr %buf, i64 512)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %fail

latch:
  %inc = add i64 %i, 2
  %more = icmp ult i64 %inc, %n
  br i1 %more, label %loop, label %done

fail:
  ret i64 -1

done:
  ret i64 %i
}

define i64 @wrong_way(i32 %in, i32 %out, ptr %buf, i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %inc, %latch ]
  %r = call i64 @read(i32 %in, ptr %buf, i64 512)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %fail

latch:
  %inc = add i64 %i, 1
  %more = icmp ugt i64 %inc, %n
  br i1 %more, label %loop, label %done

fail:
  ret i64 -1

done:
  ret i64 %i
}
