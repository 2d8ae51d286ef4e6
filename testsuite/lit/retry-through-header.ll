; A read retried on EINTR in a loop of its own inside a read-until-full loop (busybox's
; safe_read inlined into full_read, as clang -O2 leaves it: the retry threaded straight back
; to the read). transform/retry.rs sends the retry round the outer loop, whose phis take
; their own values on that edge, and moves the read into the outer header; the loop is then
; one looped multi-call whose stop on a negative result goes back into the loop. Left alone:
; an outer header that loads (the retried call may have changed the memory), and an inner
; header with phis of its own. (A retry taken after a failure elsewhere, gnulib's EINVAL
; clamp, stays too: resume-header.ll.)
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/retry.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll
;
; busybox's full_write around safe_write (@bb_full_write): clang copies the write onto the
; retry's way (after `errno = 0`), so the retry has a call of its own, and the write's result
; on the retry's way reaches the code after the loop. That block is original code a stop at
; the loop's write resumes: what it computes reaches the code after the loop as in the
; original, and the loop is one looped multi-call.
;
; OpenSSH's atomicio writing (@atomicio_write): a switch on the result whose case -1 retries
; on EINTR, and the count `n - pos` kept as a phi of its own that the way round computes from
; the total's next value. transform/counts.rs computes the count from the total at the top
; (it is `n - pos` on every way in: 0 and n from before the loop, itself on the retry), and
; legality/advance.rs takes the switch with a case that goes back into the loop as the stop
; `result <= 0` whose case -1 resumes the original code.

