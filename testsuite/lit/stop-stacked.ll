; Stacked stop predicates: several tests of one call's result between it and the next call (a
; branch, then a switch on the result merged through a phi with what a retry path brings back,
; as gnulib's safe_read leaves them after inlining) are one stop predicate when, over the
; values the call can return (-1 or a count for read), the path goes on exactly when
; "result < 0" or "result <= 0" does not fire. Tests that all let the path on where a read
; of a constant length moved all of it, whatever else they read (`n == 5`, dd's `sync && n <
; bs` padding), are the stop "result != argument 2": it fires wherever they leave, and on
; other short reads, where the batch only stops early. A test that leaves on the whole length
; is none of these.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/lin.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks linearity: a second conditional branch between 'read' at not_a_stop (no debug location) and 'write' at not_a_stop (no debug location): a multi-call entry has one stop predicate
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result != argument 2, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result != argument 2, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: copied 2 blocks on the quiet path from 'read' at other_call (no debug location) to 'write' at other_call (no debug location) so that the hot edge read -> write (weight 20) is a path of its own: the way off it that came back to it (an error handler joining the common code) now leaves for good, into the original blocks
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)

; The read's entry (0) has the stop field (1) MC_STOP_NONPOS (2) wherever the pair clusters.
; CHECK-LABEL: define i64 @two_tests(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @safe_read(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @switch_only(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @int_count(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @switch_to_write(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @not_a_stop(
; CHECK-NOT: multicall
; The read's stop MC_STOP_NE_ARG (3) on argument 2.
; CHECK-LABEL: define i64 @short_leaves(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 3, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @padded(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @narrow_switch(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr [[STOP]]
; CHECK: call i64 @multicall(
; A failed read is retried by another call and merges into the tests: the merge and the
; write copied for the read's own way (convexity.ll), whose tests then read the read's
; result alone; the retry's way goes on in the original blocks.
; CHECK-LABEL: define i64 @other_call(
; CHECK: call i64 @multicall(
; CHECK: br i1 %ok, label %merge.dup, label %again
; CHECK: again:
; CHECK-NEXT: call i64 @pread64(
; CHECK-NEXT: br label %merge
; CHECK: merge.dup:
; CHECK-NEXT: switch i64 %mc.result.0, label %write.dup

; if (n < 0) fail; if (n == 0) eof; write: the path goes on when n > 0.
define i64 @two_tests(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %fail, label %check
check:
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %ok
fail:
  ret i64 -1
done:
  ret i64 0
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

; safe_read inlined: a read retried on EINTR and clamped on EINVAL, then the caller's switch on
; the merged result (-1: error, 0: end of file). The retry path enters the merge with the same
; call's failed result (through an LCSSA phi); the clamp goes back to the read's loop.
define i64 @safe_read(i32 %in, i32 %out, ptr %buf, i64 %size) {
entry:
  br label %clamp
clamp:
  %len = phi i64 [ 2146435072, %einval ], [ %size, %entry ]
  br label %again
again:
  %r = call i64 @read(i32 %in, ptr %buf, i64 %len)
  %ok = icmp sgt i64 %r, -1
  br i1 %ok, label %merge, label %retry
retry:
  %errp = call ptr @__errno_location()
  %e = load i32, ptr %errp, align 4
  %intr = icmp eq i32 %e, 4
  br i1 %intr, label %again, label %einval
einval:
  %e.lcssa = phi i32 [ %e, %retry ]
  %r.lcssa = phi i64 [ %r, %retry ]
  %notinval = icmp ne i32 %e.lcssa, 22
  %small = icmp ult i64 %len, 2146435073
  %give = or i1 %small, %notinval
  br i1 %give, label %merge, label %clamp
merge:
  %n = phi i64 [ %r, %again ], [ %r.lcssa, %einval ]
  switch i64 %n, label %write [
    i64 -1, label %fail
    i64 0, label %done
  ]
fail:
  ret i64 -1
done:
  ret i64 0
write:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

; A switch alone: the cases -1 and 0 leave, the default goes on.
define i64 @switch_only(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  switch i64 %n, label %ok [
    i64 -1, label %fail
    i64 0, label %fail
  ]
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

; int n = read(fd, buf, 4096) (a constant length below 2^31: the result fits an int): the
; tests of the truncated count are the same tests of the count.
define i32 @int_count(i32 %in, i32 %out, ptr %buf) {
entry:
  %r = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %n = trunc i64 %r to i32
  %bad = icmp slt i32 %n, 0
  br i1 %bad, label %fail, label %check
check:
  switch i32 %n, label %ok [
    i32 0, label %fail
  ]
fail:
  ret i32 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %wn = trunc i64 %w to i32
  ret i32 %wn
}

; What comes back from off the path may go on to the write: the retry's -1 passes the switch,
; which leaves on 0 only. On the path (r > 0, then r != 0) the tests are "result <= 0"; when
; the batch stops there, the write at its own position runs as the original call.
define i64 @switch_to_write(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %again
again:
  %r = call i64 @read(i32 %in, ptr %buf, i64 64)
  %ok = icmp sgt i64 %r, 0
  br i1 %ok, label %merge, label %retry
retry:
  %r.lcssa = phi i64 [ %r, %again ]
  br label %merge
merge:
  %n = phi i64 [ %r, %again ], [ %r.lcssa, %retry ]
  switch i64 %n, label %write [
    i64 0, label %fail
  ]
fail:
  ret i64 -1
write:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

; n < 0 and n == 5 leave: the path goes on for 0..4 and 6.., which no stop predicate says.
define i64 @not_a_stop(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %fail, label %check
check:
  %whole = icmp eq i64 %n, 64
  br i1 %whole, label %fail, label %ok
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

; A test of another short count: where the read moved all 64 bytes, both tests go on.
define i64 @short_leaves(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %fail, label %check
check:
  %five = icmp eq i64 %n, 5
  br i1 %five, label %fail, label %ok
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

; dd's padding of a short block under an option, whose way leaves the path (the write copied
; for it): `sync && n < 64` is false where the read moved all 64 bytes, whatever `sync` is.
define i64 @padded(i32 %in, i32 %out, ptr %buf, i1 %sync) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %end = icmp slt i64 %n, 1
  br i1 %end, label %fail, label %check
check:
  %short = icmp slt i64 %n, 64
  %pad = select i1 %sync, i1 %short, i1 false
  br i1 %pad, label %padding, label %ok
padding:
  %tail = getelementptr i8, ptr %buf, i64 %n
  %left = sub i64 64, %n
  call void @llvm.memset.p0.i64(ptr %tail, i8 0, i64 %left, i1 false)
  %w2 = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w2
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

; A count of a length no `int` bounds, truncated to int: the kernel cuts every transfer to
; MAX_RW_COUNT (below 2^31) whatever its length, so -1 and 0 of the int are -1 and 0 of the
; count, and the tests are the read's `result <= 0`.
define i64 @narrow_switch(i32 %in, i32 %out, ptr %buf, i64 %size) {
entry:
  %r = call i64 @read(i32 %in, ptr %buf, i64 %size)
  %n = trunc i64 %r to i32
  %bad = icmp slt i32 %n, 0
  br i1 %bad, label %fail, label %check
check:
  switch i32 %n, label %ok [
    i32 0, label %fail
  ]
fail:
  ret i64 -1
ok:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  ret i64 %w
}

; The merge takes another call's result from off the path: not a merge of this read's
; result; the read's own way gets a copy of the merge (convexity.ll).
define i64 @other_call(i32 %in, i32 %out, ptr %buf) {
entry:
  %r = call i64 @read(i32 %in, ptr %buf, i64 64)
  %ok = icmp sgt i64 %r, -1
  br i1 %ok, label %merge, label %again
again:
  %r2 = call i64 @pread64(i32 %in, ptr %buf, i64 64, i64 0)
  br label %merge
merge:
  %n = phi i64 [ %r, %entry ], [ %r2, %again ]
  switch i64 %n, label %write [
    i64 -1, label %fail
    i64 0, label %fail
  ]
fail:
  ret i64 -1
write:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @pread64(i32, ptr nocapture, i64, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare ptr @__errno_location()
