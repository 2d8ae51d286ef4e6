; A write-all loop that clang merged into the copy loop around it (transform/duplicate.rs
; round paths, legality/looped.rs tested_header_start, pass.md 2h): one header for both
; loops tests what is left to write; the read goes back to it with its count, the write with
; what is left. The read's way round the header to the write is copied for it (the copy of
; the header's test folded: the read went on because its count is above 0), and the loop is
; one looped multi-call read -> write that begins at the read, where the header sends the way
; round when nothing is left; a short write resumes the original loop, which finishes it.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll
; RUN: not grep 'peeled .* merged_\(rotated\|eintr\)' %t.remarks

; REMARK-DAG: remark: <unknown>:0:0: copied 3 blocks on the way from 'read' at merged (no debug location) round the loop's header to 'write' at merged (no debug location) so that the hot edge read -> write (weight 557) is one iteration: the loop of write is merged with the one around it (one header for both)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at merged (no debug location) is also used by '%w = call i64 @write(i32 %out, ptr %p, i64 %left)'): the runtime may run it as an in-kernel copy that refills the buffer from a regular input at such a stop
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: the loop's header tests where the way round goes before 'read' at merged_used (no debug location), so the batch begins at that call, but '%left = phi i64 {{.*}}' is used where a stop of the batch resumes the loop, which the header does not run again before
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 557) breaks safety: 'call void @note(i64 %n0)' between 'read' at merged_call (no debug location) and 'write' at merged_call (no debug location) calls 'note': user code cannot run inside a multi-call
; REMARK-DAG: remark: <unknown>:0:0: copied 4 blocks on the way from 'read' at merged_rotated (no debug location) round the loop's header to 'write' at merged_rotated (no debug location) so that the hot edge read -> write (weight 557) is one iteration: the loop of write is merged with the one around it (one header for both)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at merged_rotated (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: copied 5 blocks on the way from 'read' at merged_eintr (no debug location) round the loop's header to 'write' at merged_eintr (no debug location) so that the hot edge read -> write (weight 557) is one iteration: the loop of write is merged with the one around it (one header for both)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at merged_eintr (no debug location) {{.*}}
; REMARK-NOT: round the loop's header to 'write' at merged_call

; The header sends the way round to the batch when nothing is left to write, else to the
; original write; the batch's first call is the read, its second the copy of the write.
; CHECK-LABEL: define i32 @merged(
; CHECK: mc.loop:{{.*}}preds = %top
; CHECK: %mc.loop.ret = call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 18)
; CHECK: mc.loop.fallback:
; CHECK-NEXT: br label %again
; CHECK: again:
; CHECK-NEXT: %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
; CHECK: mc.loop.resume.0:
; CHECK-NEXT: %[[N:[0-9a-z.]+]] = phi i64 [ %mc.loop.x.0, %mc.loop.out.0 ], [ %n, %again ]
; CHECK: br i1 %got, label %latch.dup, label %done
; CHECK: top:
; CHECK-NEXT: %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
; CHECK-NEXT: %left = phi i64 [ %left.next, %latch ], [ %n0, %entry ]
; CHECK-NEXT: %empty = icmp eq i64 %left, 0
; CHECK-NEXT: br i1 %empty, label %mc.loop, label %put
; The copy of the header's test is gone: the read went on because %n > 0.
; CHECK: latch.dup:
; CHECK-NEXT: br label %top.dup
; CHECK: top.dup:
; CHECK-NEXT: br label %put.dup
; CHECK: put.dup:
; CHECK-NEXT: %w.dup = call i64 @write(i32 %out, ptr %buf, i64 %[[N]])
; CHECK-NEXT: br label %mc.loop.resume.1
; CHECK: latch:
; CHECK-NEXT: %p.next = phi ptr [ %p.w, %put ], [ %p.w.dup, %mc.loop.resume.1 ]

