; Whole loops whose stops resume the original loop (legality/resume.rs, pass.md 3d): a stop
; continues the original code right after the call that stopped, with that iteration's
; values, and the loop's back edges come back to the batch. The way round may test the
; results several times and a stop's code may go back into the loop (an EINTR retry, the
; rest of a short write); each refusal names what stops it.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: the buffer {{.*}} is given to the function by its callers, and '{{[a-z_]+}}' is visible outside this module
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); carries %total (total of write's results); no in-kernel copy: the buffer {{.*}} is given to the function by its callers, and '{{[a-z_]+}}' is visible outside this module
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: '%third = udiv i64 %n, 3' is computed in the loop before 'write' at needs_value (no debug location) and used after it: a stop there resumes the original loop right after the call, which gets back only the calls' results and the carried values
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: after 'write' at leaves (no debug location) the way round leaves the loop at 'ret i64 %n' although no call stopped the batch
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %blocks (counter); no in-kernel copy: the buffer {{.*}} is given to the function by its callers, and '{{[a-z_]+}}' is visible outside this module
; REMARK-DAG: 11 syscall-cluster - Number of looped multi-calls (whole loops)

; The EINTR idiom: a read interrupted goes round again, any other error leaves.
; CHECK-LABEL: define i64 @eintr(
; CHECK: mc.loop:{{.*}}preds = %entry, %retry, %mc.loop.resume.1
; CHECK: %mc.loop.ret = call i64 @multicall_loop(
; CHECK: mc.loop.out.0:
; CHECK: br label %mc.loop.resume.0
; CHECK: mc.loop.out.1:
; CHECK: br label %mc.loop.resume.1
; CHECK: mc.loop.resume.0:
; CHECK-NEXT: %[[N:[0-9a-z.]+]] = phi i64 [ %mc.loop.x.0, %mc.loop.out.0 ], [ %n, %loop ]
; CHECK: icmp eq i64 %[[N]], 0
; CHECK: retry:
; CHECK: br i1 %{{.*}}, label %mc.loop, label %fail
define i64 @eintr(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %got
got:
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %retry, label %body
retry:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %loop, label %fail
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 0
}

; Two tests of the read, each with its own way out: the end of the input returns 0, an error
; -1. A stop cannot go to one exit (which would send an error where the end of the input
; goes): it resumes after the read, and the original tests send it on.
; CHECK-LABEL: define i64 @two_ways_out(
; CHECK: mc.loop.out.0:
; CHECK-NEXT: %mc.loop.x.0 = phi
; CHECK-NEXT: br label %mc.loop.resume.0
; CHECK: mc.loop.resume.0:
; CHECK-NEXT: %[[N:[0-9a-z.]+]] = phi i64 [ %mc.loop.x.0, %mc.loop.out.0 ], [ %n, %loop ]
; CHECK-NEXT: %eof = icmp eq i64 %[[N]], 0
; CHECK-NEXT: br i1 %eof, label %done, label %got
; CHECK: got:
; CHECK-NEXT: %bad = icmp slt i64 %[[N]], 0
; CHECK-NEXT: br i1 %bad, label %fail, label %body
define i64 @two_ways_out(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %got
got:
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %fail, label %body
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 0
}

; The EINTR idiom with a block counter: the retry keeps the count, a written block adds one,
; and the latch joins the two (clang -O1). The way round goes through the count; the retry is
; the original code's.
; CHECK-LABEL: define i64 @eintr_count(
; CHECK: %mc.loop.ret = call i64 @multicall_loop(ptr %{{.*}}, i32 2, i64 4611686018427387904, ptr %mc.loop.iterations)
; CHECK: mc.loop.resume.0:
; CHECK: retry:
; CHECK: br i1 %intr, label %latch, label %fail
define i64 @eintr_count(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 0, %entry ], [ %blocks.next, %latch ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %got
got:
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %retry, label %body
retry:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %latch, label %fail
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %count
count:
  %inc = add i64 %blocks, 1
  br label %latch
latch:
  %blocks.next = phi i64 [ %blocks, %retry ], [ %inc, %count ]
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %blocks
}

; A write-all after each read, its first write peeled (gnulib's full_write after inlining):
; the way round tests the write's result three times, and a short write finishes in the
; original loop. Under "result != argument 2" every test's way is known.
; CHECK-LABEL: define i64 @write_all(
; CHECK: call i64 @multicall_loop(
; CHECK: mc.loop.resume.1:
; CHECK: rest:
; CHECK: call i64 @write(i32 %out, ptr %p, i64 %left)
define i64 @write_all(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp sgt i64 %w, -1
  br i1 %ok, label %wrote, label %fail
wrote:
  %none = icmp eq i64 %w, 0
  br i1 %none, label %fail, label %count
count:
  %left0 = sub i64 %n, %w
  %all = icmp eq i64 %left0, 0
  %p0 = getelementptr inbounds i8, ptr %buf, i64 %w
  br i1 %all, label %loop, label %rest
rest:
  %left = phi i64 [ %left0, %count ], [ %left.next, %rest ]
  %p = phi ptr [ %p0, %count ], [ %p.next, %rest ]
  %w2 = call i64 @write(i32 %out, ptr %p, i64 %left)
  %bad2 = icmp slt i64 %w2, 1
  %left.next = sub i64 %left, %w2
  %p.next = getelementptr inbounds i8, ptr %p, i64 %w2
  %done2 = icmp eq i64 %left.next, 0
  %stop2 = or i1 %bad2, %done2
  br i1 %stop2, label %check2, label %rest
check2:
  br i1 %bad2, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

; A value computed after the write and used where its stop leaves: the original code
; computes it after resuming.
; CHECK-LABEL: define i64 @after_write(
; CHECK: call i64 @multicall_loop(
define i64 @after_write(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %next = add i64 %n, 1
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 %next
done:
  ret i64 %n
}

; The write's result is not tested, and its results add up to a total: it stops the batch
; on an error (errno), the original code adds the -1 and goes round.
; CHECK-LABEL: define i64 @unchecked_total(
; CHECK: call i64 @multicall_loop_sums(
define i64 @unchecked_total(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %total = phi i64 [ 0, %entry ], [ %total.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %total.next = add i64 %total, %w
  br label %loop
done:
  ret i64 %total
}

; A local buffer: the runtime may move the data in the kernel when, where each stop resumes
; the loop, the original code reaches no call that reads the buffer before one that fills it
; or the loop's header. After the read stopped (-1 or 0) the tests leave no way to the write;
; after the write stopped, the way leaves the loop.
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)
; CHECK-LABEL: define i64 @eintr_local(
; CHECK: call i64 @multicall_loop_flags(ptr %{{.*}}, i32 2, i64 4611686018427387904, ptr null, i32 2)
define i64 @eintr_local(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8]
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %got
got:
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %retry, label %body
retry:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %loop, label %fail
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 0
}

; A local buffer whose short write is finished from the buffer: the stop at the write resumes
; the original code, which writes the rest of the buffer: the data must be there. No way from a
; stop at the read reaches that write: MC_BATCH_LIVE_AT_STOP (18), the runtime refilling the
; buffer at a stop at the write.
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at rest_local (no debug location) is also used by '%w2 = call i64 @write(i32 %out, ptr %p, i64 %left)'): the runtime may run it as an in-kernel copy that refills the buffer from a regular input at such a stop
; CHECK-LABEL: define i64 @rest_local(
; CHECK: call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 18)
define i64 @rest_local(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8]
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %all = icmp eq i64 %w, %n
  br i1 %all, label %loop, label %check
check:
  %bad = icmp slt i64 %w, 1
  br i1 %bad, label %fail, label %rest
rest:
  %left = sub i64 %n, %w
  %p = getelementptr inbounds i8, ptr %buf, i64 %w
  %w2 = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok2 = icmp eq i64 %w2, %left
  br i1 %ok2, label %loop, label %fail
fail:
  ret i64 -1
done:
  ret i64 %n
}

; A straight multi-call on a way back into the loop (two closes before the EINTR retry goes
; round), lowered before the loop: its split block is a back edge of the loop too, and comes to
; the batch like the others, its counter with it (the back edges are the header's
; predecessors it dominates; taken for a way in, the counter's phi got two entries from the
; fallback and the module did not verify).
; CHECK-LABEL: define i64 @straight_inside(
; CHECK: mc.loop:{{.*}}preds = %entry, %mc.join.{{[0-9]+}}, %mc.loop.resume.1
; CHECK-NEXT: %mc.loop.init = phi i64 [ 0, %entry ], [ %blocks{{[0-9]*}}, %mc.join.{{[0-9]+}} ], [ %inc, %mc.loop.resume.1 ]
; CHECK: call i64 @multicall(
define i64 @straight_inside(i32 %in, i32 %out, ptr %buf, i32 %a, i32 %b) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 0, %entry ], [ %blocks, %again ], [ %inc, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %got
got:
  %bad = icmp slt i64 %n, 0
  br i1 %bad, label %retry, label %body
retry:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %again, label %fail
again:
  %c1 = call i32 @close(i32 %a)
  %c2 = call i32 @close(i32 %b)
  br label %loop
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  %inc = add i64 %blocks, 1
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %blocks
}

; A value computed before the write from the read's result, which the code after a short
; write uses (`int n = read(..)`'s truncation, used after the write): a stop at the write
; computes it again from the read's result where it resumes the loop.
; CHECK-LABEL: define i64 @remade_value(
; CHECK: %mc.loop.ret = call i64 @multicall_loop(
; CHECK: mc.loop.out.1:
; CHECK: %[[H:[0-9a-z.]+]] = lshr i64 %mc.loop.raw.1.0, 1
; CHECK-NEXT: br label %mc.loop.resume.1
; CHECK: mc.loop.resume.1:
; CHECK: phi i64 [ %[[H]], %mc.loop.out.1 ], [ %half, %body ]
define i64 @remade_value(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %half = lshr i64 %n, 1
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %again, label %loop
again:
  %w2 = call i64 @write(i32 2, ptr %buf, i64 %half)
  br label %loop
done:
  ret i64 %n
}

; Refused: such a value computed by a division, which the lowering does not compute again.
; CHECK-LABEL: define i64 @needs_value(
; CHECK-NOT: call i64 @multicall_loop
define i64 @needs_value(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %third = udiv i64 %n, 3
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %again, label %loop
again:
  %w2 = call i64 @write(i32 2, ptr %buf, i64 %third)
  br label %loop
done:
  ret i64 %n
}

; Refused: when the write does not stop, the way round leaves the loop.
; CHECK-LABEL: define i64 @leaves(
; CHECK-NOT: call i64 @multicall_loop
define i64 @leaves(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp sgt i64 %w, -1
  br i1 %ok, label %done, label %loop
done:
  ret i64 %n
}

; The total reaches its addition through a phi that only merges copies of it (the ways past
; and out of a write-all loop, which `switch (n)` on an `int` count leaves behind): the next
; value is still the total plus the read's result.
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %total (total of read's results)
; CHECK-LABEL: define i64 @merged_total(
; CHECK: call i64 @multicall_loop
define i64 @merged_total(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %total = phi i64 [ 0, %entry ], [ %next, %latch ], [ %total, %retry ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  switch i64 %n, label %pos [
    i64 0, label %done
    i64 -1, label %retry
  ]
retry:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %loop, label %fail
pos:
  %some = icmp sgt i64 %n, 0
  br i1 %some, label %wr, label %latch
wr:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %latch
latch:
  %t = phi i64 [ %total, %pos ], [ %total, %wr ]
  %next = add i64 %t, %n
  br label %loop
done:
  ret i64 %total
fail:
  ret i64 -1
}

declare ptr @__errno_location()
declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare i32 @close(i32)
