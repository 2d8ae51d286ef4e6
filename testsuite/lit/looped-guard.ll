; Tests on a loop's way round that no call's result decides (legality/resume.rs): a value
; set before the loop (an argument, a flag LLVM loaded once because nothing in the loop
; writes it) is a guard: the batch runs when it has the value of the batch's way, else the
; original loop runs. A flag loaded in the loop (one a call of the other way may write) is
; watched (MC_BATCH_WATCH): the batch ends after the iteration where it would go the other
; way, and the original resumes after the last call, does what the flag says and comes back
; round to the batch. A test of the loop's counter is a period test (legality/period.rs);
; another value the loop computes is none of these, and is refused.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); it runs when %once is false (a test in the loop of a value set before it), else the original loop does
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %total (total of read's results); it runs when @verbose is false (a test in the loop of a value set before it), else the original loop does
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %total (total of read's results); the batch reads @level after each iteration as the loop's test does, and ends when it is not zero
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); the batch reads @quiet after each iteration as the loop's test does, and ends when it is zero
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); it runs when %verbose is false and @quiet is not zero (a test in the loop of a value set before it), else the original loop does
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %total (total of read's results); it runs when %v is false (a test in the loop of a value set before it), else the original loop does
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %blocks (counter); it runs when %verbose is false (a test in the loop of a value set before it), else the original loop does

@verbose = internal global i1 false
@level = global i32 0
@quiet = global i32 0

; An argument: one iteration when it is true (the original loop), else the batch.
; CHECK-LABEL: define i64 @once(
; CHECK: %mc.guard.off = icmp eq i1 %once, true
; CHECK: br i1 %{{.*}}, label %mc.loop.fallback, label %mc.loop.call
; CHECK: call i64 @multicall_loop
define i64 @once(i32 %in, i32 %out, ptr %buf, i1 %once) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %latch
latch:
  br i1 %once, label %done, label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

; `if (verbose) progress(total)` on a static flag LLVM loaded before the loop.
; CHECK-LABEL: define i64 @hoisted_flag(
; CHECK: %mc.guard.off = icmp eq i1 %v, true
; CHECK: call i64 @multicall_loop_sums(
define i64 @hoisted_flag(i32 %in, i32 %out, ptr %buf) {
entry:
  %v = load i1, ptr @verbose
  br label %loop
loop:
  %total = phi i64 [ 0, %entry ], [ %total.next, %body ], [ %total.next, %say ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body0, label %done
body0:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %count
count:
  %total.next = add i64 %total, %n
  br i1 %v, label %say, label %body
say:
  call void @progress(i64 %total.next)
  br label %loop
body:
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %total
}

; The same flag loaded in the loop, where `progress` may write it: watched; the watch's way
; out resumes the original loop after the write.
; CHECK-LABEL: define i64 @flag_in_loop(
; CHECK: call i64 @multicall_run_batch(
; CHECK: mc.loop.watch.out:
; CHECK: br label %mc.loop.resume.1
define i64 @flag_in_loop(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %total = phi i64 [ 0, %entry ], [ %total.next, %count ], [ %total.next, %say ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %count
count:
  %total.next = add i64 %total, %n
  %lv = load i32, ptr @level, align 4
  %on = icmp ne i32 %lv, 0
  br i1 %on, label %say, label %loop
say:
  call void @progress(i64 %total.next)
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %total
}

; `if (!quiet) progress(..)`: the batch's way is the one a non-zero flag takes.
; CHECK-LABEL: define i64 @quiet_flag(
; CHECK: call i64 @multicall_run_batch(
define i64 @quiet_flag(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %count
count:
  %q = load i32, ptr @quiet, align 4
  %talk = icmp eq i32 %q, 0
  br i1 %talk, label %say, label %loop
say:
  call void @progress(i64 %n)
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

; Two tests of values set before the loop, of either polarity (`if (verbose) ..; if (!quiet)
; ..`): each goes the way its other way comes back to, whatever a zero would say.
; CHECK-LABEL: define i64 @two_guards(
; CHECK: icmp eq i1 %verbose, true
; CHECK: call i64 @multicall_loop(
define i64 @two_guards(i32 %in, i32 %out, ptr %buf, i1 %verbose) {
entry:
  %q = load i32, ptr @quiet, align 4
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %tell
tell:
  br i1 %verbose, label %say, label %next
say:
  call void @progress(i64 %n)
  br label %next
next:
  %talk = icmp eq i32 %q, 0
  br i1 %talk, label %dot, label %loop
dot:
  call void @progress(i64 0)
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

; The flag tested at the top of the body, between the loop's header and the read
; (`for (;;) { if (verbose) progress(..); n = read(..); ... }`): the same guard; the batch
; begins at the read.
; CHECK-LABEL: define i64 @top_flag(
; CHECK: %mc.guard.off = icmp eq i1 %verbose, true
; CHECK: call i64 @multicall_loop(
define i64 @top_flag(i32 %in, i32 %out, ptr %buf, i1 %verbose) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 0, %entry ], [ %inc, %body ]
  br i1 %verbose, label %say, label %go
say:
  call void @progress(i64 %blocks)
  br label %go
go:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
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

; `if (verbose && total % 65536 == 0)`: clang's `select` of the flag and the computed test;
; the flag, set before the loop, decides it false on the quiet way: a guard on it alone.
; CHECK-LABEL: define i64 @every_64k(
; CHECK: %mc.guard.off = icmp eq i1 %v, true
; CHECK: call i64 @multicall_loop_sums(
define i64 @every_64k(i32 %in, i32 %out, ptr %buf, i1 %v) {
entry:
  br label %loop
loop:
  %total = phi i64 [ 0, %entry ], [ %total.next, %count ], [ %total.next, %say ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %count
count:
  %total.next = add i64 %total, %n
  %low = and i64 %total.next, 65535
  %hit = icmp eq i64 %low, 0
  %tell = select i1 %v, i1 %hit, i1 false
  br i1 %tell, label %say, label %loop
say:
  call void @progress(i64 %total.next)
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %total
}

; A test of the loop's counter against a constant (the hundredth block): a period test
; whose distance is counted modulo 2^64 (an equality is met only there), made again after
; each batch.
; CHECK-LABEL: define i64 @computed(
; CHECK: %mc.loop.reach.room = sub i64 100,
; CHECK: call i64 @multicall_loop(
; CHECK: ret i64
define i64 @computed(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 0, %entry ], [ %blocks.next, %count ], [ %blocks.next, %say ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %count
count:
  %blocks.next = add i64 %blocks, 1
  %hundred = icmp eq i64 %blocks, 100
  br i1 %hundred, label %say, label %loop
say:
  call void @progress(i64 %blocks)
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %blocks
}

; A test of a value the loop computes from its counter (every block whose triple is 300):
; no counter and no total, refused.
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: 'br i1 %hit, label %say, label %loop' compares two values on the way round, which is no running total of a transfer's results or counter against a limit the way round leaves alone: neither side is a running total of a transfer's results nor a counter
; CHECK-LABEL: define i64 @computed_product(
; CHECK-NOT: @multicall_loop
; CHECK: ret i64
define i64 @computed_product(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 0, %entry ], [ %blocks.next, %count ], [ %blocks.next, %say ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %count
count:
  %blocks.next = add i64 %blocks, 1
  %triple = mul i64 %blocks, 3
  %hit = icmp eq i64 %triple, 300
  br i1 %hit, label %say, label %loop
say:
  call void @progress(i64 %blocks)
  br label %loop
fail:
  ret i64 -1
done:
  ret i64 %blocks
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare void @progress(i64)
