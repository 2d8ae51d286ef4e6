; A write-all helper inlined into a copy loop and merged with it (one header for both, the
; write in it), in the forms the round path did not reach before (transform/duplicate.rs
; round paths, pass.md 2h): a helper that retries EINTR and fails on a write of 0 bytes (the
; write's error tests chain off the way back: `w < 0`, then `w == 0`, then the advance), and
; one that keeps a file-scope total of what it wrote (`written += w`, kept in a register by
; transform/globals.rs: a header phi whose way round adds the write's result to itself, also
; where the write-all loop stays nested and the total is a phi of both loops).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: copied 6 blocks on the way from 'read' at zero_eintr (no debug location) round the loop's header to 'write' at zero_eintr (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at zero_eintr (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: copied 3 blocks on the way from 'read' at total (no debug location) round the loop's header to 'write' at total (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of write's results); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at total (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: copied 5 blocks on the way from 'read' at nested_total (no debug location) round the loop's header to 'write' at nested_total (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of write's results), %{{[0-9a-z.]+}} (counter); {{.*}} 'read' at nested_total (no debug location) {{.*}}
; REMARK-NOT: round the loop's header to 'write' at total_capped

; The way back from the write is its success (`moved`, the likeliest), with the EINTR retry
; and the zero-byte failure copied beside it: the retry comes back to the copy of the test of
; what is left, the advance is entered from the zero test's copy.
; CHECK-LABEL: define i32 @zero_eintr(
; CHECK: mc.loop:{{.*}}preds = %test, %test.dup
; CHECK: %mc.loop.ret = call i64 @multicall_loop_flags(
; CHECK: put.dup:
; CHECK-NEXT: %w.dup = call i64 @write(i32 %out, ptr %buf, i64 %{{[0-9a-z.]+}})
; CHECK: br i1 %failed.dup, label %interrupted.dup, label %wrote.dup
; CHECK: wrote.dup:
; CHECK: br i1 %zero.dup, label %nospace, label %moved.dup
; CHECK: moved.dup:
; CHECK: test.dup:
; CHECK-NEXT: %p.t.dup = phi ptr [ %p.w.dup, %moved.dup ], [ %buf, %interrupted.dup ]
; CHECK: br i1 %empty.dup, label %mc.loop, label %latch
; CHECK: interrupted.dup:
; CHECK: br i1 %eintr.dup, label %test.dup, label %exit

; The total's copy adds the copied write's result to the total of the iteration before (the
; ways round joined at the read); the batch begins with it and carries the sum of the
; writes' results: a stop hands back the total before the iteration that stopped, and the
; code after the write adds the write's own.
; CHECK-LABEL: define i64 @total(
; CHECK: mc.loop:{{.*}}preds = %moved, %moved.dup
; CHECK-NEXT: %mc.loop.init = phi i64 [ %sum.dup, %moved.dup ], [ %sum, %moved ]
; CHECK: %mc.loop.ret = call i64 @multicall_loop_sums(
; CHECK: mc.loop.fallback:
; CHECK: %[[FSUM:[0-9a-z.]+]] = load i64
; CHECK-NEXT: %[[FTOTAL:[0-9a-z.]+]] = add i64 %mc.loop.init, %[[FSUM]]
; CHECK: mc.loop.exit.1:
; CHECK: %[[WTOTAL:[0-9a-z.]+]] = add i64 %mc.loop.init, %mc.loop.sum{{[0-9]+}}
; CHECK: put.dup:
; CHECK-NEXT: %w.dup = call i64 @write(i32 %out, ptr %buf, i64 %{{[0-9a-z.]+}})
; CHECK: mc.loop.resume.1:
; CHECK-NEXT: %[[TOTAL:[0-9a-z.]+]] = phi i64 [ %[[WTOTAL]], %mc.loop.out.1 ], [ %{{[0-9a-z.]+}}, %put.dup ]
; CHECK: moved.dup:
; CHECK-NEXT: %sum.dup = add nuw nsw i64 %[[TOTAL]], %w.dup{{[0-9]*}}
; Every exit stores the total back.
; CHECK: fail:
; CHECK-NEXT: %[[FAILED:[0-9a-z.]+]] = phi i64 [ %[[TOTAL]], %mc.loop.resume.1 ], [ %mc.promoted.0, %put ]
; CHECK-NEXT: store i64 %[[FAILED]], ptr @written

; A total the loop also tests (a cap): no copy, no batch of the loop.
; CHECK-LABEL: define i64 @total_capped(
; CHECK-NOT: multicall_loop
; CHECK: ret i64

; Nested: the batch carries the total and the count of blocks.
; CHECK-LABEL: define i64 @nested_total(
; CHECK: %mc.loop.ret = call i64 @multicall_loop_sums(
; CHECK: ret i64

declare i64 @read(i32, ptr, i64) nounwind
declare i64 @write(i32, ptr, i64) nounwind
declare ptr @__errno_location() nounwind

@written = internal global i64 0

; clang -O2 of `while ((n = read(in, buf, sizeof buf)) > 0) if (write_all(out, buf, n) < 0)
; return -1;` with a write_all that retries EINTR and fails on a write of 0 bytes.
define i32 @zero_eintr(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %put, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %latch, label %done

put:
  %left = phi i64 [ %left.next, %latch ], [ %n0, %entry ]
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %failed = icmp slt i64 %w, 0
  br i1 %failed, label %interrupted, label %wrote

interrupted:
  %errno = call ptr @__errno_location()
  %e = load i32, ptr %errno, align 4
  %eintr = icmp eq i32 %e, 4
  br i1 %eintr, label %test, label %exit

wrote:
  %zero = icmp eq i64 %w, 0
  br i1 %zero, label %nospace, label %moved

nospace:
  %errno.z = call ptr @__errno_location()
  store i32 28, ptr %errno.z, align 4
  br label %exit

moved:
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br label %test

test:
  %p.t = phi ptr [ %p.w, %moved ], [ %p, %interrupted ]
  %left.t = phi i64 [ %left.w, %moved ], [ %left, %interrupted ]
  %empty = icmp eq i64 %left.t, 0
  br i1 %empty, label %again, label %latch

latch:
  %left.next = phi i64 [ %left.t, %test ], [ %n, %again ]
  %p.next = phi ptr [ %p.t, %test ], [ %buf, %again ]
  br label %put

done:
  %r = phi i64 [ %n0, %entry ], [ %n, %again ]
  %bad = icmp slt i64 %r, 0
  %ret.d = select i1 %bad, i32 -1, i32 0
  br label %exit

exit:
  %ret = phi i32 [ %ret.d, %done ], [ -1, %interrupted ], [ -1, %nospace ]
  ret i32 %ret
}

; The same copy loop with a write_all that keeps a file-scope total of what it wrote
; (`written += w`), read after the loop.
define i64 @total(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %put, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %latch, label %done

put:
  %left = phi i64 [ %left.next, %latch ], [ %n0, %entry ]
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %failed = icmp slt i64 %w, 0
  br i1 %failed, label %fail, label %moved

moved:
  %old = load i64, ptr @written, align 8
  %sum = add nuw nsw i64 %old, %w
  store i64 %sum, ptr @written, align 8
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  %empty = icmp eq i64 %left.w, 0
  br i1 %empty, label %again, label %latch

latch:
  %left.next = phi i64 [ %left.w, %moved ], [ %n, %again ]
  %p.next = phi ptr [ %p.w, %moved ], [ %buf, %again ]
  br label %put

fail:
  ret i64 -1

done:
  %r = phi i64 [ %n0, %entry ], [ %n, %again ]
  %bad = icmp slt i64 %r, 0
  %all = load i64, ptr @written, align 8
  %ret = select i1 %bad, i64 -1, i64 %all
  ret i64 %ret
}

; The total before the write is also tested in the loop (a cap on what is written): it
; decides where the loop goes, and the way round is not copied for it.
define i64 @total_capped(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %put, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %latch, label %done

put:
  %left = phi i64 [ %left.next, %latch ], [ %n0, %entry ]
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %failed = icmp slt i64 %w, 0
  br i1 %failed, label %fail, label %moved

moved:
  %old = load i64, ptr @written, align 8
  %capped = icmp ugt i64 %old, 1048576
  br i1 %capped, label %fail, label %count

count:
  %sum = add nuw nsw i64 %old, %w
  store i64 %sum, ptr @written, align 8
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  %empty = icmp eq i64 %left.w, 0
  br i1 %empty, label %again, label %latch

latch:
  %left.next = phi i64 [ %left.w, %count ], [ %n, %again ]
  %p.next = phi ptr [ %p.w, %count ], [ %buf, %again ]
  br label %put

fail:
  ret i64 -1

done:
  %r = phi i64 [ %n0, %entry ], [ %n, %again ]
  %bad = icmp slt i64 %r, 0
  %all = load i64, ptr @written, align 8
  %ret = select i1 %bad, i64 -1, i64 %all
  ret i64 %ret
}

; The copy loop also counts its blocks, so clang keeps the write-all loop nested in it (the
; copy loop's header only selects; the count is read after the loop), the helper retries
; EINTR and keeps the file-scope total: the total is a phi of both headers, and on the way
; round the copy loop's header it is the inner loop's phi of the retry's and the advance's
; values, a sum of the total and the writes' results all the same.
define i64 @nested_total(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %block, label %done

block:
  %count = phi i64 [ %n, %next ], [ %n0, %entry ]
  %blocks = phi i64 [ %blocks.next, %next ], [ 0, %entry ]
  br label %put

put:
  %left = phi i64 [ %count, %block ], [ %left.t, %test ]
  %p = phi ptr [ %buf, %block ], [ %p.t, %test ]
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %failed = icmp slt i64 %w, 0
  br i1 %failed, label %interrupted, label %moved

interrupted:
  %errno = call ptr @__errno_location()
  %e = load i32, ptr %errno, align 4
  %eintr = icmp eq i32 %e, 4
  br i1 %eintr, label %test, label %fail

moved:
  %old = load i64, ptr @written, align 8
  %sum = add nuw nsw i64 %old, %w
  store i64 %sum, ptr @written, align 8
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br label %test

test:
  %p.t = phi ptr [ %p.w, %moved ], [ %p, %interrupted ]
  %left.t = phi i64 [ %left.w, %moved ], [ %left, %interrupted ]
  %empty = icmp eq i64 %left.t, 0
  br i1 %empty, label %next, label %put

next:
  %blocks.next = add nuw nsw i64 %blocks, 1
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %block, label %done

fail:
  ret i64 -1

done:
  %nblocks = phi i64 [ 0, %entry ], [ %blocks.next, %next ]
  %r = phi i64 [ %n0, %entry ], [ %n, %next ]
  %bad = icmp slt i64 %r, 0
  %all = load i64, ptr @written, align 8
  %both = add i64 %all, %nblocks
  %ret = select i1 %bad, i64 -1, i64 %both
  ret i64 %ret
}
