; A loop whose bookkeeping comes before its first call: `for (;;) { blocks++; n = read(...);
; if (n <= 0) break; ... }` at -O2 computes the counter's next value in the header, before
; the read. The loop is still one looped multi-call: the lowering computes the next value at
; each exit from the value at the start of the iteration that stopped, wherever the original
; computed it. Other code before the first call stays refused.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %blocks (counter); no in-kernel copy: the buffer ptr %buf of 'read' at copyblocks (no debug location) is given to the function by its callers, and '{{[a-z_]+}}' is visible outside this module
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %blocks: '%twice = shl i64 %blocks.next, 1' uses %blocks.next in the loop: a looped batch carries only counters and running totals of its calls' results
; REMARK-DAG: 1 syscall-cluster - Number of looped multi-calls (whole loops)

; At read's exit the counter's next value is the start value plus one, as the header
; computed it before the read.
; CHECK-LABEL: define i64 @copyblocks(
; CHECK: %mc.loop.ret = call i64 @multicall_loop(
; CHECK: mc.loop.exit.0:
; CHECK: %mc.loop.carried = add i64 0, %{{.*}}
; CHECK: mc.loop.out.0:
; CHECK: %mc.loop.next = add i64 %mc.loop.carried, 1
; CHECK: done:
; CHECK-NEXT: %r = phi i64 [ %blocks.next, %loop ], [ -1, %body ], [ %mc.loop.next, %mc.loop.out.0 ], [ -1, %mc.loop.out.1 ]
; CHECK-LABEL: define i64 @doubled(
; CHECK-NOT: call i64 @multicall_loop(

define i64 @copyblocks(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 0, %entry ], [ %blocks.next, %body ]
  %blocks.next = add nuw nsw i64 %blocks, 1
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %stop = icmp slt i64 %n, 1
  br i1 %stop, label %done, label %body
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %same = icmp eq i64 %w, %n
  br i1 %same, label %loop, label %done
done:
  %r = phi i64 [ %blocks.next, %loop ], [ -1, %body ]
  ret i64 %r
}

; Bookkeeping that is not a counter's step: the batch would not run it.
define i64 @doubled(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 1, %entry ], [ %blocks.next, %body ]
  %blocks.next = add i64 %blocks, 1
  %twice = shl i64 %blocks.next, 1
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %stop = icmp slt i64 %n, 1
  br i1 %stop, label %done, label %body
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %same = icmp eq i64 %w, %n
  br i1 %same, label %loop, label %done
done:
  %r = phi i64 [ %blocks.next, %loop ], [ -1, %body ]
  ret i64 %r
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