; The header's count used after the loop: where the batch stops at the read, %left would be
; an earlier iteration's. Refused whole.
; CHECK-LABEL: define i32 @merged_used(
; CHECK-NOT: multicall_loop
; CHECK: ret i32 -1

; A call in the header would run between the read and the write: the way is not copied.
; CHECK-LABEL: define i32 @merged_call(
; CHECK-NOT: multicall_loop
; CHECK-NOT: top.dup
; CHECK: declare void @note(i64)

; The write in the header (clang rotated the write-all loop: `if (w == 0)` is tested after
; the write, then what is left): the way is copied on from the write back to the read, and
; the read's block heads the loop; the original write-all loop, once done, enters the batch
; too. The loop around it is not peeled.
; CHECK-LABEL: define i32 @merged_rotated(
; CHECK: mc.loop:{{.*}}preds = %more, %more.dup
; CHECK: put.dup:
; CHECK-NEXT: %w.dup = call i64 @write(i32 %fd, ptr %buf, i64 %{{[0-9a-z.]+}})
; CHECK: more.dup:
; CHECK: br i1 %empty.dup, label %mc.loop, label %latch

; The rotated form whose write-all helper retries EINTR: the way back from the write is the
; likeliest one (through `moved`, the write's success, not the shorter retry); the retry's
; test joins it before the test of what is left, so it is copied with the path (a block off
; it that comes back to it, placed after the path's copies), and the copy of the join takes
; both.
; CHECK-LABEL: define i32 @merged_eintr(
; CHECK: mc.loop:{{.*}}preds = %test, %test.dup
; CHECK: put.dup:
; CHECK-NEXT: %w.dup = call i64 @write(i32 %fd, ptr %buf, i64 %{{[0-9a-z.]+}})
; CHECK: br i1 %failed.dup, label %interrupted.dup, label %moved.dup
; CHECK: moved.dup:
; CHECK: test.dup:
; CHECK-NEXT: %p.t.dup = phi ptr [ %p.w.dup, %moved.dup ], [ %buf, %interrupted.dup ]
; CHECK: br i1 %empty.dup, label %mc.loop, label %latch
; CHECK: interrupted.dup:
; CHECK: br i1 %eintr.dup, label %test.dup, label %exit

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare ptr @__errno_location()

@seen = global i64 0

; clang -O2 of `while ((n = read(in, buf, sizeof buf)) > 0) if (write_all(out, buf, n) < 0)
; return -1;` with a write_all of the same file that loops while `len > 0`.
define i32 @merged(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %top, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %latch, label %done

top:
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %left = phi i64 [ %left.next, %latch ], [ %n0, %entry ]
  %empty = icmp eq i64 %left, 0
  br i1 %empty, label %again, label %put

put:
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br i1 %ok, label %latch, label %fail

latch:
  %p.next = phi ptr [ %p.w, %put ], [ %buf, %again ]
  %left.next = phi i64 [ %left.w, %put ], [ %n, %again ]
  br label %top

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  ret i32 %r

fail:
  ret i32 -1
}

define i32 @merged_used(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %top, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %latch, label %done

top:
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %left = phi i64 [ %left.next, %latch ], [ %n0, %entry ]
  %empty = icmp eq i64 %left, 0
  br i1 %empty, label %again, label %put

put:
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br i1 %ok, label %latch, label %fail

latch:
  %p.next = phi ptr [ %p.w, %put ], [ %buf, %again ]
  %left.next = phi i64 [ %left.w, %put ], [ %n, %again ]
  br label %top

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %seen.left = phi i64 [ 0, %entry ], [ %left, %again ]
  store i64 %seen.left, ptr @seen
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  ret i32 %r

fail:
  ret i32 -1
}

define i32 @merged_call(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %top, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %latch, label %done

top:
  %p = phi ptr [ %p.next, %latch ], [ %buf, %entry ]
  %left = phi i64 [ %left.next, %latch ], [ %n0, %entry ]
  call void @note(i64 %left)
  %empty = icmp eq i64 %left, 0
  br i1 %empty, label %again, label %put

put:
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br i1 %ok, label %latch, label %fail

latch:
  %p.next = phi ptr [ %p.w, %put ], [ %buf, %again ]
  %left.next = phi i64 [ %left.w, %put ], [ %n, %again ]
  br label %top

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  ret i32 %r

fail:
  ret i32 -1
}

declare void @note(i64)

define i32 @merged_rotated(i32 %in, i32 %fd) {
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
  %w = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %failed = icmp slt i64 %w, 0
  br i1 %failed, label %exit, label %moved

moved:
  %none = icmp eq i64 %w, 0
  br i1 %none, label %full, label %more

full:
  %errno = call ptr @__errno_location()
  store i32 28, ptr %errno, align 4
  br label %exit

more:
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  %empty = icmp eq i64 %left.w, 0
  br i1 %empty, label %again, label %latch

latch:
  %left.next = phi i64 [ %left.w, %more ], [ %n, %again ]
  %p.next = phi ptr [ %p.w, %more ], [ %buf, %again ]
  br label %put

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  br label %exit

exit:
  %ret = phi i32 [ %r, %done ], [ -1, %full ], [ -1, %put ]
  ret i32 %ret
}

define i32 @merged_eintr(i32 %in, i32 %fd) {
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
  %w = call i64 @write(i32 %fd, ptr %p, i64 %left)
  %failed = icmp slt i64 %w, 0
  br i1 %failed, label %interrupted, label %moved

interrupted:
  %errno = call ptr @__errno_location()
  %e = load i32, ptr %errno, align 4
  %eintr = icmp eq i32 %e, 4
  br i1 %eintr, label %test, label %exit

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
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  br label %exit

exit:
  %ret = phi i32 [ %r, %done ], [ -1, %interrupted ]
  ret i32 %ret
}
