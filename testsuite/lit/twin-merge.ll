; A copy loop whose read is retried on EINTR, over a write-all helper that retries its writes
; (transform/duplicate.rs run_twins, pass.md 2h): clang -O2 rotates the copy loop (the first
; read copied before it, ahead of the loop's header) and keeps the write-all loop inside it.
; The retried read enters the header without the write-all loop, so the read's way round the
; header to the write passes a loop header that does not dominate the read: no copy of that
; way keeps the loops reducible. The read's copy before the loop is merged back into the
; read's block, which then heads the loop; the write-all loop's first iteration is peeled
; and the copy loop is one looped multi-call that begins at the read.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: merged the copy of the block of 'read' at retried (no debug location) that the loop's way in runs into that block, so that the loop begins with read and the hot edge read -> write (weight 557) is one iteration: the loop of write inside it is entered from it alone
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at retried (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: the block of 'read' at after_code (no debug location) was not merged with its copy on the loop's way in: the blocks end in different instructions
; REMARK-NOT: clustered the whole loop into one looped multi-call: read -> write {{.*}} at after_code

; The way in goes to the read's block, which heads the loop (the batch's block before it, also
; where an interrupted read is retried); the copy is gone.
; CHECK-LABEL: define i32 @retried(
; CHECK-NOT: @read(
; CHECK: again.preheader:
; CHECK-NEXT: br label %mc.loop
; CHECK-NOT: @read(
; CHECK: mc.loop:{{.*}}preds = %again.preheader, %again.backedge
; CHECK: call i64 @multicall_loop_flags(
; CHECK-NOT: @read(
; CHECK: again:
; CHECK-NEXT: %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
; CHECK-NOT: @read(

; The copy before the loop reads into another buffer: no twin; left as it is.
; CHECK-LABEL: define i32 @after_code(
; CHECK: %n0 = call i64 @read(i32 %in, ptr %other, i64 4096)
; CHECK-NOT: call i64 @multicall_loop

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare ptr @__errno_location()

; clang -O2 of `while ((n = read(in, buf, sizeof buf)) != 0) { if (n < 0) { if (errno ==
; EINTR) continue; return 1; } if (write_all(out, buf, n) < 0) return 1; }` with a write_all
; of the same file that retries EINTR.
define i32 @retried(i32 %in, i32 %out, i1 %ok) {
entry:
  %buf = alloca [4096 x i8], align 16
  br i1 %ok, label %first, label %fail.open

first:
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof0 = icmp eq i64 %n0, 0
  br i1 %eof0, label %done, label %test

fail.open:
  ret i32 2

test:
  %n.in = phi i64 [ %n, %again ], [ %n0, %first ]
  %neg = icmp slt i64 %n.in, 0
  br i1 %neg, label %interrupted, label %put

interrupted:
  %errno.p = call ptr @__errno_location()
  %errno = load i32, ptr %errno.p, align 4
  %eintr = icmp eq i32 %errno, 4
  br i1 %eintr, label %again, label %fail

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %test

put:
  %left = phi i64 [ %left.next, %next ], [ %n.in, %test ]
  %p = phi ptr [ %p.next, %next ], [ %buf, %test ]
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %wneg = icmp slt i64 %w, 0
  br i1 %wneg, label %winterrupted, label %moved

winterrupted:
  %werrno.p = call ptr @__errno_location()
  %werrno = load i32, ptr %werrno.p, align 4
  %weintr = icmp eq i32 %werrno, 4
  br i1 %weintr, label %next, label %fail

moved:
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br label %next

next:
  %p.next = phi ptr [ %p.w, %moved ], [ %p, %winterrupted ]
  %left.next = phi i64 [ %left.w, %moved ], [ %left, %winterrupted ]
  %empty = icmp eq i64 %left.next, 0
  br i1 %empty, label %again, label %put

fail:
  ret i32 1

done:
  ret i32 0
}


; The same with the first read into another buffer: not the loop's read.
define i32 @after_code(i32 %in, i32 %out, i1 %ok) {
entry:
  %buf = alloca [4096 x i8], align 16
  %other = alloca [4096 x i8], align 16
  br i1 %ok, label %first, label %fail.open

first:
  %n0 = call i64 @read(i32 %in, ptr %other, i64 4096)
  %eof0 = icmp eq i64 %n0, 0
  br i1 %eof0, label %done, label %test

fail.open:
  ret i32 2

test:
  %n.in = phi i64 [ %n, %again ], [ %n0, %first ]
  %neg = icmp slt i64 %n.in, 0
  br i1 %neg, label %interrupted, label %put

interrupted:
  %errno.p = call ptr @__errno_location()
  %errno = load i32, ptr %errno.p, align 4
  %eintr = icmp eq i32 %errno, 4
  br i1 %eintr, label %again, label %fail

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %test

put:
  %left = phi i64 [ %left.next, %next ], [ %n.in, %test ]
  %p = phi ptr [ %p.next, %next ], [ %buf, %test ]
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %wneg = icmp slt i64 %w, 0
  br i1 %wneg, label %winterrupted, label %moved

winterrupted:
  %werrno.p = call ptr @__errno_location()
  %werrno = load i32, ptr %werrno.p, align 4
  %weintr = icmp eq i32 %werrno, 4
  br i1 %weintr, label %next, label %fail

moved:
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br label %next

next:
  %p.next = phi ptr [ %p.w, %moved ], [ %p, %winterrupted ]
  %left.next = phi i64 [ %left.w, %moved ], [ %left, %winterrupted ]
  %empty = icmp eq i64 %left.next, 0
  br i1 %empty, label %again, label %put

fail:
  ret i32 1

done:
  ret i32 0
}

