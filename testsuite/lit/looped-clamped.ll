; Counts clamped to a constant (legality/clamp.rs, plan::Clamped): a transfer of a known
; length in chunks, `read(in, buf, min(left, B))` with `left -= n` (clang's `llvm.umin`, or
; `llvm.smin` of a signed total), is one looped multi-call that passes B for the iterations
; `left` has room for (`left / B` from `left >= B`: each call moves at most B, so each of
; them starts with `left >= B`); from `left < B` the original code runs the iteration. The
; loop's test on `left` must go on for every value from B up. In a rotated loop (the
; latch tests `left - n`), at the top of a loop reading into an advancing buffer, and as
; sendfile's count (argument 3), and of an `int` total. Refused with a remark: a test that a total of B or more
; may fail, a clamped counter, a total that goes down by a call the clamp is not the count
; of (a write that may be short). A clamp passed to a later call too (the write of what was
; read) is the cap there too, and a total that goes down by the result of a write that stops
; unless it wrote the read's count goes down by the read's.
; Two loops one after the other, the first entering the second, each one looped multi-call.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/clamped.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %left (total of read's results, whose count is min(%left, 4096): the batch passes 4096 for the iterations %left has room for)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %left (total of read's results, whose count is min(%left, 1000): the batch passes 1000 for the iterations %left has room for); advances %p (argument 1 of read, up by read's result)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %left (total of read's results, whose count is min(%left, 4096): the batch passes 4096 for the iterations %left has room for); no in-kernel copy
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: sendfile (stop: result <= 0; 0 result references); carries %left (total of sendfile's results, whose count is min(%left, 65536): the batch passes 65536 for the iterations %left has room for)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 511) breaks whole-loop legality: the loop's test '%more = icmp ugt i64 %left.next, 5000' does not compare an advancing 64-bit argument with 0, nor a counter with a bound
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 511) breaks whole-loop legality: the count '%count = call i64 @llvm.umin.i64(i64 %i, i64 4096)' is clamped to a constant, but %i does not go down by a call's result
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 511) breaks whole-loop legality: the count '%count = call i64 @llvm.umin.i64(i64 %left, i64 4096)' is clamped to a constant, but it is not the count of 'write' at written_short (no debug location), whose result %left goes down by
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %left (total of write's results, whose count is min(%left, 4096): the batch passes 4096 for the iterations %left has room for)

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 0 result references); carries %left (total of read's results, whose count is min(%left, 4096): the batch passes 4096 for the iterations %left has room for)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 511) breaks whole-loop legality: loop-carried value %left: its next value '%left.next = sub i64 %left, %chunk' is computed before the test of 'read' at early (no debug location)'s result that it stands for

; The batch passes 4096 and runs at most left / 4096 iterations from the value it starts
; with; below 4096 (signed: the latch's test is) the original loop runs.
; CHECK-LABEL: define i64 @chunks(
; CHECK: mc.loop:
; CHECK-NEXT: %mc.adv.start = phi i64 [ %len, %entry ], [ %mc.adv.carried, %mc.adv.round ]
; CHECK: store i64 4096,
; CHECK: %mc.clamp.below = icmp slt i64 %mc.adv.start, 4096
; CHECK-NEXT: %mc.clamp.times = udiv i64 %mc.adv.start, 4096
; CHECK-NEXT: %mc.clamp.fewer = icmp ult i64 %mc.clamp.times, 4611686018427387904
; CHECK-NEXT: %mc.clamp.bound = select i1 %mc.clamp.fewer, i64 %mc.clamp.times, i64 4611686018427387904
; Without the module the runtime would run it one call at a time: the original loop instead.
; CHECK-NEXT: %mc.pays = load atomic i32, ptr @multicall_batches_pay monotonic, align 4
; CHECK-NEXT: %mc.adv.declined = icmp eq i32 %mc.pays, 0
; CHECK-NEXT: %mc.adv.original = or i1 %mc.clamp.below, %mc.adv.declined
; CHECK-NEXT: br i1 %mc.adv.original, label %mc.adv.fallback, label %mc.adv.call
; CHECK: store i64 %mc.clamp.bound,
; CHECK: mc.adv.round:
; CHECK: %mc.adv.carried = sub i64 %mc.adv.start, %mc.adv.sum
; CHECK-NEXT: %mc.adv.test = icmp sgt i64 %mc.adv.carried, 0
; CHECK-NEXT: br i1 %mc.adv.test, label %mc.loop, label %mc.adv.until
; CHECK: mc.adv.fallback:
; CHECK-NEXT: br label %loop
; CHECK: loop:
; CHECK-NEXT: %left = phi i64 [ %mc.adv.start, %mc.adv.fallback ], [ %left.next, %latch ]
; CHECK-NEXT: %count = call i64 @llvm.umin.i64(i64 %left, i64 4096)

; At the top: an unsigned test, so the clamp's range is unsigned; the batch's round goes
; back to the header's test.
; CHECK-LABEL: define i64 @body(
; CHECK: mc.loop:
; CHECK: store i64 1000,
; CHECK: %mc.clamp.below = icmp ult i64 %left, 1000
; CHECK-NEXT: %mc.clamp.times = udiv i64 %left, 1000
; CHECK: %mc.adv.original = or i1 %mc.clamp.below, %mc.adv.declined
; CHECK-NEXT: br i1 %mc.adv.original, label %mc.adv.fallback, label %mc.adv.call

; CHECK-LABEL: define i32 @intchunks(
; CHECK: store i64 4096,
; CHECK: %mc.clamp.below = icmp slt i32 %mc.adv.start, 4096
; CHECK-NEXT: %mc.clamp.times = udiv i32 %mc.adv.start, 4096
; CHECK-NEXT: %[[TIMES:[0-9]+]] = zext i32 %mc.clamp.times to i64
; CHECK-NEXT: %mc.clamp.fewer = icmp ult i64 %[[TIMES]], 4611686018427387904

; CHECK-LABEL: define i64 @send(
; CHECK: store i64 65536,
; CHECK: store i32 40,
; CHECK: %mc.clamp.below = icmp slt i64 %mc.adv.start, 65536
; CHECK: store ptr null,
; No watched word.
; CHECK-NEXT: getelementptr inbounds [9 x i64], ptr %mc.batch, i64 0, i64 8
; CHECK-NEXT: store i64 0,
; CHECK-NEXT: %mc.adv.ret = call i64 @multicall_run_batch(ptr %mc.batch)

; CHECK-LABEL: define i64 @above(
; CHECK-NOT: multicall_run_batch
; CHECK-LABEL: define i64 @counter(
; CHECK-NOT: multicall_run_batch
; CHECK-LABEL: define i64 @twice(
; CHECK: store i32 0,
; CHECK: store i64 4096,
; CHECK: store i32 1,
; CHECK: %mc.clamp.below = icmp ult i64 %mc.adv.start, 4096
; The total goes down by the write's result, which the write's stop keeps equal to the
; clamped read's in every iteration that completes.
; CHECK-LABEL: define i64 @written(
; CHECK: store i64 4096,
; CHECK: %mc.adv.ret = call i64 @multicall_run_batch(ptr %mc.batch)
; CHECK-LABEL: define i64 @written_short(
; CHECK-NOT: multicall_run_batch
; At the read's stop the message gets the cap as the chunk.
; CHECK-LABEL: define i64 @exact(
; CHECK: store i64 4096,
; CHECK: %mc.clamp.below = icmp ult i64 %mc.adv.start, 4096
; CHECK: short:
; CHECK-NEXT: %[[CHUNK:chunk[0-9]+]] = phi i64 [ 4096, %mc.adv.out.0 ], [ %chunk, %loop ]
; CHECK: call void @report(i64 %{{[a-z0-9.]+}}, i64 %[[CHUNK]])
; CHECK-LABEL: define i64 @early(
; CHECK-NOT: multicall_run_batch
; CHECK-LABEL: define i64 @sequential(
; CHECK: store i64 4096,
; CHECK: store i64 512,
; CHECK: mc.in:
; CHECK-NEXT: %{{mc.in[0-9]*}} = phi i64 [ %len2, %one.latch ], [ %len2, %mc.adv.until ]
; CHECK-NEXT: br label %{{mc.loop[0-9]*}}
; CHECK-LABEL: declare

; Copies the first %len bytes in chunks of at most 4096 (`read(in, buf, min(left, 4096))`,
; clang's rotated loop with its test `left - n > 0` in the latch).
define i64 @chunks(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  %go = icmp sgt i64 %len, 0
  br i1 %go, label %loop, label %done

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %count = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %fail

latch:
  %left.next = sub nsw i64 %left, %r
  %more = icmp sgt i64 %left.next, 0
  br i1 %more, label %loop, label %done

fail:
  ret i64 -1

done:
  %k = phi i64 [ %len, %entry ], [ %left, %loop ], [ %left.next, %latch ]
  ret i64 %k
}

; The same loop tested at its top (`while (left)`, clang -O1), the count computed in the
; body, reading into one buffer that advances (a body of known length).
define i64 @body(i32 %in, ptr %buf, i64 %len) {
entry:
  br label %head

head:
  %left = phi i64 [ %len, %entry ], [ %left.next, %more ]
  %p = phi ptr [ %buf, %entry ], [ %p.next, %more ]
  %end = icmp eq i64 %left, 0
  br i1 %end, label %done, label %get

get:
  %count = call i64 @llvm.umin.i64(i64 %left, i64 1000)
  %r = call i64 @read(i32 %in, ptr %p, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %more

more:
  %p.next = getelementptr inbounds i8, ptr %p, i64 %r
  %left.next = sub i64 %left, %r
  br label %head

done:
  %k = phi i64 [ 0, %head ], [ %left, %get ]
  ret i64 %k
}

; An `int` total (`int left; read(in, buf, left < 4096 ? left : 4096)`): clang's 32-bit
; `umin` extended to the count, the result cut to 32 bits for the total and its tests, and
; the write's count the result masked by what the cut keeps.
define i32 @intchunks(i32 %in, i32 %out, ptr %buf, i32 %len) {
entry:
  %go = icmp sgt i32 %len, 0
  br i1 %go, label %loop, label %done

loop:
  %left = phi i32 [ %len, %entry ], [ %left.next, %latch ]
  %min = call i32 @llvm.umin.i32(i32 %left, i32 4096)
  %count = zext nneg i32 %min to i64
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %n = trunc i64 %r to i32
  %eof = icmp slt i32 %n, 1
  br i1 %eof, label %done, label %put

put:
  %len.w = and i64 %r, 2147483647
  %w = call i64 @write(i32 %out, ptr %buf, i64 %len.w)
  %full = icmp eq i64 %w, %len.w
  br i1 %full, label %latch, label %fail

latch:
  %left.next = sub nsw i32 %left, %n
  %more = icmp sgt i32 %left.next, 0
  br i1 %more, label %loop, label %done

fail:
  ret i32 -1

done:
  %k = phi i32 [ %len, %entry ], [ %left, %loop ], [ %left.next, %latch ]
  ret i32 %k
}

; sendfile's count is its argument 3; an `smin` of a signed total (its test signed).
define i64 @send(i32 %in, i32 %out, i64 %len) {
entry:
  %go = icmp sgt i64 %len, 0
  br i1 %go, label %loop, label %done

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %count = call i64 @llvm.smin.i64(i64 %left, i64 65536)
  %r = call i64 @sendfile(i32 %out, i32 %in, ptr null, i64 %count)
  %stop = icmp slt i64 %r, 1
  br i1 %stop, label %done, label %latch

latch:
  %left.next = sub i64 %left, %r
  %more = icmp ne i64 %left.next, 0
  br i1 %more, label %loop, label %done

done:
  %k = phi i64 [ %len, %entry ], [ %left, %loop ], [ 0, %latch ]
  ret i64 %k
}

; Refused: the loop goes on only while the total is above 5000, which a total of 4096 or
; more may not be.
define i64 @above(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  br label %loop

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %count = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %done

latch:
  %left.next = sub i64 %left, %r
  %more = icmp ugt i64 %left.next, 5000
  br i1 %more, label %loop, label %done

done:
  ret i64 0
}

; Refused: the clamped value is a counter, not a total of the call's results.
define i64 @counter(i32 %in, i32 %out, ptr %buf, i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ %n, %entry ], [ %i.next, %latch ]
  %count = call i64 @llvm.umin.i64(i64 %i, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %done

latch:
  %i.next = sub i64 %i, 1
  %more = icmp ne i64 %i.next, 0
  br i1 %more, label %loop, label %done

done:
  ret i64 0
}

; The clamped count is the write's too (`write(out, buf, chunk)` after a read of `chunk`,
; the total going down by the read's result): the cap there as well.
define i64 @twice(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  br label %loop

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %count = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %count)
  %full = icmp eq i64 %w, %count
  br i1 %full, label %latch, label %done

latch:
  %left.next = sub i64 %left, %r
  %more = icmp ne i64 %left.next, 0
  br i1 %more, label %loop, label %done

done:
  ret i64 0
}

; Refused: the total goes down by the write's result, whose count is the read's result, not
; the clamp.
define i64 @written(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  br label %loop

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %count = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %latch, label %done

latch:
  %left.next = sub i64 %left, %w
  %more = icmp ne i64 %left.next, 0
  br i1 %more, label %loop, label %done

done:
  ret i64 0
}

; The write may be short: its result is not the read's, and the read's clamp does not bound
; what the total goes down by.
define i64 @written_short(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  br label %loop

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %count = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %put

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp sgt i64 %w, -1
  br i1 %full, label %latch, label %done

latch:
  %left.next = sub i64 %left, %w
  %more = icmp ne i64 %left.next, 0
  br i1 %more, label %loop, label %done

done:
  ret i64 0
}

; A read that must fill its chunk (`if (read(in, buf, chunk) != chunk) fail`), the total going
; down by the chunk itself, which the error message after the loop prints: the read's result
; in every iteration that completes, and the cap at every way out of a batch.
define i64 @exact(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  %go = icmp eq i64 %len, 0
  br i1 %go, label %done, label %loop

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %chunk = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %chunk)
  %whole = icmp eq i64 %r, %chunk
  br i1 %whole, label %put, label %short

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %chunk)
  %full = icmp eq i64 %w, %chunk
  br i1 %full, label %latch, label %fail

latch:
  %left.next = sub i64 %left, %chunk
  %end = icmp eq i64 %left.next, 0
  br i1 %end, label %done, label %loop

short:
  call void @report(i64 %r, i64 %chunk)
  ret i64 -1

fail:
  ret i64 -2

done:
  ret i64 0
}

; Refused: the same loop computes the next total before the read's test, and the way out
; of a short read uses it (there the chunk is not what was read).
define i64 @early(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  %go = icmp eq i64 %len, 0
  br i1 %go, label %done, label %loop

loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %latch ]
  %chunk = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %chunk)
  %left.next = sub i64 %left, %chunk
  %whole = icmp eq i64 %r, %chunk
  br i1 %whole, label %put, label %short

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %chunk)
  %full = icmp eq i64 %w, %chunk
  br i1 %full, label %latch, label %fail

latch:
  %end = icmp eq i64 %left.next, 0
  br i1 %end, label %done, label %loop

short:
  call void @report(i64 %r, i64 %left.next)
  ret i64 -1

fail:
  ret i64 -2

done:
  ret i64 0
}

; Two such loops one after the other, the first's latch leaving straight into the second
; (`while (a) ...; while (b) ...`): the first is lowered first, and its ways out join the
; second's way in in one block, mc.in, before the second's batch.
define i64 @sequential(i32 %in, i32 %out, ptr %buf, i64 %len, i64 %len2) {
entry:
  br label %one

one:
  %left = phi i64 [ %len, %entry ], [ %left.next, %one.latch ]
  %count = call i64 @llvm.umin.i64(i64 %left, i64 4096)
  %r = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %eof = icmp slt i64 %r, 1
  br i1 %eof, label %done, label %one.put

one.put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %full = icmp eq i64 %w, %r
  br i1 %full, label %one.latch, label %done

one.latch:
  %left.next = sub i64 %left, %r
  %more = icmp ne i64 %left.next, 0
  br i1 %more, label %one, label %two

two:
  %left2 = phi i64 [ %len2, %one.latch ], [ %left2.next, %two.latch ]
  %count2 = call i64 @llvm.umin.i64(i64 %left2, i64 512)
  %r2 = call i64 @read(i32 %in, ptr %buf, i64 %count2)
  %eof2 = icmp slt i64 %r2, 1
  br i1 %eof2, label %done, label %two.put

two.put:
  %w2 = call i64 @write(i32 %out, ptr %buf, i64 %r2)
  %full2 = icmp eq i64 %w2, %r2
  br i1 %full2, label %two.latch, label %done

two.latch:
  %left2.next = sub i64 %left2, %r2
  %more2 = icmp ne i64 %left2.next, 0
  br i1 %more2, label %two, label %done

done:
  ret i64 0
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare i64 @sendfile(i32, i32, ptr, i64)
declare void @report(i64, i64)
declare i64 @llvm.umin.i64(i64, i64)
declare i64 @llvm.smin.i64(i64, i64)
declare i32 @llvm.umin.i32(i32, i32)