; REMARK-DAG: remark: <unknown>:0:0: sent the retries of the loop at block %call round the loop at block %outer, which it joins
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %total (total of read's results); advances %left (argument 2 of read, down by read's result), %p (argument 1 of read, up by read's result) until %left == 0; a stop goes back into the loop at %retry, the original code
; REMARK-DAG: remark: <unknown>:0:0: sent the retries of the loop at block %call.a round the loop at block %outer.a, which it joins
; REMARK-DAG: remark: <unknown>:0:0: computed %left as %n - %pos at the top of the loop: it is that on every way in
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result <= 0; 0 result references); carries %pos (total of write's results); advances %left (argument 2 of write, down by write's result), %p (argument 1 of write, up by write's result) until %left == 0; a stop goes back into the loop at %intr.a, the original code
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %total (total of write's results); advances %left (argument 2 of write, down by write's result), %p (argument 1 of write, up by write's result) until %left == 0; a stop goes back into the loop at %failed.w, the original code
; REMARK-NOT: sent the retries of the loop at block %call.l
; REMARK-NOT: sent the retries of the loop at block %call.phi

declare i64 @read(i32, ptr, i64)
declare ptr @__errno_location()

; CHECK-LABEL: define i64 @full_read(
; CHECK: call i64 @multicall_run_batch(
; The original loop (entered where the batch does not finish it): the retry goes round it, with
; the values of the iteration that stopped (the re-entry block's phis).
; CHECK: outer:
; CHECK-NEXT: %total = phi i64 [ %total.next, %more ], [ %mc.adv.start{{[0-9]*}}, %mc.adv.fallback ], [ %total{{[0-9]+}}, %retry ]
; CHECK-NEXT: %left = phi i64 [ %left.next, %more ], [ %mc.adv.start{{[0-9]*}}, %mc.adv.fallback ], [ %left{{[0-9]+}}, %retry ]
; CHECK-NEXT: %p = phi ptr [ %p.next, %more ], [ %mc.adv.start{{[0-9]*}}, %mc.adv.fallback ], [ %p{{[0-9]+}}, %retry ]
; CHECK-NEXT: %n = call i64 @read(i32 %fd, ptr %p, i64 %left)
; CHECK: retry:
; CHECK-NEXT: %total{{[0-9]+}} = phi i64 [ %mc.adv.carried{{[0-9]*}}, %mc.adv.out.0 ], [ %total, %outer ]
; CHECK: br i1 %intr, label %outer, label %failed
define i64 @full_read(i32 %fd, ptr %buf, i64 %len) {
entry:
  %none = icmp eq i64 %len, 0
  br i1 %none, label %done, label %outer
outer:
  %total = phi i64 [ %total.next, %more ], [ 0, %entry ]
  %left = phi i64 [ %left.next, %more ], [ %len, %entry ]
  %p = phi ptr [ %p.next, %more ], [ %buf, %entry ]
  br label %call
call:
  %n = call i64 @read(i32 %fd, ptr %p, i64 %left)
  %neg = icmp slt i64 %n, 0
  br i1 %neg, label %retry, label %got
retry:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %call, label %failed
failed:
  %some = icmp eq i64 %total, 0
  %r = select i1 %some, i64 %n, i64 %total
  br label %done
got:
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %more
more:
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %total.next = add nuw nsw i64 %n, %total
  %left.next = sub i64 %left, %n
  %end = icmp eq i64 %left.next, 0
  br i1 %end, label %done, label %outer
done:
  %ret = phi i64 [ %r, %failed ], [ 0, %entry ], [ %total, %got ], [ %total.next, %more ]
  ret i64 %ret
}

; The outer header loads the descriptor: the retry keeps its own loop.
; CHECK-LABEL: define i64 @loads(
; CHECK: br i1 %intr.l, label %call.l, label %failed.l
define i64 @loads(ptr %fdp, ptr %buf, i64 %len) {
entry:
  br label %outer.l
outer.l:
  %left = phi i64 [ %left.next, %more.l ], [ %len, %entry ]
  %fd = load i32, ptr %fdp
  br label %call.l
call.l:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 %left)
  %neg = icmp slt i64 %n, 0
  br i1 %neg, label %retry.l, label %more.l
retry.l:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr.l = icmp eq i32 %errno, 4
  br i1 %intr.l, label %call.l, label %failed.l
failed.l:
  ret i64 -1
more.l:
  %left.next = sub i64 %left, %n
  %end = icmp sle i64 %n, 0
  br i1 %end, label %done.l, label %outer.l
done.l:
  ret i64 %left.next
}

; The inner header has a phi of its own (a count of retries): left alone.
; CHECK-LABEL: define i64 @counts_retries(
; CHECK: br i1 %intr.p, label %call.phi, label %failed.p
define i64 @counts_retries(i32 %fd, ptr %buf, i64 %len) {
entry:
  br label %outer.p
outer.p:
  %left = phi i64 [ %left.next, %more.p ], [ %len, %entry ]
  br label %call.phi
call.phi:
  %tries = phi i64 [ 0, %outer.p ], [ %tries.next, %retry.p ]
  %n = call i64 @read(i32 %fd, ptr %buf, i64 %left)
  %neg = icmp slt i64 %n, 0
  br i1 %neg, label %retry.p, label %more.p
retry.p:
  %tries.next = add i64 %tries, 1
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr.p = icmp eq i32 %errno, 4
  br i1 %intr.p, label %call.phi, label %failed.p
failed.p:
  ret i64 %tries
more.p:
  %left.next = sub i64 %left, %n
  %end = icmp sle i64 %n, 0
  br i1 %end, label %done.p, label %outer.p
done.p:
  ret i64 %left.next
}

declare i64 @write(i32, ptr, i64)

; CHECK-LABEL: define i64 @atomicio_write(
; CHECK: call i64 @multicall_run_batch(
; CHECK: outer.a:
; CHECK-NEXT: %pos = phi i64
; CHECK-NEXT: %left = sub i64 %n, %pos
; CHECK-NEXT: %p = getelementptr inbounds i8, ptr %s, i64 %pos
; CHECK-NEXT: %res = call i64 @write(i32 %fd, ptr %p, i64 %left)
; CHECK: br i1 %again, label %outer.a, label %out.a
define i64 @atomicio_write(i32 %fd, ptr %s, i64 %n) {
entry:
  %none = icmp eq i64 %n, 0
  br i1 %none, label %out.a, label %outer.a
outer.a:
  %left = phi i64 [ %left.next, %more.a ], [ %n, %entry ]
  %pos = phi i64 [ %pos.next, %more.a ], [ 0, %entry ]
  %p = getelementptr inbounds i8, ptr %s, i64 %pos
  br label %call.a
call.a:
  %res = call i64 @write(i32 %fd, ptr %p, i64 %left)
  switch i64 %res, label %more.a [
    i64 -1, label %intr.a
    i64 0, label %eof.a
  ]
intr.a:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %again = icmp eq i32 %errno, 4
  br i1 %again, label %call.a, label %out.a
eof.a:
  %e2 = call ptr @__errno_location()
  store i32 32, ptr %e2
  br label %out.a
more.a:
  %pos.next = add i64 %res, %pos
  %go = icmp ult i64 %pos.next, %n
  %left.next = sub i64 %n, %pos.next
  br i1 %go, label %outer.a, label %out.a
out.a:
  %ret = phi i64 [ %pos, %eof.a ], [ 0, %entry ], [ 0, %intr.a ], [ %pos.next, %more.a ]
  ret i64 %ret
}

; CHECK-LABEL: define i64 @bb_full_write(
; CHECK: call i64 @multicall_run_batch(
; CHECK: again.w:
; CHECK-NEXT: store i32 0, ptr %e, align 4
; CHECK-NEXT: %w2 = call i64 @write(i32 %fd, ptr %p{{[0-9]*}}, i64 %left{{[0-9]*}})
define i64 @bb_full_write(i32 %fd, ptr %buf, i64 %len) {
entry:
  %none = icmp eq i64 %len, 0
  br i1 %none, label %out.w, label %head.w
head.w:
  %total = phi i64 [ %total.next, %latch.w ], [ 0, %entry ]
  %left = phi i64 [ %left.next, %latch.w ], [ %len, %entry ]
  %p = phi ptr [ %p.next, %latch.w ], [ %buf, %entry ]
  %w = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  br i1 %ok, label %latch.w, label %failed.w
failed.w:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %again.w, label %gives.w
still.w:
  %errno2 = load i32, ptr %e
  %intr2 = icmp eq i32 %errno2, 4
  br i1 %intr2, label %again.w, label %gives.w
again.w:
  store i32 0, ptr %e
  %w2 = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %ok2 = icmp sgt i64 %w2, -1
  br i1 %ok2, label %latch.w, label %still.w
gives.w:
  %bad = phi i64 [ %w2, %still.w ], [ %w, %failed.w ]
  %nothing = icmp eq i64 %total, 0
  %r = select i1 %nothing, i64 %bad, i64 %total
  br label %out.w
latch.w:
  %moved = phi i64 [ %w, %head.w ], [ %w2, %again.w ]
  %total.next = add nuw nsw i64 %moved, %total
  %p.next = getelementptr inbounds i8, ptr %p, i64 %moved
  %left.next = sub i64 %left, %moved
  %end = icmp eq i64 %left.next, 0
  br i1 %end, label %out.w, label %head.w
out.w:
  %ret = phi i64 [ %r, %gives.w ], [ 0, %entry ], [ %total.next, %latch.w ]
  ret i64 %ret
}
