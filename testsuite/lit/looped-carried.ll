; Whole loops that carry values from one iteration to the next (section 3.4): counters and
; running totals of a call's result. The loop is one looped multi-call; the batch keeps the
; iterations it began (counters) and the sums of the results of the iterations it completed
; (MC_BATCH_SUMS, through multicall_loop_sums). At each exit the carried values are rebuilt
; from those: the phi's value at the start of the iteration that stopped, and its next value
; from that iteration's results. A batch the runtime could not run enters the original loop
; with the values of the iterations completed so far.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %blocks (counter), %bytes (total of read's results), %written (total of write's results)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %left (total of read's results), %pos (counter)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %total (total of read's results)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %k (counter)
; REMARK-DAG: 4 syscall-cluster - Number of looped multi-calls (whole loops)

; CHECK-LABEL: define i32 @copycount(
; CHECK: %mc.loop.sums = alloca [2 x i64], align 8
; CHECK: %mc.loop.iterations = alloca i64, align 8
; The sums start at zero, before the entries are stored.
; CHECK: mc.loop:
; CHECK-NEXT: %[[S0:[0-9]+]] = getelementptr inbounds [2 x i64], ptr %mc.loop.sums, i64 0, i64 0
; CHECK-NEXT: store i64 0, ptr %[[S0]]
; CHECK-NEXT: %[[S1:[0-9]+]] = getelementptr inbounds [2 x i64], ptr %mc.loop.sums, i64 0, i64 1
; CHECK-NEXT: store i64 0, ptr %[[S1]]
; Completed iterations of earlier calls (a call that returns count completed all it began).
; CHECK: mc.loop.call:
; CHECK-NEXT: %mc.loop.done = phi i64 [ 0, %mc.loop ], [ %mc.loop.done.next, %mc.loop.call ]
; CHECK-NEXT: %mc.loop.ret = call i64 @multicall_loop_sums(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr %mc.loop.iterations, i32 0, ptr %mc.loop.sums)
; CHECK-NEXT: %mc.loop.iters = load i64, ptr %mc.loop.iterations
; CHECK-NEXT: %mc.loop.done.next = add i64 %mc.loop.done, %mc.loop.iters
; CHECK-NEXT: switch i64 %mc.loop.ret, label %mc.loop.fallback [
; The original loop starts from the iterations completed so far (none ran when the runtime
; refused the batch: the sums and counts are those before the call).
; CHECK: mc.loop.fallback:
; CHECK-NEXT: %mc.loop.done.fallback = phi i64 [ %mc.loop.done, %mc.loop.call ]
; CHECK-NEXT: %[[FB_K:[0-9]+]] = mul i64 %mc.loop.done.fallback, 1
; CHECK-NEXT: %[[FB_BLOCKS:mc.loop.carried[0-9]*]] = add i64 0, %[[FB_K]]
; CHECK: %[[FB_SUM0:mc.loop.sum[0-9]*]] = load i64, ptr
; CHECK-NEXT: %[[FB_BYTES:mc.loop.carried[0-9]*]] = add i64 0, %[[FB_SUM0]]
; CHECK: %[[FB_SUM1:mc.loop.sum[0-9]*]] = load i64, ptr
; CHECK-NEXT: %[[FB_T:[0-9]+]] = trunc i64 %[[FB_SUM1]] to i32
; CHECK-NEXT: %[[FB_WRITTEN:mc.loop.carried[0-9]*]] = add i32 0, %[[FB_T]]
; CHECK-NEXT: br label %loop
; Exit 0 (the read ended the loop in iteration k): iterations 1 .. k-1 completed.
; CHECK: mc.loop.exit.0:
; CHECK: %[[A0:[0-9]+]] = add i64 %mc.loop.done, %mc.loop.iters
; CHECK-NEXT: %mc.loop.done.0 = sub i64 %[[A0]], 1
; CHECK-NEXT: %[[K0:[0-9]+]] = mul i64 %mc.loop.done.0, 1
; CHECK-NEXT: %[[BLOCKS0:mc.loop.carried[0-9]*]] = add i64 0, %[[K0]]
; CHECK: %[[SUM0:mc.loop.sum[0-9]*]] = load i64, ptr
; CHECK-NEXT: %[[BYTES0:mc.loop.carried[0-9]*]] = add i64 0, %[[SUM0]]
; CHECK: %[[SUM1:mc.loop.sum[0-9]*]] = load i64, ptr
; CHECK-NEXT: %[[T0:[0-9]+]] = trunc i64 %[[SUM1]] to i32
; CHECK-NEXT: %[[WRITTEN0:mc.loop.carried[0-9]*]] = add i32 0, %[[T0]]
; Exit 1 (a short write in iteration k): blocks and bytes went up in k before the write, and
; written by the write's result as the program sees it (-1 on an error).
; CHECK: mc.loop.exit.1:
; CHECK: %mc.loop.done.1 = sub i64
; CHECK: mc.loop.out.1:
; CHECK-NEXT: %mc.loop.x.1 = phi i64 [ %mc.loop.raw.1.1, %mc.loop.exit.1 ], [ -1, %mc.loop.err.1 ]
; CHECK-NEXT: %[[BLOCKS1:mc.loop.next[0-9]*]] = add i64 %{{mc.loop.carried[0-9]*}}, 1
; CHECK-NEXT: %[[BYTES1:mc.loop.next[0-9]*]] = add i64 %{{mc.loop.carried[0-9]*}}, %mc.loop.raw.1.0
; CHECK-NEXT: %[[W1:[0-9]+]] = trunc i64 %mc.loop.x.1 to i32
; CHECK-NEXT: %[[WRITTEN1:mc.loop.next[0-9]*]] = add i32 %{{mc.loop.carried[0-9]*}}, %[[W1]]
; CHECK-NEXT: br label %short
; CHECK: loop:
; CHECK-NEXT: %blocks = phi i64 [ %[[FB_BLOCKS]], %mc.loop.fallback ], [ %blocks.next, %body ]
; CHECK-NEXT: %bytes = phi i64 [ %[[FB_BYTES]], %mc.loop.fallback ], [ %bytes.next, %body ]
; CHECK-NEXT: %written = phi i32 [ %[[FB_WRITTEN]], %mc.loop.fallback ], [ %written.next, %body ]
; CHECK: short:
; CHECK-NEXT: %[[WS:.*]] = phi i32 [ %[[WRITTEN1]], %mc.loop.out.1 ], [ %written.next, %body ]
; CHECK-NEXT: %[[BS:.*]] = phi i64 [ %[[BYTES1]], %mc.loop.out.1 ], [ %bytes.next, %body ]
; CHECK-NEXT: %[[KS:.*]] = phi i64 [ %[[BLOCKS1]], %mc.loop.out.1 ], [ %blocks.next, %body ]
; CHECK-NEXT: call void @report(i64 %[[KS]], i64 %[[BS]], i32 %[[WS]])
; CHECK: done:
; CHECK-NEXT: %[[WD:.*]] = phi i32 [ %[[WRITTEN0]], %mc.loop.out.0 ], [ %written, %loop ]
; CHECK-NEXT: %[[BD:.*]] = phi i64 [ %[[BYTES0]], %mc.loop.out.0 ], [ %bytes, %loop ]
; CHECK-NEXT: %[[KD:.*]] = phi i64 [ %[[BLOCKS0]], %mc.loop.out.0 ], [ %blocks, %loop ]
; CHECK-NEXT: call void @report(i64 %[[KD]], i64 %[[BD]], i32 %[[WD]])

; CHECK-LABEL: define i64 @countdown(
; CHECK: mc.loop.fallback:
; CHECK: %[[LFB:mc.loop.carried[0-9]*]] = sub i64 %len, %{{mc.loop.sum[0-9]*}}
; CHECK-NEXT: %[[PK:[0-9]+]] = mul i64 %mc.loop.done.fallback, %step
; CHECK-NEXT: %[[PFB:mc.loop.carried[0-9]*]] = add i64 0, %[[PK]]
; CHECK: mc.loop.exit.0:
; CHECK: %[[L0:mc.loop.carried[0-9]*]] = sub i64 %len, %{{mc.loop.sum[0-9]*}}
; CHECK-NEXT: %[[PK0:[0-9]+]] = mul i64 %mc.loop.done.0, %step
; CHECK-NEXT: %[[P0:mc.loop.carried[0-9]*]] = add i64 0, %[[PK0]]
; CHECK: loop:
; CHECK-NEXT: %left = phi i64 [ %[[LFB]], %mc.loop.fallback ], [ %left.next, %body ]
; CHECK-NEXT: %pos = phi i64 [ %[[PFB]], %mc.loop.fallback ], [ %pos.next, %body ]
; CHECK: done:
; CHECK-NEXT: %[[PD:.*]] = phi i64 [ %[[P0]], %mc.loop.out.0 ], [ %pos, %loop ]
; CHECK-NEXT: %[[LD:.*]] = phi i64 [ %[[L0]], %mc.loop.out.0 ], [ %left, %loop ]
; CHECK-NEXT: %r = add i64 %[[LD]], %[[PD]]

; No counter: no iterations asked for.
; CHECK-LABEL: define i64 @int_total(
; CHECK: call i64 @multicall_loop_sums(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 0, ptr %mc.loop.sums)
; CHECK: mc.loop.exit.0:
; CHECK: %[[T:mc.loop.carried[0-9]*]] = add i64 0, %{{mc.loop.sum[0-9]*}}
; CHECK: done:
; CHECK-NEXT: %[[TD:.*]] = phi i64 [ %[[T]], %mc.loop.out.0 ], [ %total, %loop ]
; CHECK-NEXT: ret i64 %[[TD]]

; CHECK-LABEL: define i64 @lcssa(
; CHECK: mc.loop.exit.0:
; CHECK: %[[K0:mc.loop.carried[0-9]*]] = add i64 5, %{{[0-9]+}}
; CHECK: done:
; CHECK-NEXT: %k.lcssa = phi i64 [ %k, %loop ], [ %[[K0]], %mc.loop.out.0 ]

; copycount.c's loop (testsuite/programs/copycount.c at -O2): blocks++ and bytes += n
; before the write, written += (int)w after it; the values are used at both exits.
define i32 @copycount(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 0, %entry ], [ %blocks.next, %body ]
  %bytes = phi i64 [ 0, %entry ], [ %bytes.next, %body ]
  %written = phi i32 [ 0, %entry ], [ %written.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %blocks.next = add nuw nsw i64 %blocks, 1
  %bytes.next = add nuw nsw i64 %n, %bytes
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %w.int = trunc i64 %w to i32
  %written.next = add i32 %written, %w.int
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %short
short:
  call void @report(i64 %blocks.next, i64 %bytes.next, i32 %written.next)
  ret i32 1
done:
  call void @report(i64 %blocks, i64 %bytes, i32 %written)
  ret i32 0
}

; left -= n (a total that goes down) and pos += step (a counter by a value defined before
; the loop), each used after it.
define i64 @countdown(i32 %in, i32 %out, ptr %buf, i64 %len, i64 %step) {
entry:
  br label %loop
loop:
  %left = phi i64 [ %len, %entry ], [ %left.next, %body ]
  %pos = phi i64 [ 0, %entry ], [ %pos.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %left.next = sub i64 %left, %n
  %pos.next = add i64 %pos, %step
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %fail
fail:
  ret i64 -1
done:
  %r = add i64 %left, %pos
  ret i64 %r
}

; long total += (int)read(...): the result through 32 bits and back. A read's result is below
; 2^31, so the sum of the extended values is the sum of the results.
define i64 @int_total(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %total = phi i64 [ 0, %entry ], [ %total.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %n.int = trunc i64 %n to i32
  %n.ext = sext i32 %n.int to i64
  %total.next = add nsw i64 %total, %n.ext
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %fail
fail:
  ret i64 -1
done:
  ret i64 %total
}

; A counter used after the loop through a phi in the exit block (LCSSA form): a use after
; the loop, which the exit's value reaches.
define i64 @lcssa(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %k = phi i64 [ 5, %entry ], [ %k.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %k.next = add i64 %k, 1
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %fail
fail:
  ret i64 -1
done:
  %k.lcssa = phi i64 [ %k, %loop ]
  ret i64 %k.lcssa
}

declare void @report(i64, i64, i32)
declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
